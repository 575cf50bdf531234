//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/vmtelemetry/libvirt-datasource/internal/testenv"
)

// TestLifecycleAnnotations: test-driver domains defined, started, paused,
// resumed, destroyed and undefined with virsh on a private libvirtd; the
// exporter (registered for events on the read-only socket) writes each to
// InfluxDB, and the launched plugin executable answers each as an
// annotation frame. The delay from the action to the frame is logged.
func TestLifecycleAnnotations(t *testing.T) {
	repo := repoRoot(t)
	influx := startInflux(t)
	lv := testenv.StartLibvirtd(t, "")
	startExporter(t, repo, lv, "test:///default", influx)
	waitForSamples(t, influx, []string{"test"}, 2)
	host := launchPlugin(t, provisionedSettings(t, repo, influx), filepath.Join(artifactDir(t, repo), "plugin-events.log"))

	xml := filepath.Join(t.TempDir(), "events-e2e.xml")
	if err := os.WriteFile(xml, []byte(`<domain type='test'><name>events-e2e</name><memory>65536</memory><os><type>hvm</type></os></domain>`), 0o600); err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		args  []string
		title string
	}{
		{[]string{"define", xml}, "events-e2e defined (added)"},
		{[]string{"start", "events-e2e"}, "events-e2e started (booted)"},
		{[]string{"suspend", "events-e2e"}, "events-e2e suspended (paused)"},
		{[]string{"resume", "events-e2e"}, "events-e2e resumed (unpaused)"},
		{[]string{"destroy", "events-e2e"}, "events-e2e stopped (destroyed)"},
		{[]string{"undefine", "events-e2e"}, "events-e2e undefined (removed)"},
	}
	model, _ := json.Marshal(map[string]any{"schemaVersion": 1, "queryType": "events", "vmMode": "list", "vms": []string{"events-e2e"}})
	var delays []string
	for _, step := range steps {
		virsh(t, lv, step.args...)
		acted := time.Now()
		for {
			titles := annotationTitles(t, host, model, acted)
			if strings.Contains(strings.Join(titles, "|"), step.title) {
				break
			}
			if time.Since(acted) > time.Minute {
				t.Fatalf("no annotation %q a minute after virsh %s; annotations: %q", step.title, step.args[0], titles)
			}
			time.Sleep(100 * time.Millisecond)
		}
		delays = append(delays, fmt.Sprintf("%s %d ms", step.args[0], time.Since(acted).Milliseconds()))
	}
	t.Logf("virsh action → annotation frame from the plugin: %s", strings.Join(delays, ", "))
}

func annotationTitles(t *testing.T, host *pluginHost, model []byte, around time.Time) []string {
	t.Helper()
	resp, err := host.queryData(context.Background(), nil, []backend.DataQuery{{
		RefID: "Events", JSON: model, TimeRange: backend.TimeRange{From: around.Add(-10 * time.Minute), To: around.Add(time.Minute)},
	}})
	if err != nil {
		t.Fatalf("QueryData: %v", err)
	}
	dr := resp.Responses["Events"]
	if dr.Error != nil {
		t.Fatalf("events query: %v", dr.Error)
	}
	var titles []string
	for _, frame := range dr.Frames {
		if field, i := frame.FieldByName("title"); i >= 0 {
			for j := 0; j < field.Len(); j++ {
				titles = append(titles, field.At(j).(string))
			}
		}
	}
	return titles
}
