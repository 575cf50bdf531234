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

	"github.com/vmtelemetry/libvirt-datasource/e2e/provisioning"
	"github.com/vmtelemetry/libvirt-datasource/internal/testenv"
)

// TestLifecycleAnnotations: test-driver domains defined, started, paused,
// resumed, destroyed and undefined with virsh on a private libvirtd; the
// exporter (registered for events on the read-only socket) writes each to
// InfluxDB, and the launched plugin executable answers each as an
// annotation frame. The delay from the action to the frame is logged.
func TestLifecycleAnnotations(t *testing.T) {
	t.Parallel()
	repo := repoRoot(t)
	influx := startInflux(t)
	lv := testenv.StartLibvirtd(t, "")
	startExporter(t, repo, lv, "test:///default", influx, "exporter-events.log")
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

// checkGuestLifecycle works the guest vm of TestEndToEnd with virsh:
// destroy, start, suspend, resume and reset; each libvirt event comes back
// from the launched plugin executable as an annotation frame. A reset is
// libvirt's REBOOT event ("rebooted"); virsh reboot does not reboot this
// agent-less guest, which ignores ACPI. Then libvirtd is restarted and vm's
// QEMU killed while it is down: the exporter reconciles the stop it missed
// when it reconnects and the plugin answers it as a reconciled annotation,
// while survivor, which ran through the outage, gets no event. Last, the
// provisioned dashboard's annotation query and vm's time-series panels,
// answered by the plugin, are drawn in headless Chromium
// (e2e/browser/run.mjs), each event a marker at its time, each stop and
// start marker at a null CPU rate.
func checkGuestLifecycle(t *testing.T, host *pluginHost, lv *testenv.Libvirtd, influx *testenv.InfluxServer, repo, vm, survivor string) {
	from := time.Now().Add(-20 * time.Second)
	checkLifecycleSteps(t, host, lv, vm, []lifecycleStep{
		{[]string{"destroy", vm}, vm + " stopped (destroyed)"},
		{[]string{"start", vm}, vm + " started (booted)"},
		{[]string{"suspend", vm}, vm + " suspended (paused)"},
		{[]string{"resume", vm}, vm + " resumed (unpaused)"},
	})
	// Samples before and after the reset: the browser check wants the rates
	// defined across it (the QEMU process and its counters go on).
	waitForMoreSamples(t, influx, vm, 3)
	checkLifecycleSteps(t, host, lv, vm, []lifecycleStep{{[]string{"reset", vm}, vm + " rebooted"}})
	waitForMoreSamples(t, influx, vm, 3)

	// libvirtd restarted; while it is down, vm's QEMU dies.
	model := eventsQuery(vm)
	before := len(annotationTitles(t, host, model, time.Now()))
	lv.Restart(t, func() { lv.KillQEMU(t, vm) })
	restarted := time.Now()
	for {
		events := annotations(t, host, model, restarted)
		if len(events) > before {
			last := events[len(events)-1]
			if !strings.HasPrefix(last.title, vm+" stopped (") || !strings.Contains(last.text, "Reconciled") {
				t.Fatalf("after the libvirtd restart: annotation %q (%s), want %s stopped, reconciled", last.title, last.text, vm)
			}
			t.Logf("libvirtd back → reconciled annotation %q from the plugin in %d ms", last.title, time.Since(restarted).Milliseconds())
			break
		}
		if time.Since(restarted) > 2*time.Minute {
			t.Fatalf("no reconciled annotation of %s's stop 2 minutes after libvirtd came back; annotations: %q", vm, annotationTitles(t, host, model, restarted))
		}
		time.Sleep(200 * time.Millisecond)
	}
	checkLifecycleSteps(t, host, lv, vm, []lifecycleStep{{[]string{"start", vm}, vm + " started (booted)"}})
	waitForMoreSamples(t, influx, vm, 8)
	// One reset is one "rebooted", though libvirt announces it more than once
	// (docs/CONTRACT.md, vm_event); the reset was more than the exporter's
	// collapse window ago.
	if n := countTitles(annotationTitles(t, host, model, time.Now()), vm+" rebooted"); n != 1 {
		t.Errorf("%d %q annotations for one virsh reset, want 1", n, vm+" rebooted")
	}
	// The guest that ran through the restart: libvirtd reconnected to it,
	// nothing changed, nothing to reconcile.
	if titles := annotationTitles(t, host, eventsQuery(survivor), time.Now()); len(titles) != 0 {
		t.Errorf("%s ran through the libvirtd restart but has annotations %q", survivor, titles)
	}

	t.Run("AnnotatedDashboard", func(t *testing.T) {
		writeAnnotatedDashboard(t, host, repo, vm, backend.TimeRange{From: from, To: time.Now().Add(2 * time.Second)})
		checkChromium(t)
		runNode(t, repo, "e2e/browser/run.mjs", map[string]string{
			"E2E_PANELS": filepath.Join(artifactDir(t, repo), annotatedPanelsFile),
			"E2E_VMS":    vm,
		})
	})
}

// eventsQuery is the events query of one VM.
func eventsQuery(vm string) []byte {
	model, _ := json.Marshal(map[string]any{"schemaVersion": 1, "queryType": "events", "vmMode": "list", "vms": []string{vm}})
	return model
}

// annotatedPanelsFile holds the answers of the annotated dashboard for the browser.
const annotatedPanelsFile = "events-panels.json"

// writeAnnotatedDashboard asks the plugin, as Grafana does for the VM's row
// of the provisioned dashboard, the annotation queries and the time-series
// panels, and writes their answers for e2e/browser/run.mjs.
func writeAnnotatedDashboard(t *testing.T, host *pluginHost, repo, vm string, tr backend.TimeRange) {
	t.Helper()
	d := readDashboard(t, repo)
	scoped := map[string]string{"datasource": datasourceUID, "vm": vm, "host": ""}
	annotationsOf, queries, err := d.AnnotationQueries("vmtelemetry-libvirt-datasource", scoped, tr)
	if err != nil {
		t.Fatal(err)
	}
	if len(queries) == 0 {
		t.Fatal("the provisioned dashboard has no enabled annotation query of the data source")
	}
	var answers []provisioning.PanelAnswer
	for i, q := range queries {
		resp, err := host.queryData(context.Background(), nil, []backend.DataQuery{q})
		if err != nil {
			t.Fatal(err)
		}
		if res := resp.Responses[q.RefID]; res.Error != nil {
			t.Fatalf("annotation %q: %v", annotationsOf[i].Name, res.Error)
		}
		options, _ := json.Marshal(map[string]string{"iconColor": annotationsOf[i].IconColor})
		answers = append(answers, provisioning.PanelAnswer{Panel: provisioning.Panel{Type: "annotations", Title: annotationsOf[i].Name, Options: options}, VM: vm, Response: resp, Range: tr})
	}
	for _, p := range d.QueryPanels() {
		if p.Type != "timeseries" || (p.RowRepeat != "vm" && p.Repeat != "vm") {
			continue
		}
		panelQueries, err := d.PanelQueries(p, scoped, tr)
		if err != nil {
			t.Fatal(err)
		}
		for _, q := range panelQueries {
			resp, err := host.queryData(context.Background(), nil, []backend.DataQuery{q.Request})
			if err != nil {
				t.Fatal(err)
			}
			answers = append(answers, provisioning.PanelAnswer{Panel: p, VM: vm, Response: resp, Range: tr})
		}
	}
	if err := provisioning.WritePanelAnswers(filepath.Join(artifactDir(t, repo), annotatedPanelsFile), answers); err != nil {
		t.Fatal(err)
	}
}

// waitForMoreSamples waits until InfluxDB holds n more points of vm than now.
func waitForMoreSamples(t *testing.T, influx *testenv.InfluxServer, vm string, n int) {
	t.Helper()
	counts, _ := countsByVM(influx)
	waitForSamples(t, influx, []string{vm}, int(counts[vm])+n)
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
	model := eventsQuery(vm)
	var delays []string
	for _, step := range steps {
		before := countTitles(annotationTitles(t, host, model, time.Now()), step.title)
		virsh(t, lv, step.args...)
		acted := time.Now()
		for {
			titles := annotationTitles(t, host, model, acted)
			if countTitles(titles, step.title) > before {
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

func countTitles(titles []string, title string) int {
	n := 0
	for _, got := range titles {
		if got == title {
			n++
		}
	}
	return n
}

func annotationTitles(t *testing.T, host *pluginHost, model []byte, around time.Time) []string {
	t.Helper()
	var titles []string
	for _, a := range annotations(t, host, model, around) {
		titles = append(titles, a.title)
	}
	return titles
}

// annotation is one row of an annotation frame.
type annotation struct{ title, text string }

// annotations are the rows of the plugin's annotation frame for the events
// of model from ten minutes before around to a minute after, oldest first.
func annotations(t *testing.T, host *pluginHost, model []byte, around time.Time) []annotation {
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
	var out []annotation
	for _, frame := range dr.Frames {
		titles, _ := frame.FieldByName("title")
		texts, _ := frame.FieldByName("text")
		if titles == nil || texts == nil {
			t.Fatalf("annotation frame without title or text: %s", fieldNames(frame))
		}
		for j := 0; j < titles.Len(); j++ {
			out = append(out, annotation{titles.At(j).(string), texts.At(j).(string)})
		}
	}
	return out
}
