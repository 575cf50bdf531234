package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/vmtelemetry/libvirt-datasource/internal/grafanahost"
)

// benchQueryData times QueryData through the launched plugin against the
// bare /query of the same data, alternating the two, and prints the
// medians, their ratio and the plugin's RSS.
func benchQueryData(ctx context.Context, plugin *grafanahost.Plugin, ds grafanahost.DataSource, db influxDB, set dataSet, runs int) (queryFigures, error) {
	idle, err := procStatusKB(plugin.PID(), "VmRSS")
	if err != nil {
		return queryFigures{}, err
	}
	model, _ := json.Marshal(map[string]any{
		"refId": "A", "schemaVersion": 1, "queryType": "metrics", "vmMode": "all",
		"metrics": benchMetrics, "outputs": []string{"value", "rate", "per_second"},
	})
	request := &backend.QueryDataRequest{
		PluginContext: ds.PluginContext(),
		Queries: []backend.DataQuery{{
			RefID: "A", QueryType: "metrics", JSON: model, Interval: time.Second,
			TimeRange: backend.TimeRange{From: set.start(), To: set.end},
			// Enough points for the whole range: the backend reads raw
			// samples instead of aggregating.
			MaxDataPoints: int64(set.seconds()) + 1,
		}},
	}
	fields := make([]string, len(benchMetrics))
	for i, m := range benchMetrics {
		fields[i] = `"` + m + `"`
	}
	bare := fmt.Sprintf(`SELECT %s FROM "vm_telemetry" WHERE time >= '%s' AND time <= '%s' GROUP BY "vm", "host", "uuid"`,
		strings.Join(fields, ", "), set.start().Format(time.RFC3339Nano), set.end.Format(time.RFC3339Nano))

	runPlugin := func() (time.Duration, error) {
		started := time.Now()
		resp, err := plugin.QueryData(ctx, request)
		elapsed := time.Since(started)
		if err != nil {
			return 0, err
		}
		a := resp.Responses["A"]
		if a.Error != nil {
			return 0, fmt.Errorf("QueryData: %v", a.Error)
		}
		if len(a.Frames) != set.vms || a.Frames[0].Rows() != set.seconds() {
			return 0, fmt.Errorf("QueryData returned %d frames of %d rows, want %d of %d", len(a.Frames), a.Frames[0].Rows(), set.vms, set.seconds())
		}
		return elapsed, nil
	}
	runBare := func() (time.Duration, error) {
		started := time.Now()
		body, err := db.query(ctx, bare)
		elapsed := time.Since(started)
		if err != nil {
			return 0, err
		}
		if n := strings.Count(string(body), `"name":"vm_telemetry"`); n != set.vms {
			return 0, fmt.Errorf("the bare query returned %d series, want %d", n, set.vms)
		}
		return elapsed, nil
	}

	fmt.Printf("\nQueryData: %d VMs × %d metrics × %s at 1 s, outputs value, rate, per_second (%d runs after a warm-up)\n",
		set.vms, len(benchMetrics), set.span, runs)
	var pluginTimes, bareTimes []time.Duration
	// CPU seconds of each process on each side, summed over the timed runs:
	// unlike the times, they hardly depend on the machine's load.
	var pluginCPU, bareCPU cpuShares
	for i := 0; i <= runs; i++ {
		before := takeCPU(plugin.PID())
		p, err := runPlugin()
		if err != nil {
			return queryFigures{}, err
		}
		between := takeCPU(plugin.PID())
		b, err := runBare()
		if err != nil {
			return queryFigures{}, err
		}
		after := takeCPU(plugin.PID())
		if i > 0 { // run 0 warms caches on both sides
			pluginTimes, bareTimes = append(pluginTimes, p), append(bareTimes, b)
			pluginCPU.add(between.sub(before))
			bareCPU.add(after.sub(between))
		}
	}
	peak, err := procStatusKB(plugin.PID(), "VmHWM")
	if err != nil {
		return queryFigures{}, err
	}
	pm, bm := median(pluginTimes), median(bareTimes)
	fmt.Printf("  plugin QueryData (launched gpx_, gRPC, rates on): median %s  runs %s\n", pm.Round(time.Millisecond), roundAll(pluginTimes))
	fmt.Printf("  bare InfluxDB HTTP /query, same data:             median %s  runs %s\n", bm.Round(time.Millisecond), roundAll(bareTimes))
	fmt.Printf("  ratio plugin / bare: %.2f\n", float64(pm)/float64(bm))
	if pluginCPU.influx >= 0 {
		n := float64(runs)
		fmt.Printf("  CPU seconds per query: plugin side InfluxDB %.2f + plugin %.2f + host (Grafana's part: decoding the frames) %.2f = %.2f;"+
			" bare side InfluxDB %.2f + client %.2f = %.2f; ratio %.2f\n",
			pluginCPU.influx/n, pluginCPU.plugin/n, pluginCPU.self/n, pluginCPU.total()/n,
			bareCPU.influx/n, bareCPU.self/n, bareCPU.total()/n, pluginCPU.total()/bareCPU.total())
	}
	fmt.Printf("  plugin process RSS: %.1f MB before the queries, peak (VmHWM) %.1f MB\n", float64(idle)/1024, float64(peak)/1024)
	return queryFigures{ratio: float64(pm) / float64(bm), peakRSSMB: float64(peak) / 1024}, nil
}

