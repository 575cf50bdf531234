package models

import (
	"bytes"
	"cmp"
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
	// PerSecond is Grafana's unit id of <metric>_per_second; counters only.
	PerSecond string
	// State marks the state field: stored as a name, answered as its code.
	State bool
}

// HasPerSecond says whether the metric gets a <metric>_per_second field:
// only counters do.
func (m Metric) HasPerSecond() bool { return m.Kind == rate.Counter }

// Catalog lists the contract's numeric vm_telemetry fields in the order of
// docs/PLUGIN-API.md; DefaultMetrics are the eight usage metrics a query gets
// when it names none; DeviceKinds are the per-device measurements;
// StateCodes number the values of the string field state. All come from
// metrics.json.
var Catalog, DefaultMetrics, DeviceKinds, StateCodes = mustParseCatalog(catalogJSON)

// StateField is the contract's string field of a VM's state, which a
// metrics query may name as a metric: it answers libvirt's numeric state
// code (virDomainState) with value mappings back to the names.
const StateField = "state"

// StateMetric is how a metrics query reads the state field.
var StateMetric = Metric{Name: StateField, Kind: rate.Gauge, DefaultScale: 1, State: true}

// StateCode is one value of the state field: its name as stored, libvirt's
// number of it, and the colour Grafana shows it in.
type StateCode struct {
	Name  string `json:"name"`
	Code  int    `json:"code"`
	Color string `json:"color"`
}

// DeviceKind is a per-device measurement of the contract (vm_disk,
// vm_interface): its measurement, the tag naming the device, its numeric
// fields and the ones a devices query gets when it names none.
type DeviceKind struct {
	Name           string
	Measurement    string
	Tag            string
	Metrics        []Metric
	DefaultMetrics []string
}

// Device kinds of a devices query (keys of metrics.json's devices).
const (
	DeviceKindDisk      = "disk"
	DeviceKindInterface = "interface"
)

// LookupDeviceKind finds a device kind by name.
func LookupDeviceKind(name string) (DeviceKind, bool) {
	for _, kind := range DeviceKinds {
		if kind.Name == name {
			return kind, true
		}
	}
	return DeviceKind{}, false
}

// Lookup finds a metric of the device kind by name.
func (k DeviceKind) Lookup(name string) (Metric, bool) { return lookup(k.Metrics, name) }

func mustParseCatalog(data []byte) ([]Metric, []string, []DeviceKind, []StateCode) {
	catalog, defaults, kinds, states, err := parseCatalog(data)
	if err != nil {
		panic(fmt.Sprintf("pkg/models/metrics.json: %v", err))
	}
	return catalog, defaults, kinds, states
}

// catalogMetric is one metric as metrics.json writes it.
type catalogMetric struct {
	Name         string  `json:"name"`
	Unit         string  `json:"unit"`
	Kind         string  `json:"kind"`
	DefaultScale float64 `json:"defaultScale"`
	SeedRateName string  `json:"seedRateName"`
	// PerSecondUnit is the unit of the counter's per-second field;
	// absent: bytes per second (binBps).
	PerSecondUnit string `json:"perSecondUnit"`
}

