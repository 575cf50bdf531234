package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/vmtelemetry/libvirt-datasource/internal/grafanahost"
)

// rollupsScript is the provisioning that the compose stack, the demo and
// the tests run; the benchmark backfills its rollups with it.
const rollupsScript = "provisioning/influxdb/init/15-rollups.sh"

// writeRollupData writes set's 1-s samples (-mode rollup-data), nothing
// else: bench/backend/run.sh keeps the server's files of a written data set
// and starts later runs on a copy of them, since writing a week of 50 VMs is
// InfluxDB's longest job in the benchmark.
func writeRollupData(ctx context.Context, db influxDB, set dataSet) error {
	fmt.Printf("writing %d VMs × %d metrics × %s days at 1 s (%d points) into InfluxDB 1.8 at %s\n",
		set.vms, len(benchMetrics), set.days(), set.points(), db.url)
	return set.write(ctx, db)
}

// backfillRollups has InfluxDB compute the rollups (1 and 10 min) of set's 1-s
// samples (-mode rollup-backfill, on a server holding the data set) with the
// provisioned statement, nothing else: bench/backend/run.sh keeps the
// server's files with them, as it keeps the data set's (a week's backfill
// takes 7-12 min at a load of 10-25).
func backfillRollups(ctx context.Context, db influxDB, set dataSet) error {
	if err := set.checkWritten(ctx, db); err != nil {
		return err
	}
	if err := rollupsScriptRun(db, "setup"); err != nil {
		return err
	}
	started := time.Now()
	// A day per statement keeps each backfill's memory bounded.
	for from := set.start(); from.Before(set.end); from = from.Add(24 * time.Hour) {
		to := from.Add(24 * time.Hour)
		if to.After(set.end) {
			to = set.end
		}
		if err := rollupsScriptRun(db, "backfill", from.Format(time.RFC3339), to.Format(time.RFC3339)); err != nil {
			return err
		}
	}
	fmt.Printf("  rollups (1 and 10 min) of %s days backfilled by InfluxDB in %s\n", set.days(), time.Since(started).Round(time.Millisecond))
	return nil
}

