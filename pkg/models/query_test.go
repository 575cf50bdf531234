package models

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestParseQueryFillsDefaults(t *testing.T) {
	q, err := ParseQuery([]byte(`{"refId":"A","schemaVersion":1}`))
	if err != nil {
		t.Fatal(err)
	}
	if q.QueryType != QueryTypeMetrics || q.VMMode != VMModeAll || q.Aggregation != "mean" {
		t.Errorf("defaults: got queryType %q, vmMode %q, aggregation %q", q.QueryType, q.VMMode, q.Aggregation)
	}
	if !reflect.DeepEqual(q.Metrics, DefaultMetrics) {
		t.Errorf("default metrics = %v, want %v", q.Metrics, DefaultMetrics)
	}
	if !reflect.DeepEqual(q.Outputs, []string{"value", "rate", "per_second"}) {
		t.Errorf("default outputs = %v", q.Outputs)
	}
}

func TestParseQueryMigratesVersion0(t *testing.T) {
	for _, tc := range []struct {
		raw  string
		want Query
	}{
		{`{"vm":"one-71","metric":"cpu_usage_percent","rate":false}`,
			Query{VMMode: VMModeList, VMs: []string{"one-71"}, Metrics: []string{"cpu_usage_percent"}, Outputs: []string{"value"}}},
		{`{"vm":"*","metric":"disk_read_bytes","rate":true}`,
			Query{VMMode: VMModeAll, Metrics: []string{"disk_read_bytes"}, Outputs: []string{"value", "rate", "per_second"}}},
		{`{"vm":"","metric":"memory_usage_percent"}`,
			Query{VMMode: VMModeAll, Metrics: []string{"memory_usage_percent"}, Outputs: []string{"value", "rate", "per_second"}}},
	} {
		q, err := ParseQuery([]byte(tc.raw))
		if err != nil {
			t.Fatalf("%s: %v", tc.raw, err)
		}
		if q.SchemaVersion != 1 || q.VMMode != tc.want.VMMode || !reflect.DeepEqual(q.VMs, tc.want.VMs) ||
			!reflect.DeepEqual(q.Metrics, tc.want.Metrics) || !reflect.DeepEqual(q.Outputs, tc.want.Outputs) {
			t.Errorf("%s migrated to %+v, want %+v", tc.raw, q, tc.want)
		}
	}
}

func TestParseQueryErrorsNameTheProblem(t *testing.T) {
	for raw, want := range map[string]string{
		`{"schemaVersion":1,`:                                                                       "malformed query JSON",
		`{"schemaVersion":1,"vms":"one-71"}`:                                                        "malformed query JSON",
		`{"schemaVersion":1,"metrics":["cpu_percent"]}`:                                             `metric "cpu_percent" is unknown`,
		`{"schemaVersion":1,"vmMode":"some"}`:                                                       `vmMode "some" is unknown`,
		`{"schemaVersion":1,"vmMode":"regex","vmRegex":"one-(7"}`:                                   "vmRegex: bad regex",
		`{"schemaVersion":1,"vmMode":"regex"}`:                                                      "needs a pattern in vmRegex",
		`{"schemaVersion":1,"vmMode":"list"}`:                                                       "needs at least one VM name",
		`{"schemaVersion":1,"vmMode":"list","vms":["a\rb"]}`:                                        "carriage return",
		`{"schemaVersion":1,"outputs":["slope"]}`:                                                   `output "slope" is unknown`,
		`{"schemaVersion":1,"aggregation":"median"}`:                                                `aggregation "median" is unknown`,
		`{"schemaVersion":1,"gapLimitSeconds":-1}`:                                                  "gapLimitSeconds",
		`{"schemaVersion":1,"rateScales":{"cpu_usage_percent":0}}`:                                  "must be a positive number",
		`{"schemaVersion":1,"rateScales":{"nope":1}}`:                                               `unknown metric "nope"`,
		`{"schemaVersion":1,"queryType":"raw"}`:                                                     "needs an InfluxQL statement",
		`{"schemaVersion":1,"queryType":"sql"}`:                                                     `queryType "sql" is unknown`,
		`{"schemaVersion":1,"queryType":"variable","variable":"x"}`:                                 `variable "x" is unknown`,
		`{"schemaVersion":2}`:                                                                       "schemaVersion 2 is newer",
		`{"schemaVersion":1,"metrics":["vcpus","vcpus"]}`:                                           "listed twice",
		`{"schemaVersion":1,"rateWindowSeconds":-5}`:                                                "rateWindowSeconds -5 must be 0",
		`{"schemaVersion":1,"rateWindowSeconds":86401}`:                                             "up to 86400",
		`{"schemaVersion":1,"queryType":"devices"}`:                                                 `deviceKind "" is unknown: want disk or interface`,
		`{"schemaVersion":1,"queryType":"devices","deviceKind":"gpu"}`:                              `deviceKind "gpu" is unknown`,
		`{"schemaVersion":1,"queryType":"devices","deviceKind":"disk","metrics":["rx_bytes"]}`:      `metric "rx_bytes" is unknown; known metrics: read_bytes, read_ops, write_bytes, write_ops`,
		`{"schemaVersion":1,"queryType":"devices","deviceKind":"interface","devices":[""]}`:         "a device name is empty",
		`{"schemaVersion":1,"queryType":"devices","deviceKind":"interface","devices":["a\rb"]}`:     "devices: ",
		`{"schemaVersion":1,"queryType":"devices","deviceKind":"disk","live":true}`:                 "cannot be live",
		`{"schemaVersion":1,"queryType":"devices","deviceKind":"disk","rateScales":{"rx_bytes":2}}`: `unknown metric "rx_bytes"`,
	} {
		_, err := ParseQuery([]byte(raw))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseQuery(%s) error = %v, want one containing %q", raw, err, want)
		}
	}
}

