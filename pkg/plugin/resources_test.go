package plugin

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"strings"
	"testing"
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
