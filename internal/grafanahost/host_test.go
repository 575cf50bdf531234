//go:build integration

package grafanahost_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/vmtelemetry/libvirt-datasource/internal/grafanahost"
	"github.com/vmtelemetry/libvirt-datasource/internal/testenv"
)

// dataSourceFor configures the data source as a user would for the server.
func dataSourceFor(s *testenv.InfluxServer) grafanahost.DataSource {
	ds := grafanahost.DataSource{
		UID:      "vmt-" + strings.ReplaceAll(s.Version, ".", ""),
		URL:      s.URL,
		JSONData: map[string]any{"database": s.Database, "measurement": "vm_telemetry", "timeoutSeconds": 10},
	}
	if s.IsV2() {
		ds.JSONData["authType"] = "token"
		ds.SecureJSONData = map[string]string{"token": s.Token}
	}
	return ds
}

// t0 starts the known series: one-71 goes 40 → 50 % CPU in 1 s (84.3° in
// the contract), one-72 stays flat. It is set just before each server's write:
// the health check and the vms resource look at recent data only.
var t0 time.Time

func knownSeries() string {
	var b strings.Builder
	for i, cpu := range []float64{40, 50, 50} {
		ts := t0.Add(time.Duration(i) * time.Second).UnixNano()
		fmt.Fprintf(&b, "vm_telemetry,vm=one-71,host=kvm1,uuid=uuid-71 cpu_usage_percent=%g,disk_read_bytes=%di,domain_id=1i,vcpus=2i %d\n", cpu, int64(i)*1048576, ts)
		fmt.Fprintf(&b, "vm_telemetry,vm=one-72,host=kvm2,uuid=uuid-72 cpu_usage_percent=10,disk_read_bytes=0i,domain_id=2i,vcpus=1i %d\n", ts)
	}
	return b.String()
}

func metricsQuery(refID string, model map[string]any) backend.DataQuery {
	raw, _ := json.Marshal(model)
	return backend.DataQuery{
		RefID:         refID,
		QueryType:     "metrics",
		JSON:          raw,
		TimeRange:     backend.TimeRange{From: t0.Add(-time.Minute), To: t0.Add(time.Minute)},
		Interval:      time.Second,
		MaxDataPoints: 1000,
	}
}

