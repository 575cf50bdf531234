//go:build integration

package plugin_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/vmtelemetry/libvirt-datasource/internal/grafanahost"
	"github.com/vmtelemetry/libvirt-datasource/internal/testenv"
	"github.com/vmtelemetry/libvirt-datasource/pkg/models"
	"github.com/vmtelemetry/libvirt-datasource/pkg/plugin"
)

// liveQuery is the data of the data source's one stream: every VM, every
// metric; a panel's query adds its VMs and fields, which the browser picks.
// The test keeps writing live-1 on kvm1, writes live-2 and live-1 on kvm2
// (a VM of the same name on another host) only before the stream starts.
const liveQuery = `{"refId":"A","schemaVersion":1,"queryType":"metrics","vmMode":"list","vms":["live-1"],` +
	`"metrics":["cpu_usage_percent"],"outputs":["rate"],"host":"","liveIntervalMs":1000}`

// received is a stream packet decoded, with the time it arrived.
type received struct {
	at    time.Time
	frame *data.Frame
}

// fleetRow is one VM's row of a fleet frame, with the time it arrived.
type fleetRow struct {
	at     time.Time
	time   time.Time
	state  string
	stale  bool
	values map[string]*float64
}

// fleetRows splits a fleet frame into its rows, by VM reference.
func fleetRows(t *testing.T, r received) map[string]fleetRow {
	t.Helper()
	f := r.frame
	ref, _ := f.FieldByName("ref")
	if ref == nil || f.Fields[0].Name != "time" {
		t.Fatalf("not a fleet frame: %s", fieldSchema(f))
	}
	rows := map[string]fleetRow{}
	for i := 0; i < f.Rows(); i++ {
		row := fleetRow{at: r.at, time: f.Fields[0].At(i).(time.Time), values: map[string]*float64{}}
		for _, field := range f.Fields {
			switch field.Name {
			case "state":
				row.state = field.At(i).(string)
			case "stale":
				row.stale = field.At(i).(bool)
			default:
				if v, ok := field.At(i).(*float64); ok {
					row.values[field.Name] = v
				}
			}
		}
		rows[ref.At(i).(string)] = row
	}
	return rows
}

// pointee shows a nullable cell's value, or null.
func pointee(v *float64) string {
	if v == nil {
		return "null"
	}
	return fmt.Sprint(*v)
}

func liveChannel(t *testing.T) (string, json.RawMessage) {
	t.Helper()
	path, err := plugin.StreamPath(json.RawMessage(liveQuery))
	if err != nil {
		t.Fatal(err)
	}
	return path, json.RawMessage(liveQuery)
}

// receiveAll decodes the stream's packets into a channel until the stream
// ends; its end (nil for a clean io.EOF) goes to done.
func receiveAll(t *testing.T, stream *grafanahost.Stream) (<-chan received, <-chan error) {
	packets := make(chan received, 1000)
	done := make(chan error, 1)
	go func() {
		defer close(packets)
		for {
			packet, err := stream.Recv()
			if err != nil {
				done <- err
				return
			}
			var frame data.Frame
			if err := json.Unmarshal(packet.Data, &frame); err != nil {
				done <- fmt.Errorf("undecodable frame %s: %w", packet.Data, err)
				return
			}
			packets <- received{at: time.Now(), frame: &frame}
		}
	}()
	return packets, done
}

func sampleLine(vm string, at time.Time, cpu float64, rx int64) string {
	return hostSampleLine("kvm1", vm, at, cpu, rx)
}

func hostSampleLine(host, vm string, at time.Time, cpu float64, rx int64) string {
	return fmt.Sprintf("vm_telemetry,vm=%s,host=%s,uuid=uuid-%s-%s cpu_usage_percent=%g,network_rx_bytes=%di,domain_id=1i,vcpus=1i,state=\"running\" %d\n",
		vm, host, host, vm, cpu, rx, at.UnixNano())
}