// queryFigures are the QueryData results of the summary line.
type queryFigures struct {
	ratio, peakRSSMB float64
}

// cpuShares are CPU seconds of InfluxDB (negative when $INFLUX_PID does
// not name its process), of the plugin, and of this process (the host side
// of gRPC, or the bare client).
type cpuShares struct {
	influx, plugin, self float64
}

func takeCPU(pluginPID int) cpuShares {
	shares := cpuShares{influx: -1, plugin: cpuSeconds(pluginPID)}
	if pid, err := strconv.Atoi(os.Getenv("INFLUX_PID")); err == nil {
		shares.influx = cpuSeconds(pid)
	}
	var usage syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &usage) == nil {
		shares.self = time.Duration(usage.Utime.Nano() + usage.Stime.Nano()).Seconds()
	}
	return shares
}

func (c cpuShares) sub(o cpuShares) cpuShares {
	return cpuShares{influx: c.influx - o.influx, plugin: c.plugin - o.plugin, self: c.self - o.self}
}

func (c *cpuShares) add(o cpuShares) {
	c.influx, c.plugin, c.self = c.influx+o.influx, c.plugin+o.plugin, c.self+o.self
}

func (c cpuShares) total() float64 { return c.influx + c.plugin + c.self }

// cpuSeconds is the user + system CPU time of a process, 0 if unreadable.
func cpuSeconds(pid int) float64 {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	fields := strings.Fields(string(raw[strings.LastIndexByte(string(raw), ')')+2:]))
	utime, _ := strconv.ParseFloat(fields[11], 64)
	stime, _ := strconv.ParseFloat(fields[12], 64)
	return (utime + stime) / 100 // USER_HZ is 100 on Linux
}

// procStatusKB reads a "<key>: <n> kB" line of /proc/<pid>/status.
func procStatusKB(pid int, key string) (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	scanner := bufio.NewScanner(f)
	for scanner.Scan() {
		if rest, ok := strings.CutPrefix(scanner.Text(), key+":"); ok {
			var kb int64
			if _, err := fmt.Sscanf(strings.TrimSpace(rest), "%d kB", &kb); err != nil {
				return 0, fmt.Errorf("/proc/%d/status %s: %v", pid, key, err)
			}
			return kb, nil
		}
	}
	return 0, fmt.Errorf("/proc/%d/status has no %s", pid, key)
}

func median(ds []time.Duration) time.Duration {
	sorted := append([]time.Duration(nil), ds...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i] < sorted[j] })
	n := len(sorted)
	if n%2 == 1 {
		return sorted[n/2]
	}
	return (sorted[n/2-1] + sorted[n/2]) / 2
}

// percentile is the nearest-rank p-th percentile (0 < p ≤ 100).
func percentile(ds []time.Duration, p float64) time.Duration {
	sorted := append([]time.Duration(nil), ds...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i] < sorted[j] })
	rank := int(float64(len(sorted))*p/100+0.999999) - 1
	return sorted[max(0, min(rank, len(sorted)-1))]
}

func roundAll(ds []time.Duration) []time.Duration {
	out := make([]time.Duration, len(ds))
	for i, d := range ds {
		out[i] = d.Round(time.Millisecond)
	}
	return out
}
