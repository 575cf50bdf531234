//go:build e2e

// Package e2e is the end-to-end proof of docs/E2E.md: the real exporter
// reads two real QEMU guests into a real InfluxDB, and the built backend,
// launched as Grafana launches it, is driven with the requests Grafana
// builds from provisioning/ (dashboard panels, alert rules, live streams,
// resources). Run it with `npm run e2e` (or `go test -tags e2e ./e2e/`).
package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/vmtelemetry/libvirt-datasource/e2e/provisioning"
	"github.com/vmtelemetry/libvirt-datasource/internal/testenv"
	"github.com/vmtelemetry/libvirt-datasource/pkg/plugin"
)

const (
	datasourceUID = "vm-telemetry"
	// samplesBeforeChecks: the rules' windows and the rates need history.
	samplesBeforeChecks = 20
)

// The guests and the network namespace are named after this process:
// scripts/guest keeps one record per guest name, and another run of the
// tests may boot its own at the same time.
var (
	idleGuest = fmt.Sprintf("vmt-e2e-idle-%d", os.Getpid())
	busyGuest = fmt.Sprintf("vmt-e2e-busy-%d", os.Getpid())
	e2eNetns  = fmt.Sprintf("vmt-e2e-%d", os.Getpid())
)

func TestEndToEnd(t *testing.T) {
	// Beside TestLifecycleAnnotations: both mostly wait (guests, rounds, events).
	t.Parallel()
	clock := newTimings(t)
	repo := repoRoot(t)

	influx := startInflux(t)
	clock.mark("influxdb " + influx.Version)
	// The qemu driver inside a network namespace of its own: other tests'
	// guests are not seen, and nothing of the test reaches the host's network.
	lv := testenv.StartLibvirtd(t, e2eNetns)
	clock.mark("libvirtd")
	// One idle guest, one with its CPU busy 25 % of each second (a busy loop
	// would hold one of CI's 2 cores for the whole test), disk traffic and
	// pings to its peer address inside the namespace.
	lv.StartGuest(t, idleGuest, "idle")
	lv.StartGuest(t, busyGuest, "cpu:25,disk,net")
	clock.mark("guests booted")
	exporter := startExporter(t, repo, lv, "qemu:///system", influx, "exporter.log")
	clock.mark("exporter")
	waitForSamples(t, influx, []string{idleGuest, busyGuest}, samplesBeforeChecks)
	clock.mark(fmt.Sprintf("%d samples per guest", samplesBeforeChecks))

	settings := provisionedSettings(t, repo, influx)
	host := launchPlugin(t, settings, filepath.Join(artifactDir(t, repo), "plugin.log"))
	clock.mark("plugin built and launched")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()

	t.Run("CheckHealth", func(t *testing.T) { checkHealth(t, ctx, host) })
	vms := vmSet{busyGuest, idleGuest}
	checkVariables(t, ctx, host, repo, vms)
	clock.mark("health and variables")
	t.Run("DashboardPanels", func(t *testing.T) { checkPanels(t, ctx, host, repo, vms) })
	clock.mark("dashboard panels")
	t.Run("Resources", func(t *testing.T) { checkResources(t, ctx, host, vms) })
	t.Run("ExporterSeedJSON", func(t *testing.T) { checkExporterJSON(t, exporter, vms) })
	t.Run("LiveStreams", func(t *testing.T) { checkStreams(t, ctx, host, repo, busyGuest) })
	clock.mark("resources and streams")
	t.Run("AlertRules", func(t *testing.T) { checkAlertRules(t, ctx, host, repo, vms) })
	clock.mark("alerting")
	t.Run("Browser", func(t *testing.T) { checkBrowser(t, host, repo, vms) })
	clock.mark("browser")
	// Last: it stops, kills and restarts the idle guest and restarts libvirtd.
	t.Run("Lifecycle", func(t *testing.T) { checkGuestLifecycle(t, host, lv, influx, repo, idleGuest, busyGuest) })
	clock.mark("lifecycle, libvirtd restart, annotated panels")
	t.Run("NoSecretInLogs", func(t *testing.T) { checkNoSecretInLogs(t, repo, influx) })
}

// vmSet is the guests, sorted: every VM list of the run must be exactly
// them (the test's own libvirtd runs nothing else).
type vmSet []string

