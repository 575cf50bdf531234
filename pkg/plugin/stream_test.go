package plugin

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
)

// streamDatasource is an instance with valid settings and the given
// streamIntervalMs (0: unset). No InfluxDB is contacted by these tests.
func streamDatasource(t *testing.T, streamIntervalMs int) *Datasource {
	t.Helper()
	jsonData := map[string]any{"database": "vm_telemetry"}
	if streamIntervalMs > 0 {
		jsonData["streamIntervalMs"] = streamIntervalMs
	}
	raw, _ := json.Marshal(jsonData)
	instance, err := NewDatasource(context.Background(), backend.DataSourceInstanceSettings{UID: "vmt", URL: "http://127.0.0.1:1", JSONData: raw})
	if err != nil {
		t.Fatal(err)
	}
	d := instance.(*Datasource)
	if d.SettingsErr != nil {
		t.Fatal(d.SettingsErr)
	}
	return d
}

// channel returns the path and data a frontend subscribes with.
func channel(t *testing.T, model string) (string, json.RawMessage) {
	t.Helper()
	path, err := StreamPath(json.RawMessage(model))
	if err != nil {
		t.Fatal(err)
	}
	return path, json.RawMessage(model)
}

const liveModel = `{"schemaVersion":1,"queryType":"metrics","vmMode":"list","vms":["one-71"],"metrics":["cpu_usage_percent"],"outputs":["value","rate"],"liveIntervalMs":%d}`

func model(intervalMs string) string { return strings.Replace(liveModel, "%d", intervalMs, 1) }

func TestParseStream(t *testing.T) {
	d := streamDatasource(t, 2500)
	goodPath, goodData := channel(t, model("1000"))

	stream, err := d.parseStream(goodPath, goodData)
	if err != nil || stream.interval != time.Second || stream.query.VMs[0] != "one-71" {
		t.Fatalf("good channel: %+v, %v", stream, err)
	}

	// Another panel's VMs and fields: the same channel.
	if _, err := d.parseStream(goodPath, json.RawMessage(strings.Replace(model("1000"), "one-71", "kvm2/one-72", 1))); err != nil {
		t.Fatalf("another VM on the same channel: %v", err)
	}

	// liveIntervalMs 0: the data source's streamIntervalMs.
	dsPath, dsData := channel(t, model("0"))
	if stream, err := d.parseStream(dsPath, dsData); err != nil || stream.interval != 2500*time.Millisecond {
		t.Fatalf("data source interval: %+v, %v", stream, err)
	}

	for _, tc := range []struct {
		name, path string
		data       json.RawMessage
		unknown    bool
		wantErr    string
	}{
		{"other prefix", "other/" + goodPath[len(streamPathPrefix):], goodData, true, "unknown stream path"},
		{"old per-panel channel", "live/54564c060fec7067", goodData, true, "unknown stream path"},
		{"path of another interval", goodPath, json.RawMessage(model("2000")), false, "does not match"},
		{"path of other rate scales", goodPath, json.RawMessage(strings.Replace(model("1000"), `"outputs"`, `"rateScales":{"cpu_usage_percent":2},"outputs"`, 1)), false, "does not match"},
		{"path of another host", goodPath, json.RawMessage(strings.Replace(model("1000"), `"outputs"`, `"host":"kvm2","outputs"`, 1)), false, "does not match"},
		{"malformed data", goodPath, json.RawMessage(`{"vmMode":`), false, "malformed query JSON"},
		{"bad regex", goodPath, json.RawMessage(`{"schemaVersion":1,"vmMode":"regex","vmRegex":"("}`), false, "vmRegex"},
		{"interval too short", goodPath, json.RawMessage(model("10")), false, "shorter than the minimum"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := d.parseStream(tc.path, tc.data)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) || errors.Is(err, errUnknownStreamPath) != tc.unknown {
				t.Fatalf("error %v, want one containing %q (unknown path: %v)", err, tc.wantErr, tc.unknown)
			}
		})
	}
}