// benchRollups loads the range of set (its 1-s samples written by
// writeRollupData, its rollups computed by backfillRollups) as a dashboard
// panel of the whole fleet does (every VM, the six metrics with rates,
// 10-min buckets: Grafana's interval for a week at ~1000 pixels) through
// the launched plugin, once from the 1-s data and once from the rollups,
// alternating, and prints the medians and the speedup.
func benchRollups(ctx context.Context, plugin *grafanahost.Plugin, ds grafanahost.DataSource, db influxDB, set dataSet, runs int) error {
	if err := set.checkWritten(ctx, db); err != nil {
		return err
	}
	if err := set.checkRollups(ctx, db); err != nil {
		return err
	}

	model, _ := json.Marshal(map[string]any{
		"refId": "A", "schemaVersion": 1, "queryType": "metrics", "vmMode": "all",
		"metrics": benchMetrics, "outputs": []string{"value", "rate", "per_second"},
	})
	query := backend.DataQuery{
		// Points enough for 10-min buckets on both sides: at 1000 a week's
		// 1-s plan takes 604.8-s buckets, the rollup plan whole minutes (11).
		RefID: "A", QueryType: "metrics", JSON: model, Interval: 10 * time.Minute, MaxDataPoints: int64(set.span/(10*time.Minute)) + 1,
		TimeRange: backend.TimeRange{From: set.start(), To: set.end},
	}
	onRollups := ds
	onRollups.UID = "bench-rollups"
	onRollups.JSONData = map[string]any{"rollups": true}
	for k, v := range ds.JSONData {
		onRollups.JSONData[k] = v
	}
	load := func(source grafanahost.DataSource) (time.Duration, data.Frames, error) {
		started := time.Now()
		resp, err := plugin.QueryData(ctx, &backend.QueryDataRequest{PluginContext: source.PluginContext(), Queries: []backend.DataQuery{query}})
		elapsed := time.Since(started)
		if err != nil {
			return 0, nil, err
		}
		a := resp.Responses["A"]
		if a.Error != nil {
			return 0, nil, fmt.Errorf("QueryData (%s): %v", source.UID, a.Error)
		}
		if len(a.Frames) != set.vms {
			return 0, nil, fmt.Errorf("QueryData (%s) returned %d frames, want %d", source.UID, len(a.Frames), set.vms)
		}
		return elapsed, a.Frames, nil
	}

	// No warm-up: a load of the 1-s data takes minutes, a first call's
	// set-up milliseconds; the first pair's answers are compared.
	fmt.Printf("\nA %s-day panel of %d VMs × %d metrics with rates, 10-min buckets, ending %s (%d runs each, alternating)\n",
		set.days(), set.vms, len(benchMetrics), set.end.Format(time.RFC3339), runs)
	var rawTimes, rollupTimes []time.Duration
	// CPU seconds of each process on each side: unlike the times, they
	// hardly depend on the machine's load.
	var rawCPU, rollupCPU cpuShares
	for i := 0; i < runs; i++ {
		before := takeCPU(plugin.PID())
		r, rawFrames, err := load(ds)
		if err != nil {
			return err
		}
		between := takeCPU(plugin.PID())
		u, rollupFrames, err := load(onRollups)
		if err != nil {
			return err
		}
		rawCPU.add(between.sub(before))
		rollupCPU.add(takeCPU(plugin.PID()).sub(between))
		rawTimes, rollupTimes = append(rawTimes, r), append(rollupTimes, u)
		if i == 0 {
			// Same frames: the rollups change the cost, not the answer.
			rows, diff, err := compareAnswers(rawFrames, rollupFrames)
			if err != nil {
				return err
			}
			// Means differ only where minutes hold unequal sample counts (the
			// data set's first minute has 59).
			fmt.Printf("  same answer: %d frames × %d rows, largest relative difference %.2g\n", len(rawFrames), rows, diff)
		}
	}
	rm, um := median(rawTimes), median(rollupTimes)
	fmt.Printf("  from the 1-s data:          median %s  runs %s\n", rm.Round(time.Millisecond), roundAll(rawTimes))
	fmt.Printf("  from the 10-minute rollups: median %s  runs %s\n", um.Round(time.Millisecond), roundAll(rollupTimes))
	if rawCPU.influx >= 0 {
		n := float64(runs)
		fmt.Printf("  CPU seconds per load: 1-s data InfluxDB %.2f + plugin %.2f + host %.2f = %.2f; rollups InfluxDB %.2f + plugin %.2f + host %.2f = %.2f; ratio %.1f\n",
			rawCPU.influx/n, rawCPU.plugin/n, rawCPU.self/n, rawCPU.total()/n,
			rollupCPU.influx/n, rollupCPU.plugin/n, rollupCPU.self/n, rollupCPU.total()/n, rawCPU.total()/rollupCPU.total())
	}
	speedup := float64(rm) / float64(um)
	fmt.Printf("  speedup: %.1f×\n", speedup)
	fmt.Printf("rollup: vms=%d days=%s speedup=%.1f\n", set.vms, set.days(), speedup)
	return nil
}

// rollupsScriptRun runs the provisioning script against the benchmark's
// InfluxDB 1.8, rollups kept forever (the data set ends now; nothing expires
// during a run anyway).
func rollupsScriptRun(db influxDB, args ...string) error {
	cmd := exec.Command(rollupsScript, args...)
	cmd.Env = append(os.Environ(), "INFLUX_URL="+db.url, "INFLUX_VERSION=1.8", "INFLUX_DB="+db.database, "VMT_ROLLUP_RETENTION=INF")
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s %v: %w", rollupsScript, args, err)
	}
	return nil
}

// compareAnswers checks that two answers have the same frames, fields and
// rows, and gives the largest relative difference of their values.
func compareAnswers(a, b data.Frames) (rows int, largest float64, err error) {
	if len(a) != len(b) {
		return 0, 0, fmt.Errorf("%d frames against %d", len(a), len(b))
	}
	for i := range a {
		if a[i].Name != b[i].Name || len(a[i].Fields) != len(b[i].Fields) || a[i].Rows() != b[i].Rows() {
			return 0, 0, fmt.Errorf("frame %q (%d fields × %d rows) against %q (%d × %d)", a[i].Name, len(a[i].Fields), a[i].Rows(), b[i].Name, len(b[i].Fields), b[i].Rows())
		}
		rows = a[i].Rows()
		for f := range a[i].Fields {
			for r := 0; r < rows; r++ {
				x, okX := a[i].Fields[f].ConcreteAt(r)
				y, okY := b[i].Fields[f].ConcreteAt(r)
				if okX != okY {
					return 0, 0, fmt.Errorf("%s %s row %d: %v against %v", a[i].Name, a[i].Fields[f].Name, r, x, y)
				}
				if fx, isFloat := x.(float64); isFloat {
					fy := y.(float64)
					largest = math.Max(largest, math.Abs(fx-fy)/math.Max(1, math.Abs(fx)))
				}
			}
		}
	}
	return rows, largest, nil
}
