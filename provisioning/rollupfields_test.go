package provisioning_test

import (
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/vmtelemetry/libvirt-datasource/pkg/models"
	"github.com/vmtelemetry/libvirt-datasource/pkg/rate"
)

// TestRollupGaugesAreTheCatalogs: the continuous query and the task give
// mean_ and max_ to exactly the catalog's gauges (a reader asks for mean_f
// of any of them) and last_ to every field (docs/CONTRACT.md).
func TestRollupGaugesAreTheCatalogs(t *testing.T) {
	var gauges []string
	for _, m := range models.Catalog {
		if m.Kind == rate.Gauge {
			gauges = append(gauges, m.Name)
		}
	}
	for _, kind := range models.DeviceKinds {
		for _, m := range kind.Metrics {
			if m.Kind == rate.Gauge {
				gauges = append(gauges, m.Name)
			}
		}
	}
	slices.Sort(gauges)

	script := func(command string, env ...string) string {
		cmd := exec.Command("influxdb/init/15-rollups.sh", command)
		cmd.Env = append(os.Environ(), env...)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("15-rollups.sh %s: %v", command, err)
		}
		return string(out)
	}
	statement := script("statement", "INFLUX_URL=http://127.0.0.1:1", "INFLUX_VERSION=1.8")
	flux := script("flux", "INFLUX_URL=http://127.0.0.1:1", "INFLUX_VERSION=2.7", "INFLUX_TOKEN=t", "INFLUX_ORG_ID=0123456789abcdef", "INFLUX_BUCKET=vm_telemetry")
	listed := func(text, around string) []string {
		match := regexp.MustCompile(regexp.QuoteMeta(around[:strings.Index(around, "%s")]) + `/\^\(([a-z_|]+)\)\$/`).FindStringSubmatch(text)
		if match == nil {
			t.Fatalf("no %q in:\n%s", around, text)
		}
		names := strings.Split(match[1], "|")
		slices.Sort(names)
		return names
	}
	for _, got := range []struct{ what, text, around string }{
		{"the statement's mean", statement, "mean(%s)"},
		{"the statement's max", statement, "max(%s)"},
		{"the task's gauges", flux, "r._field =~ %s"},
	} {
		if names := listed(got.text, got.around); !slices.Equal(names, gauges) {
			t.Errorf("%s names %v, the catalog's gauges are %v", got.what, names, gauges)
		}
	}
	if !strings.Contains(statement, "last(*)") || !strings.Contains(flux, `data |> rollup(fn: last, prefix: "last_")`) {
		t.Errorf("not every field gets last_:\n%s\n%s", statement, flux)
	}
}