func (v vmSet) check(what string, got []string) error {
	sorted := slices.Clone(got)
	sort.Strings(sorted)
	if !slices.Equal(sorted, v) {
		return fmt.Errorf("%s = %v, want exactly the guests %v", what, sorted, []string(v))
	}
	return nil
}

// checkFleetAnswer: the overview's fleet frame has one row per guest.
func checkFleetAnswer(t *testing.T, name string, q provisioning.PanelQuery, resp *backend.QueryDataResponse, vms []string) {
	t.Helper()
	res := resp.Responses[q.Request.RefID]
	if res.Error != nil || len(res.Frames) != 1 {
		t.Errorf("%s: %v, %d frames; want one fleet frame", name, res.Error, len(res.Frames))
		return
	}
	names, _ := res.Frames[0].FieldByName("vm")
	if names == nil {
		t.Errorf("%s: the fleet frame has no vm column (%s)", name, fieldNames(res.Frames[0]))
		return
	}
	var got []string
	for i := 0; i < names.Len(); i++ {
		got = append(got, fmt.Sprint(names.At(i)))
	}
	if err := vmSet(vms).check(name, got); err != nil {
		t.Error(err)
	}
}

// vmOfFrame is the VM name of a frame or variable value "<host>/<name>"
// (docs/CONTRACT.md, VM identity): the e2e guests all run on one host.
func vmOfFrame(ref string) string {
	_, name, _ := strings.Cut(ref, "/")
	return name
}

