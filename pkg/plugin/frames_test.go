package plugin

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/experimental"

	"github.com/vmtelemetry/libvirt-datasource/pkg/influx"
	"github.com/vmtelemetry/libvirt-datasource/pkg/models"
)

func mustQuery(t *testing.T, raw string) models.Query {
	t.Helper()
	q, err := models.ParseQuery([]byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	return q
}

// sampleSeries is one VM with a gauge, a counter with a reset and a null.
func sampleSeries() influx.VMSeries {
	base := time.Date(2025, 12, 4, 10, 30, 45, 0, time.UTC)
	v := func(x float64) *float64 { return &x }
	return influx.VMSeries{
		VM: "one-71", Host: "kvm1", UUID: "uuid-71",
		Times: []time.Time{base, base.Add(time.Second), base.Add(2 * time.Second), base.Add(3 * time.Second)},
		Values: map[string][]*float64{
			"cpu_usage_percent": {v(40), v(50), nil, v(45)},
			"network_tx_bytes":  {v(0), v(1048576), v(10), v(524298)},
		},
	}
}

func TestVMFrameGolden(t *testing.T) {
	for name, model := range map[string]string{
		"vm_frame_all_outputs": `{"schemaVersion":1,"metrics":["cpu_usage_percent","network_tx_bytes"]}`,
		"vm_frame_rate_only":   `{"schemaVersion":1,"metrics":["network_tx_bytes","cpu_usage_percent"],"outputs":["rate"],"rateScales":{"network_tx_bytes":1}}`,
		// cpu has a null at the third sample: the second sample's age runs to the fourth.
		"vm_frame_age": `{"schemaVersion":1,"metrics":["cpu_usage_percent"],"outputs":["value","age"]}`,
		// memory_total_bytes is not in the series: its fields are all null, never missing.
		"vm_frame_missing_metric": `{"schemaVersion":1,"metrics":["memory_total_bytes"],"outputs":["value","rate"]}`,
	} {
		t.Run(name, func(t *testing.T) {
			frame := vmFrame(sampleSeries(), mustQuery(t, model), 10*time.Second, time.Time{}, sampleSeries().Times[3].Add(2*time.Second))
			experimental.CheckGoldenJSONFrame(t, "testdata/golden", name, frame, *updateGolden)
		})
	}
}

// TestDeviceFrameGolden: one frame per VM and device, named and labelled
// by the device, units of the device kind's counters (iops, binBps).
func TestDeviceFrameGolden(t *testing.T) {
	base := time.Date(2025, 12, 4, 10, 30, 45, 0, time.UTC)
	v := func(x float64) *float64 { return &x }
	series := influx.VMSeries{
		VM: "one-71", Host: "kvm1", UUID: "uuid-71", Device: "vda",
		Times:  []time.Time{base, base.Add(time.Second), base.Add(2 * time.Second)},
		Values: map[string][]*float64{"read_bytes": {v(0), v(1048576), v(2097152)}, "read_ops": {v(10), v(30), v(5)}},
	}
	q := mustQuery(t, `{"schemaVersion":1,"queryType":"devices","deviceKind":"disk","metrics":["read_bytes","read_ops"]}`)
	frame := vmFrame(series, q, 10*time.Second, time.Time{}, time.Time{})
	experimental.CheckGoldenJSONFrame(t, "testdata/golden", "device_frame", frame, *updateGolden)
}

// TestStateFrameGolden: the state names become libvirt's codes with value
// mappings back to the names; no rate of a state; an unknown name is null.
func TestStateFrameGolden(t *testing.T) {
	series := sampleSeries()
	series.Texts = map[string][]string{"state": {"running", "paused", "unknown(9)", "no such state"}}
	series.Values["state"] = make([]*float64, 4)
	q := mustQuery(t, `{"schemaVersion":1,"metrics":["state","cpu_usage_percent"],"outputs":["value","rate"]}`)
	frame := vmFrame(series, q, 10*time.Second, time.Time{}, time.Time{})
	experimental.CheckGoldenJSONFrame(t, "testdata/golden", "state_frame", frame, *updateGolden)
}

func TestVMFrameAlertLabelsGolden(t *testing.T) {
	frame := vmFrame(sampleSeries(), mustQuery(t, `{"schemaVersion":1,"metrics":["cpu_usage_percent"],"outputs":["value","rate"]}`), 10*time.Second, time.Time{}, time.Time{})
	response := backend.DataResponse{Frames: alertingFrames(frame)}
	experimental.CheckGoldenJSONResponse(t, "testdata/golden", "vm_frame_alert_labels", &response, *updateGolden)
}

func TestRawFrameGolden(t *testing.T) {
	var series influx.Series
	// An InfluxQL answer as /query returns it with epoch=ns, rows out of order.
	raw := `{"name":"vm_telemetry","tags":{"vm":"one-71"},"columns":["time","disk_write_bytes","load","state"],
		"values":[[1764844246000000000,2097152,1.5,"running"],[1764844245000000000,1048576,0.5,"running"],[1764844247000000000,1024,null,"running"]]}`
	if err := json.Unmarshal([]byte(raw), &series); err != nil {
		t.Fatal(err)
	}
	frame, err := rawFrame(series, mustQuery(t, `{"schemaVersion":1,"queryType":"raw","rawQuery":"SELECT 1"}`), 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	experimental.CheckGoldenJSONFrame(t, "testdata/golden", "raw_frame", frame, *updateGolden)
}
