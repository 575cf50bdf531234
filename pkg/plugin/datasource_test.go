package plugin

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/vmtelemetry/libvirt-datasource/pkg/influx"
)

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