// TestLiveStreamThroughLaunchedPlugin subscribes to a channel of the launched
// executable, writes a new sample every second and checks that the stream
// pushes each VM every interval with the fresh values and their rates, then
// cancels it the way Grafana does when the last subscriber leaves.
func TestLiveStreamThroughLaunchedPlugin(t *testing.T) {
	p := testenv.LaunchPlugin(t, grafanahost.Options{})
	for _, tc := range []struct{ version, language string }{
		{testenv.InfluxV16, models.LanguageInfluxQL},
		{testenv.InfluxV18, models.LanguageInfluxQL},
		{testenv.InfluxV27, models.LanguageFlux},
	} {
		t.Run(tc.version+"/"+tc.language, func(t *testing.T) {
			server := testenv.StartInflux(t, tc.version)
			ds := grafanahost.DataSource{
				UID:      "live-" + strings.ReplaceAll(tc.version, ".", ""),
				URL:      server.URL,
				JSONData: map[string]any{"database": server.Database, "queryLanguage": tc.language, "streamIntervalMs": 1000},
			}
			if server.IsV2() {
				ds.JSONData["authType"] = "token"
				ds.JSONData["organization"] = server.Org
				ds.JSONData["bucket"] = server.Bucket
				ds.SecureJSONData = map[string]string{"token": server.Token}
			}
			streamLiveData(t, p, server, ds)
		})
	}
}

