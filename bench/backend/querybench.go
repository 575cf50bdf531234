package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"
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
	for i := 0; i <= runs; i++ {
		p, err := runPlugin()
		if err != nil {
			return queryFigures{}, err
		}
		b, err := runBare()
		if err != nil {
			return queryFigures{}, err
		}
		if i > 0 { // run 0 warms caches on both sides
			pluginTimes, bareTimes = append(pluginTimes, p), append(bareTimes, b)
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
	fmt.Printf("  plugin process RSS: %.1f MB before the queries, peak (VmHWM) %.1f MB\n", float64(idle)/1024, float64(peak)/1024)
	return queryFigures{ratio: float64(pm) / float64(bm), peakRSSMB: float64(peak) / 1024}, nil
}

// queryFigures are the QueryData results of the summary line.
type queryFigures struct {
	ratio, peakRSSMB float64
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
