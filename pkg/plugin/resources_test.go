package plugin

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
)

// catalogFile reads the metric catalog as the frontend reads it, not through models.
func catalogFile(t *testing.T) []map[string]any {
	t.Helper()
	data, err := os.ReadFile("../models/metrics.json")
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Metrics []map[string]any `json:"metrics"`
	}
	if err := json.Unmarshal(data, &file); err != nil {
		t.Fatal(err)
	}
	return file.Metrics
}

// The metrics resource must list what the frontend falls back to
// (src/metrics.ts reads the same file): name, unit, kind, defaultScale.
func TestMetricsResourceListsTheCatalogFile(t *testing.T) {
	var want []map[string]any
	for _, m := range catalogFile(t) {
		delete(m, "seedRateName")
		want = append(want, m)
	}
	rec := httptest.NewRecorder()
	(&Datasource{}).serveMetrics(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	var got struct {
		Metrics []map[string]any `json:"metrics"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.Metrics, want) {
		t.Errorf("metrics resource:\n%v\nwant (pkg/models/metrics.json):\n%v", got.Metrics, want)
	}
}

// SeedVM's JSON keys are the seed-compatible JSON of docs/CONTRACT.md: id,
// name, then each catalog metric with a seed rate name and that rate.
func TestSeedVMKeysFollowTheCatalog(t *testing.T) {
	want := []string{"id", "name"}
	for _, m := range catalogFile(t) {
		if rateName, ok := m["seedRateName"].(string); ok {
			want = append(want, m["name"].(string), rateName)
		}
	}
	var got []string
	seedVM := reflect.TypeOf(SeedVM{})
	for i := range seedVM.NumField() {
		got = append(got, strings.Split(seedVM.Field(i).Tag.Get("json"), ",")[0])
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("SeedVM keys %v, want %v", got, want)
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