// TestDevicesQuery: a devices query names the metrics of its device kind,
// gets that kind's defaults, and selects its measurement, tag and names.
func TestDevicesQuery(t *testing.T) {
	q, err := ParseQuery([]byte(`{"schemaVersion":1,"queryType":"devices","deviceKind":"interface","devices":["vnet0"]}`))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(q.Metrics, ",") != "rx_bytes,tx_bytes" || q.DeviceTag() != "interface" || q.Scale("rx_packets") != 1 || q.Scale("rx_bytes") != 1<<20 {
		t.Errorf("metrics %v, tag %q, scales %v %v", q.Metrics, q.DeviceTag(), q.Scale("rx_packets"), q.Scale("rx_bytes"))
	}
	sel := q.Selection().Devices
	if sel == nil || sel.Measurement != "vm_interface" || sel.Tag != "interface" || strings.Join(sel.Names, ",") != "vnet0" {
		t.Errorf("device selection %+v", sel)
	}
	if metrics, _ := ParseQuery([]byte(`{"schemaVersion":1,"deviceKind":"disk"}`)); metrics.Selection().Devices != nil || metrics.DeviceTag() != "" {
		t.Error("a metrics query with a stray deviceKind reads devices")
	}
}

func TestScaleAndGapLimit(t *testing.T) {
	q, err := ParseQuery([]byte(`{"schemaVersion":1,"rateScales":{"disk_read_bytes":1024}}`))
	if err != nil {
		t.Fatal(err)
	}
	for field, want := range map[string]float64{
		"disk_read_bytes": 1024, "disk_write_bytes": 1 << 20, "cpu_usage_percent": 1, "not_in_catalog": 1,
	} {
		if got := q.Scale(field); got != want {
			t.Errorf("Scale(%s) = %v, want %v", field, got, want)
		}
	}
	if got := q.GapLimit(time.Second); got != 10*time.Second {
		t.Errorf("automatic gap limit at 1 s = %v, want 10 s", got)
	}
	if got := q.GapLimit(time.Minute); got != 5*time.Minute {
		t.Errorf("automatic gap limit at 1 min = %v, want 5 min", got)
	}
	q.GapLimitSeconds = 3
	if got := q.GapLimit(time.Minute); got != 3*time.Second {
		t.Errorf("explicit gap limit = %v, want 3 s", got)
	}
}

func TestRateWindow(t *testing.T) {
	q, err := ParseQuery([]byte(`{"schemaVersion":1,"rateWindowSeconds":60}`))
	if err != nil {
		t.Fatal(err)
	}
	if got := q.RateWindow(); got != time.Minute {
		t.Errorf("rateWindowSeconds 60 = %v, want 1m", got)
	}
	q, err = ParseQuery([]byte(`{"schemaVersion":1}`))
	if err != nil {
		t.Fatal(err)
	}
	if got := q.RateWindow(); got != 0 {
		t.Errorf("absent rateWindowSeconds = %v, want 0 (adjacent samples)", got)
	}
}
