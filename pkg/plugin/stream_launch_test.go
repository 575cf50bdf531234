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
	"github.com/vmtelemetry/libvirt-datasource/internal/testinflux"
	"github.com/vmtelemetry/libvirt-datasource/pkg/models"
	"github.com/vmtelemetry/libvirt-datasource/pkg/plugin"
)

// liveQuery streams a VM the test keeps writing (live-1) and one it writes
// only before the stream starts (live-2).
const liveQuery = `{"refId":"A","schemaVersion":1,"queryType":"metrics","vmMode":"list","vms":["live-1","live-2"],` +
	`"metrics":["cpu_usage_percent","network_rx_bytes"],"outputs":["value","rate","per_second"],"liveIntervalMs":1000}`

// received is a stream packet decoded, with the time it arrived.
type received struct {
	at    time.Time
	frame *data.Frame
}

func launchPlugin(t *testing.T) *grafanahost.Plugin {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	exe, err := grafanahost.Build(ctx, grafanahost.BuildOptions{})
	if err != nil {
		t.Fatal(err)
	}
	p, err := grafanahost.Launch(ctx, grafanahost.Options{Executable: exe})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	return p
}

func liveChannel(t *testing.T) (string, json.RawMessage) {
	t.Helper()
	q, err := models.ParseQuery([]byte(liveQuery))
	if err != nil {
		t.Fatal(err)
	}
	return "live/" + plugin.StreamKey(q, time.Second), json.RawMessage(liveQuery)
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
	return fmt.Sprintf("vm_telemetry,vm=%s,host=kvm1,uuid=uuid-%s cpu_usage_percent=%g,network_rx_bytes=%di,domain_id=1i,vcpus=1i %d\n",
		vm, vm, cpu, rx, at.UnixNano())
}

// TestLiveStreamThroughLaunchedPlugin subscribes to a channel of the launched
// executable, writes a new sample every second and checks that the stream
// pushes each VM every interval with the fresh values and their rates, then
// cancels it the way Grafana does when the last subscriber leaves.
func TestLiveStreamThroughLaunchedPlugin(t *testing.T) {
	p := launchPlugin(t)
	for _, tc := range []struct{ version, language string }{
		{testinflux.V16, models.LanguageInfluxQL},
		{testinflux.V18, models.LanguageInfluxQL},
		{testinflux.V27, models.LanguageFlux},
	} {
		t.Run(tc.version+"/"+tc.language, func(t *testing.T) {
			server := testinflux.Start(t, tc.version)
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

func streamLiveData(t *testing.T, p *grafanahost.Plugin, server *testinflux.Server, ds grafanahost.DataSource) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	path, query := liveChannel(t)

	// Both VMs have two samples before the stream starts.
	start := time.Now().Add(-2 * time.Second).Truncate(time.Millisecond)
	server.Write(t, sampleLine("live-1", start, 10, 0)+sampleLine("live-1", start.Add(time.Second), 20, 1<<20)+
		sampleLine("live-2", start, 50, 0)+sampleLine("live-2", start.Add(time.Second), 55, 3<<20))

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
	written := map[int64]float64{start.UnixNano(): 10, start.Add(time.Second).UnixNano(): 20}
	cpu, rx := 20.0, int64(1<<20)
	var got []received
	deadline := time.Now().Add(6 * time.Second)
	for next := time.Now(); time.Now().Before(deadline); next = next.Add(time.Second) {
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

	byVM := map[string][]received{}
	for _, r := range got {
		byVM[r.frame.Name] = append(byVM[r.frame.Name], r)
	}
	live1, live2 := byVM["live-1"], byVM["live-2"]
	if len(live1) < 3 || len(live2) < 3 {
		t.Fatalf("received %d frames of live-1 and %d of live-2 in 6 s; want at least 3 each", len(live1), len(live2))
	}

	// One frame per VM per interval: no more than the elapsed intervals
	// allow (+1 for the first, sent at once, +1 for a tick delayed by a slow
	// read). Gaps between single frames are not checked: a shared machine
	// may delay any one read.
	span := live1[len(live1)-1].at.Sub(live1[0].at)
	if max := int(span/time.Second) + 2; len(live1) > max {
		t.Errorf("%d frames of live-1 within %s: more than one per 1 s interval", len(live1), span)
	}

	// Fresh values and their rates: each frame holds one sample the test
	// wrote, with the angle of the step from the sample before.
	schema := fieldSchema(live1[0].frame)
	fresh := map[int64]bool{}
	for _, r := range live1 {
		f := r.frame
		if s := fieldSchema(f); s != schema {
			t.Fatalf("live-1's schema changed:\n%s\n%s", schema, s)
		}
		if f.Rows() != 1 {
			t.Fatalf("a live frame has %d rows, want the newest sample only", f.Rows())
		}
		at := f.Fields[0].At(0).(time.Time)
		value, ok := written[at.UnixNano()]
		if !ok {
			t.Fatalf("live-1 frame at %s: the test wrote no sample at that time", at)
		}
		if got := floatAt(t, f, "cpu_usage_percent"); got == nil || *got != value {
			t.Fatalf("live-1 at %s: cpu %v, want %v", at, got, value)
		}
		if at.Equal(start) {
			continue
		}
		prevAt, prevValue := previousSample(written, at)
		wantRate := math.Atan((value-prevValue)/at.Sub(prevAt).Seconds()) * 180 / math.Pi
		if got := floatAt(t, f, "cpu_usage_percent_rate"); got == nil || math.Abs(*got-wantRate) > 1e-9 {
			t.Fatalf("live-1 at %s: cpu rate %v, want %.6f°", at, got, wantRate)
		}
		if got := floatAt(t, f, "network_rx_bytes_per_second"); got == nil || *got <= 0 {
			t.Fatalf("live-1 at %s: rx per second %v, want a positive rate", at, got)
		}
		fresh[at.UnixNano()] = true
	}
	if len(fresh) < 3 {
		t.Fatalf("live-1 frames carried %d distinct new samples; want at least 3", len(fresh))
	}

	// live-2 got no new sample, yet still a frame every interval: its newest.
	for _, r := range live2 {
		if at := r.frame.Fields[0].At(0).(time.Time); !at.Equal(start.Add(time.Second)) {
			t.Fatalf("live-2 frame at %s, want its newest sample at %s", at, start.Add(time.Second))
		}
		if got := floatAt(t, r.frame, "cpu_usage_percent_rate"); got == nil || math.Abs(*got-math.Atan(5)*180/math.Pi) > 1e-9 {
			t.Fatalf("live-2 rate %v, want atan(5)", got)
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
	p := launchPlugin(t)
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

func floatAt(t *testing.T, f *data.Frame, name string) *float64 {
	t.Helper()
	field, index := f.FieldByName(name)
	if index < 0 {
		t.Fatalf("frame %s has no field %s: %s", f.Name, name, fieldSchema(f))
	}
	return field.At(0).(*float64)
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
