package models

import (
	"sort"
	"strings"

	"github.com/vmtelemetry/libvirt-datasource/pkg/rate"
)

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

const mebibyte = 1 << 20

// Catalog lists the contract's numeric vm_telemetry fields in the order of
// docs/PLUGIN-API.md.
var Catalog = []Metric{
	{Name: "cpu_usage_percent", Unit: "percent", Kind: rate.Gauge, DefaultScale: 1, SeedRateName: "cpu_rate"},
	{Name: "memory_usage_percent", Unit: "percent", Kind: rate.Gauge, DefaultScale: 1, SeedRateName: "memory_rate"},
	{Name: "memory_total_bytes", Unit: "bytes", Kind: rate.Gauge, DefaultScale: mebibyte},
	{Name: "memory_used_bytes", Unit: "bytes", Kind: rate.Gauge, DefaultScale: mebibyte},
	{Name: "disk_read_bytes", Unit: "bytes", Kind: rate.Counter, DefaultScale: mebibyte, SeedRateName: "disk_read_rate"},
	{Name: "disk_write_bytes", Unit: "bytes", Kind: rate.Counter, DefaultScale: mebibyte, SeedRateName: "disk_write_rate"},
	{Name: "network_rx_bytes", Unit: "bytes", Kind: rate.Counter, DefaultScale: mebibyte, SeedRateName: "network_rx_rate"},
	{Name: "network_tx_bytes", Unit: "bytes", Kind: rate.Counter, DefaultScale: mebibyte, SeedRateName: "network_tx_rate"},
	{Name: "vcpus", Kind: rate.Gauge, DefaultScale: 1},
	{Name: "domain_id", Kind: rate.Gauge, DefaultScale: 1},
}

// DefaultMetrics are the eight usage metrics a query gets when it names none.
var DefaultMetrics = []string{
	"cpu_usage_percent", "memory_usage_percent",
	"disk_read_bytes", "disk_write_bytes",
	"network_rx_bytes", "network_tx_bytes",
	"memory_used_bytes", "memory_total_bytes",
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
