//go:build integration

package plugin_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/vmtelemetry/libvirt-datasource/e2e/provisioning"
	"github.com/vmtelemetry/libvirt-datasource/internal/grafanahost"
	"github.com/vmtelemetry/libvirt-datasource/internal/testenv"
)

const (
	renderHosts      = 5
	renderVMsPerHost = 100
	// renderStale VMs (every 50th) stopped reporting a minute ago.
	renderStale = renderHosts * renderVMsPerHost / 50
	// renderDetailVM is the VM whose detail row is drawn.
	renderDetailVM = "kvm3/vm-042"
)

// fleetLines is the line protocol of a fleet of renderHosts × renderVMsPerHost
// VMs (vm-000 … on kvm1 …) from 15 minutes before now: with history, the
// samples at 10 s steps (the gap limit: a longer step has no rate) up to
// 10 s before now (a minute before now for every 50th VM, which went
// silent); without, the newest two samples 1 s apart,
// ending now, of the VMs still reporting. Values vary by VM and time, so
// that every column has something to sort and every history panel a line.
func fleetLines(now time.Time, history bool) []string {
	states := []string{"running", "running", "running", "running", "paused", "shutoff", "crashed"}
	start := now.Add(-15 * time.Minute).Truncate(10 * time.Second)
	var lines []string
	for h := 1; h <= renderHosts; h++ {
		for v := 0; v < renderVMsPerHost; v++ {
			i := (h-1)*renderVMsPerHost + v
			silent := i%50 == 49
			var times []time.Time
			switch {
			case history:
				end := now.Add(-10 * time.Second)
				if silent {
					end = now.Add(-time.Minute)
				}
				for t := start; t.Before(end); t = t.Add(10 * time.Second) {
					times = append(times, t)
				}
			case !silent:
				times = []time.Time{now.Add(-time.Second), now}
			}
			// A pseudo-random spread per VM (Knuth's multiplicative hash).
			spread := float64(uint32(i)*2654435761%1000) / 1000
			state := states[i%len(states)]
			for _, t := range times {
				elapsed := t.Sub(start).Seconds()
				phase := float64(int(elapsed)%300) / 300
				cpu := 5 + 85*spread*(0.6+0.4*phase)
				mem := 20 + 70*(1-spread)*(0.8+0.2*phase)
				lines = append(lines, fmt.Sprintf("vm_telemetry,host=kvm%d,uuid=uuid-%04d,vm=vm-%03d "+
					"domain_id=%di,state=%q,vcpus=2i,cpu_usage_percent=%.2f,memory_usage_percent=%.2f,"+
					"memory_total_bytes=4294967296i,memory_used_bytes=%di,disk_read_bytes=%di,disk_write_bytes=%di,"+
					"network_rx_bytes=%di,network_tx_bytes=%di %d",
					h, i, v, i+1, state, cpu, mem, int64(mem/100*4294967296),
					int64(elapsed*spread*80e6), int64(elapsed*(1-spread)*30e6),
					int64(elapsed*spread*12e6), int64(elapsed*(0.5+spread)*3e6), t.UnixNano()))
			}
		}
	}
	return lines
}

// TestFleetPanelsOfManyVMsFromInfluxDB18 queries the provisioned dashboard's
// "Fleet overview" panel and one VM's detail row through the launched plugin
// executable, over InfluxDB 1.8 holding 500 VMs on 5 hosts: one fleet row
// per VM (the silent ones stale), every detail panel answered. The fleet
// panel comes first in the dashboard, so it is asked first, right after the
// newest samples are written. With
// FLEET_PANELS=<file> it writes the answers (panels.json, as the e2e test
// does) for e2e/browser/run.mjs, which draws them (npm run shot:fleet).
func TestFleetPanelsOfManyVMsFromInfluxDB18(t *testing.T) {
	server := testenv.StartInflux(t, testenv.InfluxV18)
	p := testenv.LaunchPlugin(t, grafanahost.Options{})
	// The history first; the newest samples just before the queries, so
	// that a slow write or build cannot make the fleet look stale.
	now := time.Now()
	history := fleetLines(now, true)
	for start := 0; start < len(history); start += 5000 {
		server.Write(t, strings.Join(history[start:min(start+5000, len(history))], "\n"))
	}
	server.Write(t, strings.Join(fleetLines(time.Now(), false), "\n"))
	ds := grafanahost.DataSource{UID: "fleet", URL: server.URL, JSONData: map[string]any{"database": server.Database}}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()

	dashboard, err := provisioning.ReadDashboard(filepath.Join("..", "..", "provisioning", "dashboards", "vm-telemetry.json"))
	if err != nil {
		t.Fatal(err)
	}
	tr, err := dashboard.TimeRange(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	var answers []provisioning.PanelAnswer
	for _, panel := range dashboard.QueryPanels() {
		scoped := map[string]string{"datasource": ds.UID, "host": ""}
		vm := ""
		if panel.RowRepeat == "vm" {
			vm = renderDetailVM
			scoped["vm"] = vm
		}
		queries, err := dashboard.PanelQueries(panel, scoped, tr)
		if err != nil {
			t.Fatal(err)
		}
		req := &backend.QueryDataRequest{PluginContext: ds.PluginContext()}
		for _, q := range queries {
			req.Queries = append(req.Queries, q.Request)
		}
		resp, err := p.QueryData(ctx, req)
		if err != nil {
			t.Fatalf("panel %q: %v", panel.Title, err)
		}
		for refID, dr := range resp.Responses {
			if dr.Error != nil || len(dr.Frames) == 0 {
				t.Fatalf("panel %q query %s: error %v, %d frames", panel.Title, refID, dr.Error, len(dr.Frames))
			}
		}
		answers = append(answers, provisioning.PanelAnswer{Panel: panel, VM: vm, Response: resp})
	}

	fleet := answers[0]
	if fleet.Panel.Title != "Fleet overview" {
		t.Fatalf("the dashboard opens on %q, want the Fleet overview", fleet.Panel.Title)
	}
	frame := fleet.Response.Responses["A"].Frames[0]
	state, _ := frame.FieldByName("state")
	if frame.Rows() != renderHosts*renderVMsPerHost || state == nil {
		t.Fatalf("fleet frame of %d rows (state field %v), want %d", frame.Rows(), state != nil, renderHosts*renderVMsPerHost)
	}
	stale := 0
	for i := 0; i < frame.Rows(); i++ {
		if state.At(i) == "stale" {
			stale++
		}
	}
	if stale != renderStale {
		t.Errorf("%d stale rows, want %d (the VMs silent for a minute)", stale, renderStale)
	}
	if len(answers) < 10 {
		t.Errorf("%d panels answered, want the overview and the VM row's panels", len(answers))
	}
	if out := os.Getenv("FLEET_PANELS"); out != "" {
		if err := provisioning.WritePanelAnswers(out, answers); err != nil {
			t.Fatal(err)
		}
	}
}