func TestSubscribeStreamStatuses(t *testing.T) {
	d := streamDatasource(t, 0)
	path, goodData := channel(t, model("1000"))
	for _, tc := range []struct {
		name string
		path string
		data json.RawMessage
		want backend.SubscribeStreamStatus
	}{
		{"matching key", path, goodData, backend.SubscribeStreamStatusOK},
		{"mismatch", path, json.RawMessage(model("2000")), backend.SubscribeStreamStatusPermissionDenied},
		{"bad query", path, json.RawMessage(`{"schemaVersion":7}`), backend.SubscribeStreamStatusPermissionDenied},
		{"unknown path", "tail/x", goodData, backend.SubscribeStreamStatusNotFound},
	} {
		resp, err := d.SubscribeStream(context.Background(), &backend.SubscribeStreamRequest{Path: tc.path, Data: tc.data})
		if err != nil || resp.Status != tc.want {
			t.Errorf("%s: %v %v, want status %v", tc.name, resp, err, tc.want)
		}
	}
	publish, err := d.PublishStream(context.Background(), &backend.PublishStreamRequest{Path: path, Data: goodData})
	if err != nil || publish.Status != backend.PublishStreamStatusPermissionDenied {
		t.Errorf("PublishStream: %v %v, want permission denied", publish, err)
	}
}

// TestLiveStreamCap: with the process's streams all taken, a new channel is
// refused at subscription and at RunStream (with an error naming the cap),
// a running channel still admits subscribers, and a stream that ends frees
// its slot.
func TestLiveStreamCap(t *testing.T) {
	d := streamDatasource(t, 0)
	d.streams = newStreamSlots(2)
	pc := backend.PluginContext{DataSourceInstanceSettings: &backend.DataSourceInstanceSettings{UID: "vmt"}}
	hostModel := func(host string) string {
		return strings.Replace(model("1000"), `"schemaVersion":1`, `"schemaVersion":1,"host":"`+host+`"`, 1)
	}
	subscribe := func(host string) backend.SubscribeStreamStatus {
		path, data := channel(t, hostModel(host))
		resp, err := d.SubscribeStream(context.Background(), &backend.SubscribeStreamRequest{PluginContext: pc, Path: path, Data: data})
		if err != nil {
			t.Fatal(err)
		}
		return resp.Status
	}
	var releases []func()
	for _, host := range []string{"kvm1", "kvm2"} {
		if status := subscribe(host); status != backend.SubscribeStreamStatusOK {
			t.Fatalf("%s: status %v with room left", host, status)
		}
		path, _ := channel(t, hostModel(host))
		release, err := d.streams.acquire(channelKey(pc, path))
		if err != nil {
			t.Fatal(err)
		}
		releases = append(releases, release)
	}
	if status := subscribe("kvm3"); status != backend.SubscribeStreamStatusPermissionDenied {
		t.Errorf("a third channel with two running and a cap of two: status %v, want permission denied", status)
	}
	if status := subscribe("kvm1"); status != backend.SubscribeStreamStatusOK {
		t.Errorf("a running channel refused a subscriber: status %v", status)
	}
	path, data := channel(t, hostModel("kvm3"))
	err := d.RunStream(context.Background(), &backend.RunStreamRequest{PluginContext: pc, Path: path, Data: data}, nil)
	if err == nil || !strings.Contains(err.Error(), "runs 2 live streams already") {
		t.Errorf("RunStream of a third channel: %v, want an error naming the cap", err)
	}
	// The same path on another data source is another channel.
	other := backend.PluginContext{DataSourceInstanceSettings: &backend.DataSourceInstanceSettings{UID: "other"}}
	if d.streams.admits(channelKey(other, path)) {
		t.Error("a channel of another data source passed a full cap")
	}
	releases[0]()
	releases[0]() // a second release of the same run changes nothing
	if status := subscribe("kvm3"); status != backend.SubscribeStreamStatusOK {
		t.Errorf("after one stream ended: status %v, want OK", status)
	}
	if !d.streams.admits(channelKey(pc, path)) || len(d.streams.running) != 1 {
		t.Errorf("running %v after one release, want kvm2's channel alone", d.streams.running)
	}
}
