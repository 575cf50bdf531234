package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/vmtelemetry/libvirt-datasource/internal/grafanahost"
)

// inventorySet is months of 1-s samples of a churning fleet: `gone` VMs
// each ran `life` at some point of the days (evenly spread, on 8 hosts),
// and `recent` VMs run now (their last hour). Only domain_id and state are
// written: the inventory reads nothing else.
type inventorySet struct {
	days         int
	gone, recent int
	life         time.Duration
	end          time.Time
}

func (s inventorySet) lines() int {
	return s.gone*int(s.life/time.Second) + s.recent*int(time.Hour/time.Second)
}

// write stores the set in batches of 10 000 lines.
func (s inventorySet) write(ctx context.Context, db influxDB) error {
	started := time.Now()
	var batch strings.Builder
	lines := 0
	flush := func() error {
		if lines == 0 {
			return nil
		}
		err := db.write(ctx, batch.String())
		batch.Reset()
		lines = 0
		return err
	}
	add := func(vm string, host int, from time.Time, span time.Duration) error {
		for t := from; t.Before(from.Add(span)); t = t.Add(time.Second) {
			fmt.Fprintf(&batch, "vm_telemetry,host=kvm%d,uuid=uuid-%s,vm=%s domain_id=7i,state=\"running\" %d\n", host, vm, vm, t.UnixNano())
			if lines++; lines == 10000 {
				if err := flush(); err != nil {
					return err
				}
			}
		}
		return nil
	}
	span := time.Duration(s.days) * 24 * time.Hour
	step := (span - time.Hour - s.life) / time.Duration(s.gone)
	for i := 0; i < s.gone; i++ {
		if err := add(fmt.Sprintf("old-%04d", i), i%8, s.end.Add(-span).Add(time.Duration(i)*step), s.life); err != nil {
			return err
		}
	}
	for i := 0; i < s.recent; i++ {
		if err := add(fmt.Sprintf("now-%03d", i), i%8, s.end.Add(-time.Hour), time.Hour); err != nil {
			return err
		}
	}
	if err := flush(); err != nil {
		return err
	}
	fmt.Printf("  written in %s\n", time.Since(started).Round(time.Millisecond))
	return nil
}

// benchInventory writes the set, then times, median of runs after a
// warm-up, what lists VMs: the `vms` resource (default window: the last
// hour) and a `vm` variable over the dashboard's 15 minutes, through the
// launched plugin; beside them, on the same InfluxDB, the unbounded
// listings a picker without a time bound makes: SHOW TAG VALUES of vm, and
// the inventory SELECT without a time condition (the plugin's before the
// bound). Each line says how many VMs it listed.
func benchInventory(ctx context.Context, plugin *grafanahost.Plugin, ds grafanahost.DataSource, db influxDB, set inventorySet, runs int) error {
	fmt.Printf("writing %d days of 1-s samples of %d VMs (%d ran %s each, spread over the days; %d run now, their last hour): %d lines into InfluxDB 1.8 at %s\n",
		set.days, set.gone+set.recent, set.gone, set.life, set.recent, set.lines(), db.url)
	if err := set.write(ctx, db); err != nil {
		return err
	}
	pc := ds.PluginContext()
	vmsResource := func() (int, error) {
		resp, err := plugin.CallResource(ctx, &backend.CallResourceRequest{PluginContext: pc, Path: "vms", Method: http.MethodGet, URL: "vms"})
		if err != nil {
			return 0, err
		}
		if resp.Status != http.StatusOK {
			return 0, fmt.Errorf("vms resource: HTTP %d: %s", resp.Status, resp.Body)
		}
		var answer struct {
			VMs []json.RawMessage `json:"vms"`
		}
		err = json.Unmarshal(resp.Body, &answer)
		return len(answer.VMs), err
	}
	variable := func() (int, error) {
		now := time.Now()
		resp, err := plugin.QueryData(ctx, &backend.QueryDataRequest{PluginContext: pc, Queries: []backend.DataQuery{{
			RefID: "A", QueryType: "variable", TimeRange: backend.TimeRange{From: now.Add(-15 * time.Minute), To: now},
			JSON: []byte(`{"refId":"A","schemaVersion":1,"queryType":"variable","variable":"vm"}`),
		}}})
		if err != nil {
			return 0, err
		}
		dr := resp.Responses["A"]
		if dr.Error != nil || len(dr.Frames) != 1 {
			return 0, fmt.Errorf("variable query: %v (%d frames)", dr.Error, len(dr.Frames))
		}
		return dr.Frames[0].Rows(), nil
	}
	countSeries := func(influxQL string) func() (int, error) {
		return func() (int, error) {
			body, err := db.query(ctx, influxQL)
			if err != nil {
				return 0, err
			}
			var answer struct {
				Results []struct {
					Series []struct {
						Values [][]any `json:"values"`
					} `json:"series"`
				} `json:"results"`
			}
			if err := json.Unmarshal(body, &answer); err != nil || len(answer.Results) != 1 {
				return 0, fmt.Errorf("InfluxQL %q: %v", influxQL, err)
			}
			n := 0
			for _, s := range answer.Results[0].Series {
				n += len(s.Values)
			}
			return n, nil
		}
	}
	listings := []struct {
		name string
		list func() (int, error)
	}{
		{"plugin vms resource (last hour)", vmsResource},
		{"plugin vm variable (dashboard's 15 min)", variable},
		{`baseline: SHOW TAG VALUES FROM "vm_telemetry" WITH KEY = "vm"`, countSeries(`SHOW TAG VALUES FROM "vm_telemetry" WITH KEY = "vm"`)},
		{"baseline: inventory SELECT without a time bound", countSeries(`SELECT last("domain_id") FROM "vm_telemetry" GROUP BY "vm", "host", "uuid"`)},
	}
	medians := make([]time.Duration, len(listings))
	counts := make([]int, len(listings))
	// Alternating, so that load and caches weigh on every listing alike.
	times := make([][]time.Duration, len(listings))
	for run := 0; run <= runs; run++ {
		for i, l := range listings {
			started := time.Now()
			n, err := l.list()
			if err != nil {
				return fmt.Errorf("%s: %w", l.name, err)
			}
			if run > 0 { // run 0 warms up
				times[i] = append(times[i], time.Since(started))
			}
			counts[i] = n
		}
	}
	for i, l := range listings {
		sort.Slice(times[i], func(a, b int) bool { return times[i][a] < times[i][b] })
		medians[i] = times[i][len(times[i])/2]
		fmt.Printf("  %-62s %8.1f ms median of %d, %d VMs listed\n", l.name, ms(medians[i]), runs, counts[i])
	}
	fmt.Printf("inventory: days=%d vms_ever=%d vms_now=%d vms_resource_ms=%.1f (%d) variable_ms=%.1f (%d) show_tag_values_ms=%.1f (%d) unbounded_select_ms=%.1f (%d)\n",
		set.days, set.gone+set.recent, set.recent, ms(medians[0]), counts[0], ms(medians[1]), counts[1], ms(medians[2]), counts[2], ms(medians[3]), counts[3])
	return nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
