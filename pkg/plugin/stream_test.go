package plugin

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/vmtelemetry/libvirt-datasource/pkg/models"
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
func channel(t *testing.T, model string, interval time.Duration) (string, json.RawMessage) {
	t.Helper()
	q, err := models.ParseQuery([]byte(model))
	if err != nil {
		t.Fatal(err)
	}
	return streamPathPrefix + StreamKey(q, interval), json.RawMessage(model)
}

const liveModel = `{"schemaVersion":1,"queryType":"metrics","vmMode":"list","vms":["one-71"],"metrics":["cpu_usage_percent"],"outputs":["value","rate"],"liveIntervalMs":%d}`

func model(intervalMs string) string { return strings.Replace(liveModel, "%d", intervalMs, 1) }

func TestParseStream(t *testing.T) {
	d := streamDatasource(t, 2500)
	goodPath, goodData := channel(t, model("1000"), time.Second)

	stream, err := d.parseStream(goodPath, goodData)
	if err != nil || stream.interval != time.Second || stream.query.VMs[0] != "one-71" {
		t.Fatalf("good channel: %+v, %v", stream, err)
	}

	// liveIntervalMs 0: the data source's streamIntervalMs, part of the key.
	dsPath, dsData := channel(t, model("0"), 2500*time.Millisecond)
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
		{"no key", "live/", goodData, true, "unknown stream path"},
		{"key of another query", goodPath, json.RawMessage(model("2000")), false, "does not match"},
		{"key of another VM", goodPath, json.RawMessage(strings.Replace(model("1000"), "one-71", "one-72", 1)), false, "does not match"},
		{"malformed data", goodPath, json.RawMessage(`{"vmMode":`), false, "malformed query JSON"},
		{"bad regex", goodPath, json.RawMessage(`{"schemaVersion":1,"vmMode":"regex","vmRegex":"("}`), false, "vmRegex"},
		{"raw query", goodPath, json.RawMessage(`{"schemaVersion":1,"queryType":"raw","rawQuery":"SELECT * FROM x"}`), false, "cannot stream"},
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
	path, goodData := channel(t, model("1000"), time.Second)
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

// TestStreamSchemaKeepsSilentVMs: a VM without a sample this round gets a
// frame of the same fields and labels with nulls, never a missing frame.
func TestStreamSchemaKeepsSilentVMs(t *testing.T) {
	t1 := time.Date(2025, 12, 4, 10, 0, 0, 0, time.UTC)
	v := 42.0
	sample := func(vm string) *data.Frame {
		labels := data.Labels{"vm": vm, "host": "kvm1", "uuid": "u-" + vm}
		f := data.NewFrame(vm,
			data.NewField(timeFieldName, nil, []time.Time{t1}),
			data.NewField("cpu_usage_percent", labels, []*float64{&v}),
			data.NewField("cpu_usage_percent_rate", labels, []*float64{&v}))
		f.Fields[2].Config = &data.FieldConfig{Unit: "degree"}
		f.Meta = timeSeriesWideMeta()
		return f
	}
	schema := streamSchema{}
	first := schema.complete(data.Frames{sample("b"), sample("a")}, t1)
	if len(first) != 2 || first[0].Name != "a" || first[1].Name != "b" {
		t.Fatalf("first round: %d frames %v", len(first), first)
	}
	t2 := t1.Add(time.Second)
	second := schema.complete(data.Frames{sample("a")}, t2)
	if len(second) != 2 {
		t.Fatalf("second round: %d frames, want a and b", len(second))
	}
	silent := second[1]
	if silent.Name != "b" || silent.Rows() != 1 {
		t.Fatalf("silent VM frame %q with %d rows", silent.Name, silent.Rows())
	}
	want := sample("b")
	for i, f := range silent.Fields {
		if f.Name != want.Fields[i].Name || f.Type() != want.Fields[i].Type() || f.Labels.String() != want.Fields[i].Labels.String() {
			t.Fatalf("field %d: %s %v %v, want %s %v %v", i, f.Name, f.Type(), f.Labels, want.Fields[i].Name, want.Fields[i].Type(), want.Fields[i].Labels)
		}
	}
	if silent.Fields[0].At(0).(time.Time) != t2 {
		t.Fatalf("null sample time %v, want %v", silent.Fields[0].At(0), t2)
	}
	if silent.Fields[1].At(0).(*float64) != nil || silent.Fields[2].At(0).(*float64) != nil {
		t.Fatal("values of a silent VM are not null")
	}
	if silent.Fields[2].Config == nil || silent.Fields[2].Config.Unit != "degree" || silent.Meta.Type != data.FrameTypeTimeSeriesWide {
		t.Fatal("the null frame lost the field config or the frame type")
	}
}