func checkHealth(t *testing.T, ctx context.Context, host *pluginHost) {
	res, err := host.checkHealth(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != backend.HealthStatusOk {
		t.Fatalf("CheckHealth: %v %q %s", res.Status, res.Message, res.JSONDetails)
	}
	t.Logf("CheckHealth: %s", res.Message)
}

// checkVariables refreshes the dashboard's query variables as Grafana does
// on load (host first, then vm of $host); vm must list the guests.
func checkVariables(t *testing.T, ctx context.Context, host *pluginHost, repo string, vms vmSet) {
	t.Helper()
	d := readDashboard(t, repo)
	tr, err := d.TimeRange(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	scoped := map[string]string{"datasource": datasourceUID}
	for _, name := range []string{"host", "vm"} {
		v, err := d.Variable(name)
		if err != nil {
			t.Fatal(err)
		}
		q, uid, err := d.VariableQuery(v, scoped, tr)
		if err != nil {
			t.Fatal(err)
		}
		if uid != datasourceUID {
			t.Fatalf("variable %s asks data source %q", name, uid)
		}
		values := variableValues(t, ctx, host, q)
		if len(values) == 0 {
			t.Fatalf("variable %s has no value", name)
		}
		scoped[name] = values[0]
		if name == "vm" {
			names := make([]string, len(values))
			for i, ref := range values {
				names[i] = vmOfFrame(ref)
			}
			if err := vms.check("variable vm", names); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func variableValues(t *testing.T, ctx context.Context, host *pluginHost, q backend.DataQuery) []string {
	t.Helper()
	resp, err := host.queryData(ctx, nil, []backend.DataQuery{q})
	if err != nil {
		t.Fatal(err)
	}
	res := resp.Responses[q.RefID]
	if res.Error != nil {
		t.Fatalf("variable query %s: %v", q.JSON, res.Error)
	}
	if len(res.Frames) != 1 {
		t.Fatalf("variable query: %d frames", len(res.Frames))
	}
	f := res.Frames[0]
	valueField, _ := f.FieldByName("value")
	if valueField == nil {
		t.Fatalf("variable frame has no value field: %v", f.Fields)
	}
	var values []string
	for i := 0; i < valueField.Len(); i++ {
		v, _ := valueField.ConcreteAt(i)
		values = append(values, fmt.Sprint(v))
	}
	return values
}

// checkPanels sends, for every query panel and every VM of its repeat, the
// request Grafana sends and checks that every field the panel uses comes
// back, for that VM only, with data; the panel's by-name overrides must
// name returned fields. The answers are kept for the browser check.
func checkPanels(t *testing.T, ctx context.Context, host *pluginHost, repo string, vms []string) {
	d := readDashboard(t, repo)
	tr, err := d.TimeRange(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	var rendered []provisioning.PanelAnswer
	for _, p := range d.QueryPanels() {
		repeats := []string{vms[0]}
		if p.RowRepeat == "vm" || p.Repeat == "vm" {
			repeats = vms
		}
		for _, vm := range repeats {
			scoped := map[string]string{"datasource": datasourceUID, "vm": vm, "host": ""}
			queries, err := d.PanelQueries(p, scoped, tr)
			if err != nil {
				t.Fatal(err)
			}
			for _, q := range queries {
				name := fmt.Sprintf("panel %d %q vm %s", p.ID, p.Title, vm)
				if q.DataSourceUID != datasourceUID {
					t.Errorf("%s: asks data source %q", name, q.DataSourceUID)
					continue
				}
				resp, err := host.queryData(ctx, nil, []backend.DataQuery{q.Request})
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				if p.Type == "table" {
					checkFleetAnswer(t, name, q, resp, vms)
					continue
				}
				checkPanelAnswer(t, name, p, q, resp, vm)
				rendered = append(rendered, provisioning.PanelAnswer{Panel: p, VM: vm, Response: resp})
			}
		}
	}
	// Kept for the browser check (browser_test.go).
	if err := provisioning.WritePanelAnswers(filepath.Join(artifactDir(t, repo), "panels.json"), rendered); err != nil {
		t.Fatal(err)
	}
}

func checkPanelAnswer(t *testing.T, name string, p provisioning.Panel, q provisioning.PanelQuery, resp *backend.QueryDataResponse, vm string) {
	t.Helper()
	res, ok := resp.Responses[q.Request.RefID]
	if !ok {
		t.Errorf("%s: no answer for refId %s", name, q.Request.RefID)
		return
	}
	if res.Error != nil {
		t.Errorf("%s: %v", name, res.Error)
		return
	}
	want, err := provisioning.ExpectedFields(q.Request.JSON)
	if err != nil {
		t.Errorf("%s: %v", name, err)
		return
	}
	if len(res.Frames) != 1 || vmOfFrame(res.Frames[0].Name) != vm {
		t.Errorf("%s: want one frame named %s, got %s", name, vm, frameNames(res.Frames))
		return
	}
	frame := res.Frames[0]
	if frame.Rows() < 2 {
		t.Errorf("%s: %d rows", name, frame.Rows())
	}
	for _, field := range want {
		f, _ := frame.FieldByName(field)
		if f == nil {
			t.Errorf("%s: field %s missing (have %s)", name, field, fieldNames(frame))
			continue
		}
		if f.Labels["vm"] != vm {
			t.Errorf("%s: field %s labelled %v", name, field, f.Labels)
		}
		if nonNull(f) == 0 {
			t.Errorf("%s: field %s has no value in %d rows", name, field, f.Len())
		}
	}
	overrides, err := p.OverrideFieldNames()
	if err != nil {
		t.Error(err)
	}
	for _, o := range overrides {
		if f, _ := frame.FieldByName(o); f == nil {
			t.Errorf("%s: override byName %q matches no returned field (have %s)", name, o, fieldNames(frame))
		}
	}
}

func checkResources(t *testing.T, ctx context.Context, host *pluginHost, vms vmSet) {
	var vmsAnswer struct {
		VMs []struct{ Name, Host, UUID string } `json:"vms"`
	}
	getResource(t, ctx, host, "vms", &vmsAnswer)
	var names []string
	for _, vm := range vmsAnswer.VMs {
		names = append(names, vm.Name)
		if vm.UUID == "" || vm.Host == "" {
			t.Errorf("vms: %+v lacks uuid or host", vm)
		}
	}
	if err := vms.check("vms resource", names); err != nil {
		t.Error(err)
	}
	var metrics struct {
		Metrics []struct{ Name string } `json:"metrics"`
	}
	getResource(t, ctx, host, "metrics", &metrics)
	if len(metrics.Metrics) < 8 {
		t.Errorf("metrics resource lists %d metrics", len(metrics.Metrics))
	}
	var seed seedJSON
	getResource(t, ctx, host, "vm-telemetry", &seed)
	checkSeedJSON(t, "resource vm-telemetry", seed, vms)
}

// seedJSON is the seed-compatible answer of CONTRACT.md.
type seedJSON struct {
	Count     int                          `json:"count"`
	Timestamp string                       `json:"timestamp"`
	VMs       []map[string]json.RawMessage `json:"vms"`
}

var seedKeys = []string{"id", "name", "cpu_usage_percent", "cpu_rate", "memory_usage_percent", "memory_rate",
	"disk_read_bytes", "disk_read_rate", "disk_write_bytes", "disk_write_rate",
	"network_rx_bytes", "network_rx_rate", "network_tx_bytes", "network_tx_rate"}

func checkSeedJSON(t *testing.T, source string, seed seedJSON, vms vmSet) {
	t.Helper()
	if seed.Count != len(seed.VMs) {
		t.Errorf("%s: count %d for %d entries", source, seed.Count, len(seed.VMs))
	}
	if _, err := time.Parse(time.RFC3339Nano, seed.Timestamp); err != nil {
		t.Errorf("%s: timestamp %q: %v", source, seed.Timestamp, err)
	}
	var names []string
	for _, vm := range seed.VMs {
		var name string
		_ = json.Unmarshal(vm["name"], &name)
		names = append(names, name)
		for _, key := range seedKeys {
			if _, ok := vm[key]; !ok {
				t.Errorf("%s: %s lacks %q", source, name, key)
			}
		}
		var cpu *float64
		_ = json.Unmarshal(vm["cpu_usage_percent"], &cpu)
		if cpu == nil || *cpu < 0 || *cpu > 100 {
			t.Errorf("%s: %s cpu_usage_percent %v", source, name, deref(cpu))
		}
	}
	if err := vms.check(source+" VMs", names); err != nil {
		t.Error(err)
	}
}

func checkExporterJSON(t *testing.T, exporter *exporterProcess, vms vmSet) {
	url := exporter.URL + "/api/telemetry/vm-telemetry"
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", url, resp.Status)
	}
	var seed seedJSON
	if err := json.NewDecoder(resp.Body).Decode(&seed); err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	checkSeedJSON(t, "exporter "+url, seed, vms)
}

// checkStreams subscribes to the live channel of every live panel of one
// VM, as Grafana Live does for a panel with live on (SubscribeStream, then
// RunStream once per channel: all panels share one), and wants at least 3
// fleet frames about a second apart, each with the panel's fields and a
// newer time than the last in the VM's row.
func checkStreams(t *testing.T, ctx context.Context, host *pluginHost, repo, vm string) {
	d := readDashboard(t, repo)
	tr, _ := d.TimeRange(time.Now())
	seen := map[string]bool{}
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		failures []string
	)
	for _, p := range d.QueryPanels() {
		queries, err := d.PanelQueries(p, map[string]string{"datasource": datasourceUID, "vm": vm, "host": ""}, tr)
		if err != nil {
			t.Fatal(err)
		}
		for _, q := range queries {
			var lq struct {
				Live bool `json:"live"`
			}
			if err := json.Unmarshal(q.Request.JSON, &lq); err != nil {
				t.Fatal(err)
			}
			if !lq.Live {
				continue
			}
			path, err := plugin.StreamPath(q.Request.JSON)
			if err != nil {
				t.Fatal(err)
			}
			if seen[path] {
				continue
			}
			seen[path] = true
			name, queryJSON := fmt.Sprintf("panel %d %q", p.ID, p.Title), q.Request.JSON
			// Grafana runs every channel of a dashboard at once.
			wg.Add(1)
			go func() {
				defer wg.Done()
				problems := checkOneStream(ctx, host, name, path, queryJSON, vm)
				mu.Lock()
				defer mu.Unlock()
				failures = append(failures, problems...)
			}()
		}
	}
	wg.Wait()
	if len(seen) == 0 {
		t.Fatal("the dashboard has no live panel")
	}
	for _, f := range failures {
		t.Error(f)
	}
	t.Logf("%d live channels streamed at once", len(seen))
}

// checkOneStream subscribes to one channel and runs its stream until it has
// sent 3 frames and its sample time moved (a minute at most: on a loaded host
// the reads of many channels at once are slow); it returns what went wrong (it
// runs beside the other channels).
func checkOneStream(ctx context.Context, host *pluginHost, name, path string, queryJSON []byte, vm string) []string {
	var problems []string
	fail := func(format string, args ...any) { problems = append(problems, name+": "+fmt.Sprintf(format, args...)) }
	sub, err := host.subscribe(ctx, path, queryJSON)
	if err != nil {
		fail("SubscribeStream: %v", err)
		return problems
	}
	if sub.Status != backend.SubscribeStreamStatusOK {
		fail("SubscribeStream status %v", sub.Status)
		return problems
	}
	want, _ := provisioning.ExpectedFields(queryJSON)
	streamCtx, stop := context.WithTimeout(ctx, time.Minute)
	defer stop()
	started := time.Now()
	var got []time.Time // the newest sample time of each frame
	err = host.runStream(streamCtx, path, queryJSON, func(p *backend.StreamPacket) {
		var frame data.Frame
		if err := json.Unmarshal(p.Data, &frame); err != nil {
			fail("packet is not a frame: %v", err)
			return
		}
		refs, _ := frame.FieldByName("ref")
		tf, _ := frame.FieldByName("time")
		if refs == nil || tf == nil {
			fail("streamed frame is no fleet frame (have %s)", fieldNames(&frame))
			return
		}
		row := -1
		for i := 0; i < refs.Len(); i++ {
			if ref, _ := refs.ConcreteAt(i); vmOfFrame(fmt.Sprint(ref)) == vm {
				row = i
			}
		}
		if row < 0 {
			fail("streamed frame has no row of %s", vm)
			return
		}
		for _, field := range want {
			if f, _ := frame.FieldByName(field); f == nil {
				fail("streamed frame lacks %s (have %s)", field, fieldNames(&frame))
			}
		}
		ts, _ := tf.ConcreteAt(row)
		got = append(got, ts.(time.Time))
		if len(got) >= 3 && got[len(got)-1].After(got[0]) {
			stop()
		}
	})
	elapsed := time.Since(started)
	if err != nil {
		fail("RunStream: %v", err)
		return problems
	}
	// One frame a second: at least 3, and no more than the seconds elapsed allow
	// (+1 for the first, sent at once, +1 for a tick delayed by a slow read).
	if len(got) < 3 || len(got) > int(elapsed/time.Second)+2 {
		fail("%d frames in %s, want at least 3 and one a second at most", len(got), elapsed.Round(100*time.Millisecond))
		return problems
	}
	if !got[len(got)-1].After(got[0]) {
		fail("the sample time did not move (%v .. %v)", got[0], got[len(got)-1])
	}
	return problems
}

// checkAlertRules evaluates every provisioned rule once as Grafana's
// scheduler would: QueryData with FromAlert, the answer read by the sse
// mirror (nothing may be skipped), then the rule's reduce and threshold.
// Every rule must give exactly one instance per VM, labelled with it.
func checkAlertRules(t *testing.T, ctx context.Context, host *pluginHost, repo string, vms vmSet) {
	rules := readAlertRules(t, repo)
	for _, rule := range rules {
		t.Run(rule.UID, func(t *testing.T) {
			ev := evaluateRule(t, ctx, host, rule, time.Now())
			var labelled []string
			for _, inst := range ev.Instances {
				labelled = append(labelled, inst.Labels["vm"])
			}
			if err := vms.check("instances by vm label", labelled); err != nil {
				t.Fatalf("%v; instances %v", err, provisioning.InstanceLabels(ev.Instances))
			}
			t.Logf("%s: %v", rule.UID, provisioning.InstanceLabels(ev.Instances))
		})
	}
}

func evaluateRule(t *testing.T, ctx context.Context, host *pluginHost, rule provisioning.AlertRule, now time.Time) provisioning.Evaluation {
	t.Helper()
	headers, queries, err := rule.Request(datasourceUID, now)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := host.queryData(ctx, headers, queries)
	if err != nil {
		t.Fatal(err)
	}
	ev, err := rule.Evaluate(resp)
	if err != nil {
		t.Fatalf("rule %s: %v", rule.UID, err)
	}
	for ref, conv := range ev.Conversions {
		if len(conv.Ignored) > 0 {
			t.Fatalf("rule %s query %s: Grafana reads the answer as %s and skips %d frame(s)/field(s) (%v): "+
				"those VMs never reach the rule", rule.UID, ref, conv.Path, len(conv.Ignored), conv.Ignored)
		}
	}
	return ev
}

// checkNoSecretInLogs reads what the plugin and the exporter logged during
// the run: the InfluxDB token must appear in neither.
func checkNoSecretInLogs(t *testing.T, repo string, influx *testenv.InfluxServer) {
	if influx.Token == "" {
		t.Skip("InfluxDB 1.8 runs without a token")
	}
	for _, name := range []string{"plugin.log", "exporter.log"} {
		content, err := os.ReadFile(filepath.Join(artifactDir(t, repo), name))
		if err != nil {
			t.Fatal(err)
		}
		if len(content) == 0 {
			t.Errorf("%s is empty: nothing was checked", name)
		}
		if strings.Contains(string(content), influx.Token) {
			t.Errorf("%s contains the InfluxDB token", name)
		}
	}
}

func getResource(t *testing.T, ctx context.Context, host *pluginHost, path string, into any) {
	t.Helper()
	res, err := host.callResource(ctx, path, "")
	if err != nil {
		t.Fatalf("resource %s: %v", path, err)
	}
	if res.Status != http.StatusOK {
		t.Fatalf("resource %s: status %d: %s", path, res.Status, res.Body)
	}
	if err := json.Unmarshal(res.Body, into); err != nil {
		t.Fatalf("resource %s: %v: %s", path, err, res.Body)
	}
}

func readDashboard(t *testing.T, repo string) *provisioning.Dashboard {
	t.Helper()
	d, err := provisioning.ReadDashboard(filepath.Join(repo, "provisioning/dashboards/vm-telemetry.json"))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func readAlertRules(t *testing.T, repo string) []provisioning.AlertRule {
	t.Helper()
	rules, err := provisioning.ReadAlertRules(filepath.Join(repo, "provisioning/alerting/vm-telemetry-rules.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(rules) == 0 {
		t.Fatal("no provisioned alert rule")
	}
	return rules
}

// provisionedSettings reads provisioning/datasources with Grafana's
// substitution, the environment being that of the compose stack (.env)
// pointed at the test InfluxDB. The url is the one thing replaced: the
// file names the compose host "influxdb", which only resolves in compose.
func provisionedSettings(t *testing.T, repo string, influx *testenv.InfluxServer) *backend.DataSourceInstanceSettings {
	t.Helper()
	// The compose stack's read-only user (2.7 only).
	env := map[string]string{"INFLUX_READER_USER": influx.Env["INFLUX_READER_USER"], "INFLUX_READER_PASSWORD": influx.Env["INFLUX_READER_PASSWORD"]}
	if env["INFLUX_READER_USER"] == "" {
		// InfluxDB 1.8 here runs without authentication and ignores the user,
		// but the provisioned data source asks for one.
		env["INFLUX_READER_USER"], env["INFLUX_READER_PASSWORD"] = "unused-by-influxdb-1.8", "unused"
	}
	all, err := provisioning.ReadDataSources(filepath.Join(repo, "provisioning/datasources"), func(k string) (string, bool) {
		v, ok := env[k]
		return v, ok
	})
	if err != nil {
		t.Fatal(err)
	}
	ds, err := provisioning.FindDataSource(all, datasourceUID)
	if err != nil {
		t.Fatal(err)
	}
	ds.URL = influx.URL
	settings, err := ds.InstanceSettings(1, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return settings
}

func nonNull(f *data.Field) int {
	n := 0
	for i := 0; i < f.Len(); i++ {
		v, err := f.NullableFloatAt(i)
		if err == nil && v != nil && !math.IsNaN(*v) {
			n++
		}
	}
	return n
}

func frameNames(frames data.Frames) string {
	var names []string
	for _, f := range frames {
		names = append(names, f.Name)
	}
	return "[" + strings.Join(names, ", ") + "]"
}

func fieldNames(f *data.Frame) string {
	var names []string
	for _, field := range f.Fields {
		names = append(names, field.Name)
	}
	return strings.Join(names, ", ")
}

func deref(v *float64) any {
	if v == nil {
		return "null"
	}
	return *v
}

func repoRoot(t *testing.T) string {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Dir(wd)
}

func artifactDir(t *testing.T, repo string) string {
	dir := filepath.Join(repo, "test-artifacts/e2e")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}
