// Command backend benchmarks the plugin's Go backend, launched as Grafana
// launches it (internal/grafanahost), against InfluxDB 1.8 at $INFLUX_URL
// (database $INFLUX_DB); bench/backend/run.sh starts that server.
//
// Measurements, each beside a baseline taken in the same run:
//   - QueryData of every VM × 6 metrics × 1 h at 1 s with rates, against the
//     bare InfluxDB HTTP /query of the same data; median of several runs,
//     the ratio, and the plugin process's peak RSS (VmHWM).
//   - Freshness of the live stream: the time from a sample written to the
//     frame RunStream pushes with it, p50/p95, against a bare client polling
//     InfluxDB at the same interval.
//   - -mode rollup: a long range on the rollups (rollup.go), on a
//     data set that -mode rollup-data wrote and -mode rollup-backfill rolled up.
//   - -mode inventory: the VM listings over months of data (inventory.go).
package main

import (
	"context"
	"flag"
	"fmt"
	"math"
	"os"
	"strconv"
	"time"

	"github.com/vmtelemetry/libvirt-datasource/internal/grafanahost"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "bench/backend:", err)
		os.Exit(1)
	}
}

func run() error {
	mode := flag.String("mode", "backend", "backend: QueryData and live freshness against bare InfluxDB; rollup-data: writes the data set of rollup; rollup-backfill: computes its rollups; rollup: a long range on the rollups against the same range on the 1-s data (written before by rollup-data and rolled up by rollup-backfill with the same -vms, -days and -end); inventory: the VM listings over months of a churning fleet against unbounded listings")
	vms := flag.Int("vms", 50, "VMs in the data set")
	span := flag.Duration("range", time.Hour, "backend mode: length of the data set at 1 s resolution")
	end := flag.String("end", "", "rollup modes: end of the data set, RFC 3339 on a whole minute (default: now)")
	days := flag.Float64("days", 7, "rollup modes: days of 1-s data (and their rollups) in the data set; inventory mode: days the churning fleet spans (default there 90)")
	gone := flag.Int("gone", 1000, "inventory mode: VMs that ran at some time of the days, not now")
	life := flag.Duration("life", 10*time.Minute, "inventory mode: how long each of those ran (1-s samples)")
	runs := flag.Int("runs", 5, "timed runs of each query (after one warm-up run)")
	freshness := flag.Duration("freshness", 60*time.Second, "duration of the freshness benchmark (0 skips it)")
	interval := flag.Duration("interval", time.Second, "live stream interval")
	flag.Parse()
	if *mode != "backend" && *mode != "rollup-data" && *mode != "rollup-backfill" && *mode != "rollup" && *mode != "inventory" {
		return fmt.Errorf("-mode %q: want backend, rollup-data, rollup-backfill, rollup or inventory", *mode)
	}
	rollupSet := dataSet{vms: *vms, span: time.Duration(*days * float64(24*time.Hour)).Truncate(time.Minute), end: time.Now().Truncate(time.Minute)}
	if *end != "" {
		t, err := time.Parse(time.RFC3339, *end)
		if err != nil || !t.Equal(t.Truncate(time.Minute)) {
			return fmt.Errorf("-end %q: want an RFC 3339 time on a whole minute", *end)
		}
		rollupSet.end = t
	}

	influx := influxDB{url: os.Getenv("INFLUX_URL"), database: os.Getenv("INFLUX_DB")}
	if influx.url == "" || influx.database == "" {
		return fmt.Errorf("INFLUX_URL and INFLUX_DB must name an InfluxDB 1.8 server (bench/backend/run.sh starts one)")
	}
	ctx := context.Background()
	switch *mode {
	case "rollup-data":
		return writeRollupData(ctx, influx, rollupSet)
	case "rollup-backfill":
		return backfillRollups(ctx, influx, rollupSet)
	}
	// A private output folder: other builds of the shared cache cannot swap
	// the executable between build and launch.
	outDir, err := os.MkdirTemp("", "vmt-bench-plugin-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(outDir)
	exe, err := grafanahost.Build(ctx, grafanahost.BuildOptions{OutputDir: outDir})
	if err != nil {
		return err
	}
	plugin, err := grafanahost.Launch(ctx, grafanahost.Options{Executable: exe})
	if err != nil {
		return err
	}
	// Close kills the plugin process: no leftover even when a step fails.
	defer plugin.Close()
	ds := grafanahost.DataSource{UID: "bench", URL: influx.url, JSONData: map[string]any{"database": influx.database, "timeoutSeconds": 600}}

	if *mode == "inventory" {
		span := 90
		flag.Visit(func(f *flag.Flag) {
			if f.Name == "days" {
				span = int(*days)
			}
		})
		set := inventorySet{days: span, gone: *gone, recent: *vms, life: *life, end: time.Now().Truncate(time.Second)}
		return benchInventory(ctx, plugin, ds, influx, set, *runs)
	}
	if *mode == "rollup" {
		return benchRollups(ctx, plugin, ds, influx, rollupSet, *runs)
	}
	set := dataSet{vms: *vms, span: *span, end: time.Now().Truncate(time.Second)}
	fmt.Printf("writing %d VMs × %d metrics × %s at 1 s (%d points) into InfluxDB 1.8 at %s\n",
		set.vms, len(benchMetrics), set.span, set.points(), influx.url)
	if err := set.write(ctx, influx); err != nil {
		return err
	}
	figures, err := benchQueryData(ctx, plugin, ds, influx, set, *runs)
	if err != nil {
		return err
	}
	if *freshness > 0 {
		if err := benchFreshness(ctx, plugin, ds, influx, set, *freshness, *interval); err != nil {
			return err
		}
	}
	// The summary line, last, for the repository's npm run bench.
	fmt.Printf("backend: vms=%d hours=%s ratio=%.2f peak_rss_mb=%.0f\n", set.vms, strconv.FormatFloat(math.Round(set.span.Hours()*100)/100, 'f', -1, 64), figures.ratio, figures.peakRSSMB)
	return nil
}
