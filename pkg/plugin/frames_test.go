package plugin

import (
	"context"
	"encoding/json"
	"strings"
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
		// memory_total_bytes is not in the series: its fields are all null, never missing.
		"vm_frame_missing_metric": `{"schemaVersion":1,"metrics":["memory_total_bytes"],"outputs":["value","rate"]}`,
	} {
		t.Run(name, func(t *testing.T) {
			frame := vmFrame(sampleSeries(), mustQuery(t, model), 10*time.Second, time.Time{})
			experimental.CheckGoldenJSONFrame(t, "testdata/golden", name, frame, *updateGolden)
		})
	}
}

func TestVMFrameAlertLabelsGolden(t *testing.T) {
	frame := vmFrame(sampleSeries(), mustQuery(t, `{"schemaVersion":1,"metrics":["cpu_usage_percent"],"outputs":["value","rate"]}`), 10*time.Second, time.Time{})
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

func TestPlanRange(t *testing.T) {
	from := time.Date(2025, 12, 4, 10, 0, 3, 0, time.UTC)
	for _, tc := range []struct {
		span          time.Duration
		interval      time.Duration
		maxDataPoints int64
		wantBucket    time.Duration
	}{
		{time.Hour, time.Second, 3600, 0},                      // every point fits
		{time.Hour, time.Second, 0, 0},                         // no limit given
		{time.Hour, 2 * time.Second, 1200, 3 * time.Second},    // 3600 points into 1200
		{time.Hour, 10 * time.Second, 1200, 10 * time.Second},  // Grafana's interval is larger
		{time.Hour, time.Second, 7, 514286 * time.Millisecond}, // whole milliseconds, rounded up
		{24 * time.Hour, time.Minute, 1440, time.Minute},       // a day per minute
	} {
		plan := planRange(backend.TimeRange{From: from, To: from.Add(tc.span)}, tc.interval, tc.maxDataPoints)
		if plan.Bucket != tc.wantBucket {
			t.Errorf("span %v, interval %v, max %d: bucket %v, want %v", tc.span, tc.interval, tc.maxDataPoints, plan.Bucket, tc.wantBucket)
		}
		if plan.Bucket > 0 && (plan.From.UnixNano()%int64(plan.Bucket) != 0 || plan.From.After(from) || from.Sub(plan.From) >= plan.Bucket) {
			t.Errorf("bucket %v: from %v is not the bucket boundary at or before %v", plan.Bucket, plan.From, from)
		}
		if plan.Bucket == 0 && !plan.From.Equal(from) {
			t.Errorf("raw plan moved from to %v", plan.From)
		}
	}
}

func TestIsFromAlert(t *testing.T) {
	for headers, want := range map[string]bool{
		`{"FromAlert":"true"}`: true, `{"Fromalert":"true"}`: true, `{"fromalert":"true"}`: true,
		`{"FromAlert":""}`: false, `{"FromAlert":"false"}`: false, `{"X-Rule-Uid":"abc"}`: false, `{}`: false,
	} {
		var h map[string]string
		_ = json.Unmarshal([]byte(headers), &h)
		if got := IsFromAlert(h); got != want {
			t.Errorf("IsFromAlert(%s) = %v, want %v", headers, got, want)
		}
	}
}

func TestBadSettingsGiveClearErrorsEverywhere(t *testing.T) {
	instance, err := NewDatasource(t.Context(), backend.DataSourceInstanceSettings{URL: "influxdb:8086", JSONData: []byte(`{}`)})
	if err != nil {
		t.Fatal(err)
	}
	d := instance.(*Datasource)
	health, _ := d.CheckHealth(t.Context(), &backend.CheckHealthRequest{})
	if health.Status != backend.HealthStatusError || !strings.Contains(health.Message, "must start with http") {
		t.Errorf("health with a bad URL: %v %q", health.Status, health.Message)
	}
	resp, _ := d.QueryData(t.Context(), &backend.QueryDataRequest{Queries: []backend.DataQuery{{RefID: "A", JSON: []byte(`{}`)}}})
	if dr := resp.Responses["A"]; dr.Error == nil || !strings.Contains(dr.Error.Error(), "must start with http") || dr.Status != backend.StatusBadRequest {
		t.Errorf("query with a bad URL: %v %v", dr.Status, dr.Error)
	}
}

// panickingSource is a broken Source: the handler must turn its panic into
// a per-query error.
type panickingSource struct{ influx.Source }

func (panickingSource) Range(context.Context, influx.RangeRequest) ([]influx.VMSeries, error) {
	panic("broken source")
}

func TestPanicBecomesPerQueryError(t *testing.T) {
	d := &Datasource{Source: panickingSource{}}
	resp, err := d.QueryData(t.Context(), &backend.QueryDataRequest{Queries: []backend.DataQuery{
		{RefID: "A", JSON: []byte(`{"schemaVersion":1}`), TimeRange: backend.TimeRange{From: time.Unix(0, 0), To: time.Unix(60, 0)}},
		{RefID: "B", JSON: []byte(`{"schemaVersion":1,"vmMode":"nope"}`)},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if dr := resp.Responses["A"]; dr.Error == nil || dr.ErrorSource != backend.ErrorSourcePlugin || dr.Status != backend.StatusInternal {
		t.Errorf("panicking handler: %v %v %v", dr.Status, dr.ErrorSource, dr.Error)
	}
	if dr := resp.Responses["B"]; dr.Error == nil || !strings.Contains(dr.Error.Error(), `vmMode "nope"`) {
		t.Errorf("the other query: %v", dr.Error)
	}
}

func TestFormatAge(t *testing.T) {
	for age, want := range map[time.Duration]string{
		2300 * time.Millisecond: "2.3 s", 90 * time.Second: "1.5 min", 3 * time.Hour: "3.0 h", 72 * time.Hour: "3.0 days",
	} {
		if got := formatAge(age); got != want {
			t.Errorf("formatAge(%v) = %q, want %q", age, got, want)
		}
	}
}

func TestResourceErrorsAreJSON(t *testing.T) {
	instance, _ := NewDatasource(t.Context(), backend.DataSourceInstanceSettings{URL: "http://127.0.0.1:1", JSONData: []byte(`{}`)})
	d := instance.(*Datasource)
	for path, want := range map[string]string{
		"vms?host=a%0Db": `"error":"value \"a\\rb\" contains a carriage return`,
		"vms":            `"error":"cannot reach InfluxDB at http://127.0.0.1:1`,
	} {
		var status int
		var body []byte
		err := d.CallResource(t.Context(), &backend.CallResourceRequest{Method: "GET", Path: strings.SplitN(path, "?", 2)[0], URL: path},
			backend.CallResourceResponseSenderFunc(func(r *backend.CallResourceResponse) error {
				if r.Status != 0 {
					status = r.Status
				}
				body = append(body, r.Body...)
				return nil
			}))
		if err != nil || status/100 != 4 && status/100 != 5 || !strings.Contains(string(body), want) {
			t.Errorf("%s: %d %s (%v), want an error status and %s", path, status, body, err, want)
		}
	}
}
