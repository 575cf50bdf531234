package plugin

import (
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/grafana/grafana-plugin-sdk-go/experimental"

	"github.com/vmtelemetry/libvirt-datasource/pkg/influx"
)

func sampleEvents() []influx.Event {
	base := time.Date(2025, 12, 4, 10, 30, 45, 0, time.UTC)
	return []influx.Event{
		{Time: base, VM: "one-71", Host: "kvm1", UUID: "uuid-71", Event: "started", Detail: "booted", Source: "libvirt"},
		{Time: base.Add(time.Second), VM: "one-71", Host: "kvm1", UUID: "uuid-71", Event: "rebooted", Source: "libvirt"},
		{Time: base.Add(2 * time.Second), VM: "web,1", Host: "kvm2", UUID: "uuid-w", Event: "stopped", Detail: "destroyed", Source: "reconciled"},
	}
}

func TestEventFrameGolden(t *testing.T) {
	experimental.CheckGoldenJSONFrame(t, "testdata/golden", "event_frame", eventFrame(sampleEvents()), *updateGolden)
}

// TestEventFrameAnnotationFields: the fields Grafana's annotation support
// maps by name (@grafana/data's annotation event fields), with their types.
func TestEventFrameAnnotationFields(t *testing.T) {
	frame := eventFrame(sampleEvents())
	want := map[string]data.FieldType{"time": data.FieldTypeTime, "timeEnd": data.FieldTypeTime, "title": data.FieldTypeString, "text": data.FieldTypeString, "tags": data.FieldTypeString}
	if len(frame.Fields) != len(want) {
		t.Fatalf("%d fields, want %d", len(frame.Fields), len(want))
	}
	for _, field := range frame.Fields {
		if want[field.Name] != field.Type() {
			t.Errorf("field %s has type %s, want %s", field.Name, field.Type(), want[field.Name])
		}
	}
	if frame.Meta == nil || frame.Meta.DataTopic != data.DataTopicAnnotations {
		t.Errorf("meta %+v: want data topic annotations", frame.Meta)
	}
	if tags := frame.Fields[4].At(2).(string); tags != "web 1,kvm2,stopped" {
		t.Errorf("tags %q: a comma in a name must not split it into two tags", tags)
	}
	if text := frame.Fields[3].At(2).(string); !strings.Contains(text, "Reconciled") {
		t.Errorf("text %q does not say the event was reconciled", text)
	}
	if text := frame.Fields[3].At(0).(string); !strings.Contains(text, "rates of the first sample after it are null") {
		t.Errorf("text %q does not explain the null rate after a start", text)
	}
	// A reset keeps the QEMU process and its counters (measured on real
	// guests, e2e TestEndToEnd/Lifecycle): no null rate to explain.
	if text := frame.Fields[3].At(1).(string); strings.Contains(text, "null") || !strings.Contains(text, "counters go on") {
		t.Errorf("text %q: a reboot keeps the counters, its rates stay defined", text)
	}
}