// parseCatalog reads metrics.json, refusing what would make a metric
// ambiguous or unusable: unknown keys, a kind other than gauge or counter, a
// scale that is not positive, a duplicate, a default that is not listed, a
// device kind without measurement or tag, a state code twice.
func parseCatalog(data []byte) ([]Metric, []string, []DeviceKind, []StateCode, error) {
	var file struct {
		Metrics        []catalogMetric `json:"metrics"`
		DefaultMetrics []string        `json:"defaultMetrics"`
		Devices        map[string]struct {
			Measurement    string          `json:"measurement"`
			Tag            string          `json:"tag"`
			Metrics        []catalogMetric `json:"metrics"`
			DefaultMetrics []string        `json:"defaultMetrics"`
		} `json:"devices"`
		State struct {
			Field string      `json:"field"`
			Codes []StateCode `json:"codes"`
		} `json:"state"`
	}
	decoder := json.NewDecoder(bytes.NewReader(data))
	decoder.DisallowUnknownFields()
	if err := decoder.Decode(&file); err != nil {
		return nil, nil, nil, nil, err
	}
	catalog, err := parseMetrics(file.Metrics, file.DefaultMetrics)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	var kinds []DeviceKind
	for name, device := range file.Devices {
		metrics, err := parseMetrics(device.Metrics, device.DefaultMetrics)
		switch {
		case err != nil:
			return nil, nil, nil, nil, fmt.Errorf("devices %q: %w", name, err)
		case device.Measurement == "" || device.Tag == "":
			return nil, nil, nil, nil, fmt.Errorf("devices %q: needs a measurement and a tag", name)
		case len(device.DefaultMetrics) == 0:
			return nil, nil, nil, nil, fmt.Errorf("devices %q: needs default metrics", name)
		}
		kinds = append(kinds, DeviceKind{Name: name, Measurement: device.Measurement, Tag: device.Tag, Metrics: metrics, DefaultMetrics: device.DefaultMetrics})
	}
	sort.Slice(kinds, func(i, j int) bool { return kinds[i].Name < kinds[j].Name })
	if file.State.Field != StateField && (file.State.Field != "" || len(file.State.Codes) > 0) {
		return nil, nil, nil, nil, fmt.Errorf("state: field %q is not %q", file.State.Field, StateField)
	}
	seen := map[string]bool{}
	for _, state := range file.State.Codes {
		if state.Name == "" || seen[state.Name] || seen[fmt.Sprint(state.Code)] {
			return nil, nil, nil, nil, fmt.Errorf("state: code %d (%q) is empty or listed twice", state.Code, state.Name)
		}
		seen[state.Name], seen[fmt.Sprint(state.Code)] = true, true
	}
	return catalog, file.DefaultMetrics, kinds, file.State.Codes, nil
}

// parseMetrics checks one list of metrics and its defaults.
func parseMetrics(entries []catalogMetric, defaults []string) ([]Metric, error) {
	metrics := make([]Metric, 0, len(entries))
	names := make([]string, 0, len(entries))
	kinds := map[string]rate.Kind{"gauge": rate.Gauge, "counter": rate.Counter}
	for _, m := range entries {
		kind, ok := kinds[m.Kind]
		switch {
		case m.Name == "":
			return nil, fmt.Errorf("a metric has no name")
		case slices.Contains(names, m.Name):
			return nil, fmt.Errorf("metric %q is listed twice", m.Name)
		case !ok:
			return nil, fmt.Errorf("metric %q: kind %q is neither gauge nor counter", m.Name, m.Kind)
		case !(m.DefaultScale > 0):
			return nil, fmt.Errorf("metric %q: defaultScale %v is not positive", m.Name, m.DefaultScale)
		}
		if m.PerSecondUnit != "" && kind != rate.Counter {
			return nil, fmt.Errorf("metric %q: a gauge has no perSecondUnit", m.Name)
		}
		metric := Metric{Name: m.Name, Unit: m.Unit, Kind: kind, DefaultScale: m.DefaultScale, SeedRateName: m.SeedRateName}
		if kind == rate.Counter {
			metric.PerSecond = cmp.Or(m.PerSecondUnit, "binBps")
		}
		names = append(names, m.Name)
		metrics = append(metrics, metric)
	}
	for _, name := range defaults {
		if !slices.Contains(names, name) {
			return nil, fmt.Errorf("default metric %q is not in the catalog", name)
		}
	}
	return metrics, nil
}

// LookupMetric finds a metric of the catalog by name.
func LookupMetric(name string) (Metric, bool) { return lookup(Catalog, name) }

func lookup(metrics []Metric, name string) (Metric, bool) {
	for _, m := range metrics {
		if m.Name == name {
			return m, true
		}
	}
	return Metric{}, false
}

func metricNames(metrics []Metric) string {
	names := make([]string, len(metrics))
	for i, m := range metrics {
		names[i] = m.Name
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}
