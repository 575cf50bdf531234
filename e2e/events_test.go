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
	steps := []lifecycleStep{
		{[]string{"define", xml}, "events-e2e defined (added)"},
		{[]string{"start", "events-e2e"}, "events-e2e started (booted)"},
		{[]string{"suspend", "events-e2e"}, "events-e2e suspended (paused)"},
		{[]string{"resume", "events-e2e"}, "events-e2e resumed (unpaused)"},
		{[]string{"destroy", "events-e2e"}, "events-e2e stopped (destroyed)"},
		{[]string{"undefine", "events-e2e"}, "events-e2e undefined (removed)"},
	}
	checkLifecycleSteps(t, host, lv, "events-e2e", steps)
}

// TestGuestLifecycleAnnotations: a real QEMU guest (in a network namespace
// of the test's own) started, paused, resumed, reset and destroyed with
// virsh; each libvirt event comes back from the launched plugin executable
// as an annotation frame. A reset is libvirt's REBOOT event ("rebooted");
// virsh reboot does not reboot this agent-less guest, which ignores ACPI.
func TestGuestLifecycleAnnotations(t *testing.T) {
	repo := repoRoot(t)
	influx := startInflux(t)
	lv := testenv.StartLibvirtd(t, fmt.Sprintf("vmt-events-%d", os.Getpid()))
	guest := fmt.Sprintf("vmt-events-%d", os.Getpid())
	lv.StartGuest(t, guest, "idle")
	startExporter(t, repo, lv, "qemu:///system", influx)
	waitForSamples(t, influx, []string{guest}, 2)
	host := launchPlugin(t, provisionedSettings(t, repo, influx), filepath.Join(artifactDir(t, repo), "plugin-guest-events.log"))
	checkLifecycleSteps(t, host, lv, guest, []lifecycleStep{
		{[]string{"destroy", guest}, guest + " stopped (destroyed)"},
		{[]string{"start", guest}, guest + " started (booted)"},
		{[]string{"suspend", guest}, guest + " suspended (paused)"},
		{[]string{"resume", guest}, guest + " resumed (unpaused)"},
		{[]string{"reset", guest}, guest + " rebooted"},
		{[]string{"destroy", guest}, guest + " stopped (destroyed)"},
	})
}

// lifecycleStep is a virsh action and the annotation title it must give.
type lifecycleStep struct {
	args  []string
	title string
}

// checkLifecycleSteps runs each step and waits for its annotation (one
// more of that title than before the step) from the plugin; the delay from
// the action's return to the frame is logged, not asserted.
func checkLifecycleSteps(t *testing.T, host *pluginHost, lv *testenv.Libvirtd, vm string, steps []lifecycleStep) {
	t.Helper()
	model, _ := json.Marshal(map[string]any{"schemaVersion": 1, "queryType": "events", "vmMode": "list", "vms": []string{vm}})
	count := func(titles []string, title string) int {
		n := 0
		for _, got := range titles {
			if got == title {
				n++
			}
		}
		return n
	}
	var delays []string
	for _, step := range steps {
		before := count(annotationTitles(t, host, model, time.Now()), step.title)
		virsh(t, lv, step.args...)
		acted := time.Now()
		for {
			titles := annotationTitles(t, host, model, acted)
			if count(titles, step.title) > before {
				break
			}
			if time.Since(acted) > time.Minute {
				t.Fatalf("no new annotation %q a minute after virsh %s; annotations: %q", step.title, step.args[0], titles)
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
