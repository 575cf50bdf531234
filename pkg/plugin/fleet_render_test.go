package plugin

import (
	"encoding/json"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/vmtelemetry/libvirt-datasource/pkg/influx"
	"github.com/vmtelemetry/libvirt-datasource/pkg/models"
)

// fleetOfVMs is n VMs spread over hosts, each with its newest two samples
// one second apart ending at newest; every 50th VM last reported a minute
// earlier (stale). Values vary by VM so every column has something to sort.
func fleetOfVMs(n, hosts int, newest time.Time) []influx.VMSeries {
	states := []string{"running", "running", "running", "paused", "shutoff", "crashed"}
	series := make([]influx.VMSeries, n)
	for i := range series {
		last := newest
		if i%50 == 49 {
			last = newest.Add(-time.Minute)
		}
		s := influx.VMSeries{
			VM: fmt.Sprintf("vm-%03d", i/hosts), Host: fmt.Sprintf("kvm%d", i%hosts+1), UUID: fmt.Sprintf("uuid-%04d", i),
			Times:  []time.Time{last.Add(-time.Second), last},
			Values: map[string][]*float64{},
			Texts:  map[string][]string{fleetStateField: {states[i%len(states)], states[i%len(states)]}},
		}
		for _, m := range models.Catalog {
			if !contains(models.DefaultMetrics, m.Name) {
				continue
			}
			// A pseudo-random spread (Knuth's multiplicative hash) per VM and metric.
			h := float64((uint32(i)*2654435761+uint32(len(m.Name))*40503)%1000) / 1000
			first, second := h*90, h*90+float64(i%7)-3
			if m.HasPerSecond() {
				first, second = float64(i)*1e9, float64(i)*1e9+h*200e6
			}
			s.Values[m.Name] = []*float64{&first, &second}
		}
		series[i] = s
	}
	return series
}

func contains(list []string, name string) bool {
	for _, s := range list {
		if s == name {
			return true
		}
	}
	return false
}

// TestFleetAnswerOfManyVMs: queryType "fleet" over 500 VMs on 5 hosts (ten
// of them silent for a minute) answers one row per VM in (name, host)
// order, stale rows without values. With FLEET_ANSWER=<file> it writes the
// answer as Grafana's /api/ds/query JSON, which e2e/browser/fleet.mjs draws.
func TestFleetAnswerOfManyVMs(t *testing.T) {
	now := time.Now()
	d := &Datasource{Source: &recordingSource{series: fleetOfVMs(500, 5, now)}}
	resp, err := d.QueryData(t.Context(), &backend.QueryDataRequest{Queries: []backend.DataQuery{{
		RefID: "A", TimeRange: backend.TimeRange{From: now.Add(-time.Hour), To: now}, Interval: time.Second, MaxDataPoints: 1000,
		JSON: []byte(`{"schemaVersion":1,"queryType":"fleet","vmMode":"all","outputs":["value","rate","per_second"],"liveIntervalMs":1000}`),
	}}})
	if err != nil {
		t.Fatal(err)
	}
	dr := resp.Responses["A"]
	if dr.Error != nil || len(dr.Frames) != 1 || dr.Frames[0].Rows() != 500 {
		t.Fatalf("answer %v with %d frames, want one frame of 500 rows", dr.Error, len(dr.Frames))
	}
	frame := dr.Frames[0]
	ref, _ := frame.FieldByName("ref")
	state, _ := frame.FieldByName(fleetStateField)
	cpu, _ := frame.FieldByName("cpu_usage_percent")
	stale := 0
	for i := 0; i < frame.Rows(); i++ {
		if i > 0 && ref.At(i-1).(string) >= ref.At(i).(string) && frame.Fields[2].At(i-1).(string) == frame.Fields[2].At(i).(string) {
			t.Fatalf("row %d (%v) after %v: not in (name, host) order", i, ref.At(i), ref.At(i-1))
		}
		if state.At(i).(string) == "stale" {
			stale++
			if _, ok := cpu.ConcreteAt(i); ok {
				t.Errorf("stale row %v has a CPU value", ref.At(i))
			}
		}
	}
	if stale != 10 {
		t.Errorf("%d stale rows, want 10", stale)
	}
	if out := os.Getenv("FLEET_ANSWER"); out != "" {
		body, err := json.Marshal(resp)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(out, body, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