func streamLiveData(t *testing.T, p *grafanahost.Plugin, server *testenv.InfluxServer, ds grafanahost.DataSource) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	path, query := liveChannel(t)

	// Every VM has two samples before the stream starts.
	start := time.Now().Add(-2 * time.Second).Truncate(time.Millisecond)
	server.Write(t, sampleLine("live-1", start, 10, 0)+sampleLine("live-1", start.Add(time.Second), 20, 1<<20)+
		sampleLine("live-2", start, 50, 0)+sampleLine("live-2", start.Add(time.Second), 55, 3<<20)+
		hostSampleLine("kvm2", "live-1", start, 80, 0)+hostSampleLine("kvm2", "live-1", start.Add(time.Second), 70, 0))

	sub, err := p.SubscribeStream(ctx, &backend.SubscribeStreamRequest{PluginContext: ds.PluginContext(), Path: path, Data: query})
	if err != nil || sub.Status != backend.SubscribeStreamStatusOK {
		t.Fatalf("SubscribeStream: %v %v", sub, err)
	}
	streamCtx, stop := context.WithCancel(ctx)
	defer stop()
	stream, err := p.RunStream(streamCtx, &backend.RunStreamRequest{PluginContext: ds.PluginContext(), Path: path, Data: query})
	if err != nil {
		t.Fatal(err)
	}
	packets, done := receiveAll(t, stream)

	// live-1 gets a new sample every second: cpu +7 % per step, rx +2 MiB.
	// At least 8 s: long enough for the silent VMs to turn stale (5 s); longer while
	// fewer than 4 frames came or none since then (a loaded host reads slowly).
	written := map[int64]float64{start.UnixNano(): 10, start.Add(time.Second).UnixNano(): 20}
	cpu, rx := 20.0, int64(1<<20)
	var got []received
	streaming := time.Now()
	enough := func() bool {
		return time.Since(streaming) >= 8*time.Second && len(got) >= 4 && got[len(got)-1].at.Sub(streaming) >= 7*time.Second
	}
	deadline := streaming.Add(time.Minute)
	for next := time.Now(); !enough() && time.Now().Before(deadline); next = next.Add(time.Second) {
		cpu, rx = cpu+7, rx+2<<20
		at := time.Now().Truncate(time.Millisecond)
		server.Write(t, sampleLine("live-1", at, cpu, rx))
		written[at.UnixNano()] = cpu
		for wait := time.After(time.Until(next.Add(time.Second))); ; {
			select {
			case r, ok := <-packets:
				if !ok {
					t.Fatalf("the stream ended early: %v", <-done)
				}
				got = append(got, r)
				continue
			case <-wait:
			}
			break
		}
	}

	// One frame per interval for the whole fleet, never one per VM or panel:
	// no more than the elapsed intervals allow (+1 for the first, sent at
	// once, +1 for a tick delayed by a slow read).
	if len(got) < 4 {
		t.Fatalf("received %d fleet frames in %s; want at least 4", len(got), time.Since(streaming).Round(time.Second))
	}
	span := got[len(got)-1].at.Sub(got[0].at)
	if max := int(span/time.Second) + 2; len(got) > max {
		t.Errorf("%d frames within %s: more than one per 1 s interval", len(got), span)
	}
	schema := fieldSchema(got[0].frame)
	var live1, live2, twin []fleetRow
	for _, r := range got {
		if s := fieldSchema(r.frame); s != schema {
			t.Fatalf("the stream's schema changed:\n%s\n%s", schema, s)
		}
		rows := fleetRows(t, r)
		if len(rows) != 3 {
			t.Fatalf("a fleet frame has rows %v, want kvm1/live-1, kvm1/live-2, kvm2/live-1", rows)
		}
		live1, live2, twin = append(live1, rows["kvm1/live-1"]), append(live2, rows["kvm1/live-2"]), append(twin, rows["kvm2/live-1"])
	}

	// Fresh values and their rates: each row of live-1 holds one sample the
	// test wrote, with the angle of the step from the sample before. A read
	// that runs while InfluxDB applies a write may see some fields of the new
	// point and not others (no read is a snapshot: on 1.6, 0.7 % of per-field
	// reads and 0.6 % of one-statement reads during 200 writes a second): the
	// row then has the new sample's time and a field's own newest value and
	// rate, from the sample before. The next read sees the whole point.
	fresh := map[int64]bool{}
	for _, row := range live1 {
		value, ok := written[row.time.UnixNano()]
		if !ok {
			t.Fatalf("live-1 row at %s: the test wrote no sample at that time", row.time)
		}
		if row.state != "running" || row.stale {
			t.Fatalf("live-1 at %s: state %q stale %v, want running and fresh", row.time, row.state, row.stale)
		}
		// cpu's own sample (at sample, value) and the one before it.
		cpu, sample := row.values["cpu_usage_percent"], row.time
		prevAt, prevValue := previousSample(written, row.time)
		switch {
		case cpu != nil && *cpu == value:
			fresh[row.time.UnixNano()] = true
		case cpu != nil && *cpu == prevValue && !row.time.Equal(start):
			t.Logf("live-1 at %s: cpu %v of the sample before (a read during the write)", row.time, prevValue)
			value, sample = prevValue, prevAt
			prevAt, prevValue = previousSample(written, sample)
		default:
			t.Fatalf("live-1 at %s: cpu %s, want %v (or %v of the sample before)", row.time, pointee(cpu), value, prevValue)
		}
		if sample.Equal(start) {
			continue
		}
		wantRate := math.Atan((value-prevValue)/sample.Sub(prevAt).Seconds()) * 180 / math.Pi
		if got := row.values["cpu_usage_percent_rate"]; got == nil || math.Abs(*got-wantRate) > 1e-9 {
			t.Fatalf("live-1 at %s: cpu rate %s, want %.6f° (the step to its sample at %s)", row.time, pointee(got), wantRate, sample)
		}
		if got := row.values["network_rx_bytes_per_second"]; got == nil || *got <= 0 {
			t.Fatalf("live-1 at %s: rx per second %s, want a positive rate", row.time, pointee(got))
		}
	}
	if len(fresh) < 3 {
		t.Fatalf("live-1 rows carried %d distinct new samples; want at least 3", len(fresh))
	}

	// live-2 and the other host's live-1 got no new sample: their newest
	// (never mixed with kvm1's live-1), then, after 5 s without a sample,
	// stale: null values, state "stale", the time of the newest sample.
	for name, tc := range map[string]struct {
		rows      []fleetRow
		cpu, rate float64
	}{"kvm1/live-2": {live2, 55, math.Atan(5) * 180 / math.Pi}, "kvm2/live-1": {twin, 70, math.Atan(-10) * 180 / math.Pi}} {
		stale := 0
		for _, row := range tc.rows {
			if !row.time.Equal(start.Add(time.Second)) {
				t.Fatalf("%s row at %s, want its newest sample at %s", name, row.time, start.Add(time.Second))
			}
			cpu, rate := row.values["cpu_usage_percent"], row.values["cpu_usage_percent_rate"]
			if row.stale {
				stale++
				if cpu != nil || rate != nil || row.state != "stale" {
					t.Fatalf("%s stale row: cpu %s rate %s state %q, want nulls and state stale", name, pointee(cpu), pointee(rate), row.state)
				}
				continue
			}
			if stale > 0 {
				t.Fatalf("%s: fresh again after stale without a new sample", name)
			}
			if cpu == nil || *cpu != tc.cpu || rate == nil || math.Abs(*rate-tc.rate) > 1e-9 {
				t.Fatalf("%s: cpu %s rate %s, want %v and %.4f°", name, pointee(cpu), pointee(rate), tc.cpu, tc.rate)
			}
		}
		if stale == 0 {
			t.Fatalf("%s never turned stale in %s without a sample", name, time.Since(streaming).Round(time.Second))
		}
	}

	// Grafana cancels the stream's context when nobody listens any more.
	stopped := p.Logs().Count("live stream stopped")
	stop()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "context canceled") {
			t.Fatalf("the stream ended with %v, want the cancellation", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the stream did not end after cancel")
	}
	waitCtx, waitCancel := context.WithTimeout(ctx, 30*time.Second)
	defer waitCancel()
	if err := p.Logs().WaitFor(waitCtx, "live stream stopped", stopped+1); err != nil {
		t.Fatalf("the plugin's RunStream did not return after cancel: %v\n%s", err, p.Logs())
	}
	if p.Exited() {
		t.Fatal("the plugin process ended with the stream")
	}
	health, err := p.CheckHealth(ctx, ds.PluginContext())
	if err != nil || health.Status != backend.HealthStatusOk {
		t.Fatalf("CheckHealth after the stream: %v %v", health, err)
	}
}

