package models

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/vmtelemetry/libvirt-datasource/pkg/rate"
)

// catalogJSON is the one list of the contract's numeric vm_telemetry fields:
// the frontend (src/metrics.ts) and the provisioning tests read the same
// file, and the exporter's tests check its fields against it.
//
//go:embed metrics.json
var catalogJSON []byte

// Metric is one numeric field of the contract's vm_telemetry measurement.
type Metric struct {
	Name string
	// Unit is Grafana's unit id of the stored value ("percent", "bytes" or "").
	Unit string
	// Kind: byte counters are cumulative (a fall is a reset); the rest are gauges.
	Kind rate.Kind
	// DefaultScale divides values before the angle is taken (docs/CONTRACT.md).
	DefaultScale float64
	// SeedRateName is the short name of the rate in the seed-compatible JSON
	// ("cpu_rate"); empty for fields the seed JSON does not carry.
	SeedRateName string
}

// HasPerSecond says whether the metric gets a <metric>_per_second field:
// only byte counters do.
func (m Metric) HasPerSecond() bool { return m.Kind == rate.Counter }

// Catalog lists the contract's numeric vm_telemetry fields in the order of
// docs/PLUGIN-API.md; DefaultMetrics are the eight usage metrics a query gets
// when it names none. Both come from metrics.json.
var Catalog, DefaultMetrics = mustParseCatalog(catalogJSON)

func mustParseCatalog(data []byte) ([]Metric, []string) {
	catalog, defaults, err := parseCatalog(data)
	if err != nil {
		panic(fmt.Sprintf("pkg/models/metrics.json: %v", err))
	}
	return catalog, defaults
}

// parseCatalog reads metrics.json, refusing what would make a metric
// ambiguous or unusable: unknown keys, a kind other than gauge or counter, a
// scale that is not positive, a duplicate, a default that is not listed.
func parseCatalog(data []byte) ([]Metric, []string, error) {
	var file struct {
		Metrics []struct {
			Name         string  `json:"name"`
			Unit         string  `json:"unit"`
			Kind         string  `json:"kind"`
			DefaultScale float64 `json:"defaultScale"`
			SeedRateName string  `json:"seedRateName"`
		} `json:"metrics"`
		DefaultMetrics []string `json:"defaultMetrics"`
	}
	decoder := json.NewDecoder(bytes.NewReader(data))
	decoder.DisallowUnknownFields()
	if err := decoder.Decode(&file); err != nil {
		return nil, nil, err
	}
	catalog := make([]Metric, 0, len(file.Metrics))
	names := make([]string, 0, len(file.Metrics))
	kinds := map[string]rate.Kind{"gauge": rate.Gauge, "counter": rate.Counter}
	for _, m := range file.Metrics {
		kind, ok := kinds[m.Kind]
		switch {
		case m.Name == "":
			return nil, nil, fmt.Errorf("a metric has no name")
		case slices.Contains(names, m.Name):
			return nil, nil, fmt.Errorf("metric %q is listed twice", m.Name)
		case !ok:
			return nil, nil, fmt.Errorf("metric %q: kind %q is neither gauge nor counter", m.Name, m.Kind)
		case !(m.DefaultScale > 0):
			return nil, nil, fmt.Errorf("metric %q: defaultScale %v is not positive", m.Name, m.DefaultScale)
		}
		names = append(names, m.Name)
		catalog = append(catalog, Metric{Name: m.Name, Unit: m.Unit, Kind: kind, DefaultScale: m.DefaultScale, SeedRateName: m.SeedRateName})
	}
	for _, name := range file.DefaultMetrics {
		if !slices.Contains(names, name) {
			return nil, nil, fmt.Errorf("default metric %q is not in the catalog", name)
		}
	}
	return catalog, file.DefaultMetrics, nil
}

// LookupMetric finds a metric of the catalog by name.
func LookupMetric(name string) (Metric, bool) {
	for _, m := range Catalog {
		if m.Name == name {
			return m, true
		}
	}
	return Metric{}, false
}

func knownMetricNames() string {
	names := make([]string, len(Catalog))
	for i, m := range Catalog {
		names[i] = m.Name
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}
