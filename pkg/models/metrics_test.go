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
	want := Metric{Name: "disk_read_bytes", Unit: "bytes", Kind: rate.Counter, DefaultScale: 1 << 20, SeedRateName: "disk_read_rate", PerSecond: "binBps"}
	if !ok || disk != want {
		t.Errorf("disk_read_bytes = %+v, want %+v", disk, want)
	}
}

// TestDeviceKindsFromMetricsJSON: the per-device measurements of
// docs/CONTRACT.md with their device tags and counters.
func TestDeviceKindsFromMetricsJSON(t *testing.T) {
	for _, tc := range []struct{ kind, measurement, tag, defaults string }{
		{DeviceKindDisk, "vm_disk", "device", "read_bytes,write_bytes"},
		{DeviceKindInterface, "vm_interface", "interface", "rx_bytes,tx_bytes"},
	} {
		kind, ok := LookupDeviceKind(tc.kind)
		if !ok || kind.Measurement != tc.measurement || kind.Tag != tc.tag || strings.Join(kind.DefaultMetrics, ",") != tc.defaults {
			t.Errorf("device kind %q = %+v (found %v)", tc.kind, kind, ok)
		}
	}
	ops, ok := DeviceKinds[0].Lookup("read_ops")
	if !ok || ops.Kind != rate.Counter || ops.PerSecond != "iops" || ops.DefaultScale != 1 {
		t.Errorf("read_ops = %+v, want a counter in iops with scale 1", ops)
	}
}

// TestStateCodesFromMetricsJSON: the state names the exporter writes, with
// libvirt's numbers (virDomainState).
func TestStateCodesFromMetricsJSON(t *testing.T) {
	var names []string
	for i, state := range StateCodes {
		if state.Code != i || state.Color == "" {
			t.Errorf("state %d = %+v, want libvirt's code %d with a colour", i, state, i)
		}
		names = append(names, state.Name)
	}
	if got := strings.Join(names, ","); got != "nostate,running,blocked,paused,shutdown,shutoff,crashed,pmsuspended" {
		t.Errorf("states %s", got)
	}
}

func TestParseCatalogRefusesBadEntries(t *testing.T) {
	for _, tc := range []struct{ json, problem string }{
		{`{"metrics":[{"name":"a","kind":"gauge","defaultScale":1,"typo":1}]}`, `unknown field "typo"`},
		{`{"metrics":[{"name":"a","kind":"rising","defaultScale":1}]}`, `kind "rising"`},
		{`{"metrics":[{"name":"a","kind":"gauge","defaultScale":0}]}`, `defaultScale 0`},
		{`{"metrics":[{"name":"a","kind":"gauge","defaultScale":1},{"name":"a","kind":"gauge","defaultScale":1}]}`, `"a" is listed twice`},
		{`{"metrics":[{"name":"a","kind":"gauge","defaultScale":1}],"defaultMetrics":["b"]}`, `"b" is not in the catalog`},
		{`{"metrics":[{"name":"a","kind":"gauge","defaultScale":1,"perSecondUnit":"pps"}]}`, `a gauge has no perSecondUnit`},
		{`{"metrics":[],"state":{"field":"state","codes":[{"name":"running","code":1},{"name":"paused","code":1}]}}`, `code 1 ("paused") is empty or listed twice`},
		{`{"metrics":[],"devices":{"disk":{"tag":"device","metrics":[{"name":"a","kind":"counter","defaultScale":1}],"defaultMetrics":["a"]}}}`, `devices "disk": needs a measurement`},
		{`{"metrics":[],"devices":{"disk":{"measurement":"m","tag":"device","metrics":[{"name":"a","kind":"counter","defaultScale":1}],"defaultMetrics":["b"]}}}`, `devices "disk": default metric "b"`},
	} {
		_, _, _, _, err := parseCatalog([]byte(tc.json))
		if err == nil || !strings.Contains(err.Error(), tc.problem) {
			t.Errorf("parseCatalog(%s) = %v, want an error naming %s", tc.json, err, tc.problem)
		}
	}
}