// TestLiveStreamFailsOnPersistentInfluxDBError: a stream whose InfluxDB
// stays unreachable returns an error (so Grafana runs it again), not nil.
func TestLiveStreamFailsOnPersistentInfluxDBError(t *testing.T) {
	p := testenv.LaunchPlugin(t, grafanahost.Options{})
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedURL := "http://" + listener.Addr().String()
	listener.Close()
	ds := grafanahost.DataSource{UID: "live-down", URL: closedURL, JSONData: map[string]any{"database": "vm_telemetry"}}
	path, query := liveChannel(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	stream, err := p.RunStream(ctx, &backend.RunStreamRequest{PluginContext: ds.PluginContext(), Path: path, Data: query})
	if err != nil {
		t.Fatal(err)
	}
	packet, err := stream.Recv()
	if err == nil {
		t.Fatalf("received %s from a stream whose InfluxDB is down", packet.Data)
	}
	if errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "failed 3 times in a row") || !strings.Contains(err.Error(), listener.Addr().String()) {
		t.Fatalf("stream error %v, want the plugin's error naming the failed reads and the URL", err)
	}
	if p.Exited() {
		t.Fatal("the plugin process ended with the stream")
	}
}

// fieldSchema describes a frame's fields, labels and units.
func fieldSchema(f *data.Frame) string {
	var b strings.Builder
	for _, field := range f.Fields {
		fmt.Fprintf(&b, "%s %s %s", field.Name, field.Type(), field.Labels)
		if field.Config != nil {
			fmt.Fprintf(&b, " %s", field.Config.Unit)
		}
		b.WriteString("; ")
	}
	return b.String()
}

// previousSample is the written sample right before at.
func previousSample(written map[int64]float64, at time.Time) (time.Time, float64) {
	var best int64
	for ns := range written {
		if ns < at.UnixNano() && ns > best {
			best = ns
		}
	}
	return time.Unix(0, best), written[best]
}