// TestLaunchedPlugin launches the built executable as Grafana does and calls
// CheckHealth, QueryData and CallResource on it against real InfluxDB servers.
func TestLaunchedPlugin(t *testing.T) {
	for _, version := range []string{testenv.InfluxV16, testenv.InfluxV18, testenv.InfluxV27} {
		t.Run("InfluxDB"+version, func(t *testing.T) {
			// Launched (and, the first time, built) before the series is
			// written: the checks read data younger than a minute.
			p := testenv.LaunchPlugin(t, grafanahost.Options{})
			server := testenv.StartInflux(t, version)
			t0 = time.Now().Truncate(time.Second).Add(-10 * time.Second)
			server.Write(t, knownSeries())
			ds := dataSourceFor(server)
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()

			t.Run("CheckHealth", func(t *testing.T) {
				health, err := p.CheckHealth(ctx, ds.PluginContext())
				if err != nil {
					t.Fatal(err)
				}
				if health.Status != backend.HealthStatusOk || !strings.Contains(health.Message, "2 VMs") {
					t.Fatalf("health = %v %q, want OK with 2 VMs", health.Status, health.Message)
				}
			})

			t.Run("CheckHealthBadURL", func(t *testing.T) {
				bad := ds
				bad.UID += "-bad"
				bad.URL = "http://127.0.0.1:1"
				health, err := p.CheckHealth(ctx, bad.PluginContext())
				if err != nil {
					t.Fatal(err)
				}
				if health.Status != backend.HealthStatusError || !strings.Contains(health.Message, "check the URL") {
					t.Fatalf("health = %v %q, want an error naming the URL", health.Status, health.Message)
				}
			})

			t.Run("QueryData", func(t *testing.T) {
				resp, err := p.QueryData(ctx, &backend.QueryDataRequest{
					PluginContext: ds.PluginContext(),
					Queries: []backend.DataQuery{
						metricsQuery("A", map[string]any{"schemaVersion": 1, "vmMode": "list", "vms": []string{"one-71"},
							"metrics": []string{"cpu_usage_percent"}, "outputs": []string{"value", "rate"}}),
						metricsQuery("B", map[string]any{"schemaVersion": 1, "vmMode": "regex", "vmRegex": "("}),
					},
				})
				if err != nil {
					t.Fatal(err)
				}
				a := resp.Responses["A"]
				if a.Error != nil || len(a.Frames) != 1 {
					t.Fatalf("A: error %v, %d frames; want one frame", a.Error, len(a.Frames))
				}
				frame := a.Frames[0]
				// A VM is (host, name): its frame is named <host>/<name>.
				if frame.Name != "kvm1/one-71" || frame.Rows() != 3 {
					t.Fatalf("A: frame %q with %d rows, want kvm1/one-71 with 3", frame.Name, frame.Rows())
				}
				rates, index := frame.FieldByName("cpu_usage_percent_rate")
				if index < 0 {
					t.Fatalf("A: no cpu_usage_percent_rate field in %v", fieldNames(frame))
				}
				want := math.Atan(10) * 180 / math.Pi
				if got, ok := rates.ConcreteAt(1); !ok || math.Abs(got.(float64)-want) > 1e-9 {
					t.Fatalf("A: rate of 40 → 50 in 1 s = %v, want %.4f°", got, want)
				}
				if rates.Labels["vm"] != "one-71" || rates.Labels["host"] != "kvm1" || rates.Labels["uuid"] != "uuid-71" {
					t.Fatalf("A: labels %v", rates.Labels)
				}
				b := resp.Responses["B"]
				if b.Error == nil || !strings.Contains(b.Error.Error(), "vmRegex") {
					t.Fatalf("B: error %v, want one naming vmRegex", b.Error)
				}
			})

			t.Run("QueryDataFromAlert", func(t *testing.T) {
				// Alerting sends the header with a canonicalised key and no user.
				resp, err := p.QueryData(ctx, &backend.QueryDataRequest{
					PluginContext: ds.PluginContext(),
					Headers:       map[string]string{"Fromalert": "true", "X-Rule-Uid": "rule-1"},
					Queries: []backend.DataQuery{metricsQuery("A", map[string]any{"schemaVersion": 1,
						"metrics": []string{"cpu_usage_percent"}, "outputs": []string{"value", "rate"}})},
				})
				if err != nil {
					t.Fatal(err)
				}
				a := resp.Responses["A"]
				// timeseries-multi: one frame per series, two VMs × two outputs.
				if a.Error != nil || len(a.Frames) != 4 {
					t.Fatalf("error %v, %d frames; want four series", a.Error, len(a.Frames))
				}
				seen := map[string]bool{}
				for _, frame := range a.Frames {
					if frame.Meta == nil || frame.Meta.Type != data.FrameTypeTimeSeriesMulti || len(frame.Fields) != 2 {
						t.Fatalf("frame %v with %d fields, want timeseries-multi of time and one value", frame.Meta, len(frame.Fields))
					}
					for _, f := range frame.Fields[1:] {
						key := f.Labels.String()
						if f.Labels["field"] != f.Name || seen[key] {
							t.Fatalf("field %s has labels %v: want field=<name>, unique", f.Name, f.Labels)
						}
						seen[key] = true
					}
				}
			})

			t.Run("CallResource", func(t *testing.T) {
				resp, err := p.CallResource(ctx, &backend.CallResourceRequest{
					PluginContext: ds.PluginContext(), Path: "vms", Method: "GET", URL: "vms?host=kvm2",
				})
				if err != nil {
					t.Fatal(err)
				}
				if resp.Status != 200 {
					t.Fatalf("vms: HTTP %d: %s", resp.Status, resp.Body)
				}
				var answer struct {
					VMs []struct{ Name, Host, UUID string } `json:"vms"`
				}
				if err := json.Unmarshal(resp.Body, &answer); err != nil {
					t.Fatalf("vms: %v: %s", err, resp.Body)
				}
				if len(answer.VMs) != 1 || answer.VMs[0].Name != "one-72" || answer.VMs[0].UUID != "uuid-72" {
					t.Fatalf("vms?host=kvm2 = %+v, want one-72 only", answer.VMs)
				}
			})

			if server.Token != "" && p.Logs().Contains(server.Token) {
				t.Errorf("the plugin logged the token:\n%s", p.Logs())
			}
		})
	}
}

// TestCloseEndsProcess: Close kills the plugin and nothing is left running.
func TestCloseEndsProcess(t *testing.T) {
	p := testenv.LaunchPlugin(t, grafanahost.Options{})
	pid := p.PID()
	if pid <= 0 {
		t.Fatalf("pid %d", pid)
	}
	if err := syscall.Kill(pid, 0); err != nil {
		t.Fatalf("the plugin process %d is not running after Launch: %v", pid, err)
	}
	p.Close()
	if !p.Exited() {
		t.Fatal("Exited() is false after Close")
	}
	if err := syscall.Kill(pid, 0); err != syscall.ESRCH {
		t.Fatalf("process %d still exists after Close (kill 0: %v)", pid, err)
	}
}

// TestLaunchRefusesNonPlugin: an executable that does not speak the
// handshake gives an error, not a hang.
func TestLaunchRefusesNonPlugin(t *testing.T) {
	script := filepath.Join(t.TempDir(), "not-a-plugin")
	if err := os.WriteFile(script, []byte("#!/bin/sh\necho hello\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	p, err := grafanahost.Launch(ctx, grafanahost.Options{Executable: script, StartTimeout: 10 * time.Second})
	if err == nil {
		p.Close()
		t.Fatal("Launch accepted a program that does not speak go-plugin's handshake")
	}
	if !strings.Contains(err.Error(), "not-a-plugin") {
		t.Fatalf("error %q does not name the executable", err)
	}
}

func fieldNames(frame *data.Frame) []string {
	names := make([]string, len(frame.Fields))
	for i, f := range frame.Fields {
		names[i] = f.Name
	}
	return names
}
