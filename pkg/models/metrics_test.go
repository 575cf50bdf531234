package models

import (
	"strings"
	"testing"

	"github.com/vmtelemetry/libvirt-datasource/pkg/rate"
)

func TestCatalogFromMetricsJSON(t *testing.T) {
	if len(Catalog) != 10 || len(DefaultMetrics) != 8 {
		t.Fatalf("catalog of %d metrics and %d defaults, want 10 and 8", len(Catalog), len(DefaultMetrics))
	}
	disk, ok := LookupMetric("disk_read_bytes")
	want := Metric{Name: "disk_read_bytes", Unit: "bytes", Kind: rate.Counter, DefaultScale: 1 << 20, SeedRateName: "disk_read_rate"}
	if !ok || disk != want {
		t.Errorf("disk_read_bytes = %+v, want %+v", disk, want)
	}
}

func TestParseCatalogRefusesBadEntries(t *testing.T) {
	for _, tc := range []struct{ json, problem string }{
		{`{"metrics":[{"name":"a","kind":"gauge","defaultScale":1,"typo":1}]}`, `unknown field "typo"`},
		{`{"metrics":[{"name":"a","kind":"rising","defaultScale":1}]}`, `kind "rising"`},
		{`{"metrics":[{"name":"a","kind":"gauge","defaultScale":0}]}`, `defaultScale 0`},
		{`{"metrics":[{"name":"a","kind":"gauge","defaultScale":1},{"name":"a","kind":"gauge","defaultScale":1}]}`, `"a" is listed twice`},
		{`{"metrics":[{"name":"a","kind":"gauge","defaultScale":1}],"defaultMetrics":["b"]}`, `"b" is not in the catalog`},
	} {
		_, _, err := parseCatalog([]byte(tc.json))
		if err == nil || !strings.Contains(err.Error(), tc.problem) {
			t.Errorf("parseCatalog(%s) = %v, want an error naming %s", tc.json, err, tc.problem)
		}
	}
}
