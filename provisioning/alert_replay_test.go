//go:build integration

package provisioning_test

import (
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	rules "github.com/vmtelemetry/libvirt-datasource/e2e/provisioning"
	"github.com/vmtelemetry/libvirt-datasource/e2e/sse"
	"github.com/vmtelemetry/libvirt-datasource/internal/grafanahost"
	"github.com/vmtelemetry/libvirt-datasource/internal/testenv"
)

// recordingFile holds real QEMU guests sampled every second by the
// exporter (scripts/alerting/record.sh): idle, busy (cpu), ramp and
// memclimb, with the times the guests' loads began to climb.
const recordingFile = "../testdata/alert-replay/guests.json.gz"

type recording struct {
	Recorded string `json:"recorded"`
	VMs      []struct {
		VM      string           `json:"vm"`
		Load    string           `json:"load"`
		Host    string           `json:"host"`
		UUID    string           `json:"uuid"`
		Samples [][3]*float64    `json:"samples"`
		Events  []recordingEvent `json:"events"`
	} `json:"vms"`
}

type recordingEvent struct {
	TimeMs int64  `json:"time_ms"`
	Line   string `json:"line"`
}

func readRecording(t *testing.T) recording {
	t.Helper()
	f, err := os.Open(recordingFile)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	z, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var rec recording
	if err := json.NewDecoder(z).Decode(&rec); err != nil {
		t.Fatalf("%s: %v", recordingFile, err)
	}
	if len(rec.VMs) < 4 {
		t.Fatalf("%s holds %d VMs, want idle, busy, ramp and memclimb", recordingFile, len(rec.VMs))
	}
	return rec
}

// lineProtocol writes the samples as the exporter wrote them.
func (rec recording) lineProtocol() (lines string, first, last time.Time) {
	var b strings.Builder
	for _, vm := range rec.VMs {
		for _, s := range vm.Samples {
			var fields []string
			if s[1] != nil {
				fields = append(fields, fmt.Sprintf("cpu_usage_percent=%v", *s[1]))
			}
			if s[2] != nil {
				fields = append(fields, fmt.Sprintf("memory_usage_percent=%v", *s[2]))
			}
			if len(fields) == 0 {
				continue
			}
			at := time.UnixMilli(int64(*s[0])).UTC()
			if first.IsZero() || at.Before(first) {
				first = at
			}
			if at.After(last) {
				last = at
			}
			fmt.Fprintf(&b, "vm_telemetry,vm=%s,host=%s,uuid=%s %s,domain_id=1i %d\n", vm.VM, vm.Host, vm.UUID, strings.Join(fields, ","), at.UnixNano())
		}
	}
	return b.String(), first, last
}

// climbs are the times a load of the given kind began to climb, per VM.
func (rec recording) climbs(prefix string) map[string][]time.Time {
	out := map[string][]time.Time{}
	for _, vm := range rec.VMs {
		for _, e := range vm.Events {
			if strings.HasPrefix(e.Line, prefix) {
				out[vm.VM] = append(out[vm.VM], time.UnixMilli(e.TimeMs).UTC())
			}
		}
	}
	return out
}

// climbScenario is what a rate rule promises: the VMs of this load climb
// for climbFor from each climb start (an event line of the guest) and must
// fire within fireWithin of it, and be resolved before the next climb.
// fireWithin is the rule's own bound, window + for + one group interval (a
// climb steeper than the threshold crosses it before the window is full).
type climbScenario struct {
	load       string
	event      string
	climbFor   time.Duration
	window     time.Duration
	fireWithin time.Duration
}

// rateRuleScenarios: each rate rule and the climbs it must catch (the
// guests' loads of scripts/guest/init.sh: 120 s of climbing).
var rateRuleScenarios = map[string]climbScenario{
	"vmt-cpu-rate-rising":    {load: "ramp", event: "ramp: rising", climbFor: 120 * time.Second},
	"vmt-memory-rate-rising": {load: "memclimb", event: "memclimb: rising", climbFor: 120 * time.Second},
}

// scenarioOf completes a rule's scenario with its window and bound.
func scenarioOf(rule rules.AlertRule, timing sse.RuleTiming, interval time.Duration) (climbScenario, bool) {
	scenario, ok := rateRuleScenarios[rule.UID]
	if !ok {
		return scenario, false
	}
	for _, n := range rule.QueryNodes() {
		if w, ok := n.Model["rateWindowSeconds"].(int); ok {
			scenario.window = time.Duration(w) * time.Second
		}
	}
	scenario.fireWithin = scenario.window + timing.For + interval
	return scenario, true
}

// TestAlertRulesReplayRecordedGuests evaluates every provisioned rule as
// Grafana's scheduler would, once per group interval, over the recorded
// real guests and then 12 minutes past their last sample (the exporter
// stopped): QueryData on the launched plugin executable against InfluxDB
// 1.8 holding the recording, the sse mirror of reduce/threshold (with the
// recovery threshold), and the sse mirror of ngalert's state machine
// (for, keepFiringFor, NoData, Error, missing series). It reports time to
// fire and false firings per scenario and asserts what the rules promise.
func TestAlertRulesReplayRecordedGuests(t *testing.T) {
	rec := readRecording(t)
	srv := testenv.StartInflux(t, testenv.InfluxV18)
	lines, first, last := rec.lineProtocol()
	srv.Write(t, lines)

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	plugin := testenv.LaunchPlugin(t, grafanahost.Options{})
	pc := grafanahost.DataSource{UID: "vm-telemetry", URL: srv.URL,
		JSONData: map[string]any{"database": srv.Database, "measurement": "vm_telemetry", "timeoutSeconds": 30}}.PluginContext()

	all, err := rules.ReadAlertRules(filepath.Join("alerting", "vm-telemetry-rules.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	loads := map[string]string{}
	for _, vm := range rec.VMs {
		loads[vm.VM] = vm.Load
	}
	stopped := last.Add(12 * time.Minute)
	var report []string
	var replay []replayedRule
	for _, rule := range all {
		timing, interval, err := rule.Timing()
		if err != nil {
			t.Fatal(err)
		}
		state := sse.NewRuleState(timing)
		var transitions []sse.Transition
		evaluations := 0
		// Evaluations aligned to the group interval, as Grafana's ticker.
		for now := first.Truncate(interval).Add(interval); !now.After(stopped); now = now.Add(interval) {
			headers, queries, err := rule.Request("vm-telemetry", now)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := plugin.QueryData(ctx, &backend.QueryDataRequest{PluginContext: pc, Headers: headers, Queries: queries})
			if err != nil {
				t.Fatalf("%s at %v: %v", rule.UID, now, err)
			}
			ev, evalErr := rule.EvaluateLoaded(resp, state.Loaded())
			if evalErr == nil && now.Before(last) {
				checkOneInstancePerVM(t, rule.UID, now, ev.Instances, loads)
			}
			transitions = append(transitions, state.Evaluate(now, ev.Instances, evalErr)...)
			evaluations++
		}
		report = append(report, fmt.Sprintf("%s: %d evaluations every %v from %s to %s (data until %s)",
			rule.UID, evaluations, interval, first.Format(time.TimeOnly), stopped.Format(time.TimeOnly), last.Format(time.TimeOnly)))
		for _, tr := range transitions {
			if tr.To == sse.Error {
				t.Errorf("%s: %s went to Error at %v: an alert must never page for a data source error here", rule.UID, tr.Labels, tr.At)
			}
		}
		replay = append(replay, replayedRuleOf(rule, transitions))
		scenario, isRate := scenarioOf(rule, timing, interval)
		report = append(report, checkScenarios(t, rule.UID, scenario, isRate, rec, loads, transitions, first, last)...)
		report = append(report, checkExporterStopped(t, rule.UID, state, transitions, last)...)
		if rule.UID == staleRule {
			report = append(report, checkStale(t, rule, timing, interval, loads, transitions, last)...)
		}
	}
	for _, line := range report {
		t.Log(line)
	}
	// For scripts/alerting/plot.py (the README's picture) and the notes.
	if dir := os.Getenv("VMT_REPLAY_OUT"); dir != "" {
		raw, err := json.MarshalIndent(replay, "", " ")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "replay.json"), raw, 0o644); err != nil {
			t.Error(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "replay.txt"), []byte(strings.Join(report, "\n")+"\n"), 0o644); err != nil {
			t.Error(err)
		}
	}
}

// replayedRule is what the plot needs of a rule and its replay.
type replayedRule struct {
	UID         string           `json:"uid"`
	Query       map[string]any   `json:"query"`
	Threshold   map[string]any   `json:"threshold"`
	Transitions []replayedChange `json:"transitions"`
}

type replayedChange struct {
	TimeMs int64  `json:"time_ms"`
	VM     string `json:"vm"`
	From   string `json:"from"`
	To     string `json:"to"`
}

func replayedRuleOf(rule rules.AlertRule, transitions []sse.Transition) replayedRule {
	out := replayedRule{UID: rule.UID}
	for _, n := range rule.Data {
		switch {
		case n.DatasourceUID != rules.ExprUID:
			out.Query = n.Model
		case n.Model["type"] == "threshold":
			out.Threshold = n.Model
		}
	}
	for _, tr := range transitions {
		out.Transitions = append(out.Transitions, replayedChange{TimeMs: tr.At.UnixMilli(), VM: vmOf(tr.Labels), From: string(tr.From), To: string(tr.To)})
	}
	return out
}

// checkOneInstancePerVM: every evaluation while data flows gives exactly one
// instance per recorded VM, with the VM's labels (sse.Instances already
// refuses duplicate label sets, as Grafana does).
func checkOneInstancePerVM(t *testing.T, uid string, now time.Time, instances []sse.Instance, loads map[string]string) {
	t.Helper()
	count := map[string]int{}
	for _, inst := range instances {
		count[inst.Labels["vm"]]++
	}
	for vm := range loads {
		if count[vm] > 1 {
			t.Errorf("%s at %v: %d instances for VM %s", uid, now, count[vm], vm)
		}
	}
	for vm := range count {
		if _, known := loads[vm]; !known {
			t.Errorf("%s at %v: an instance for %q, which is no recorded VM", uid, now, vm)
		}
	}
}

// checkScenarios reports, per VM, the firings (transitions to Alerting) of
// the rule; a firing is true when it falls within a climb the rule must
// catch (from its start to its end plus the promised delay), false
// otherwise. Rate rules must catch every climb in time, resolve before the
// next one, and never fire falsely.
func checkScenarios(t *testing.T, uid string, scenario climbScenario, isRate bool, rec recording, loads map[string]string, transitions []sse.Transition, first, last time.Time) []string {
	t.Helper()
	climbs := map[string][]time.Time{}
	if isRate {
		climbs = rec.climbs(scenario.event)
	}
	firings := map[string][]time.Time{}
	resolutions := map[string][]time.Time{}
	for _, tr := range transitions {
		vm := vmOf(tr.Labels)
		switch {
		case tr.To == sse.Alerting && tr.From != sse.Recovering:
			firings[vm] = append(firings[vm], tr.At)
		case tr.To == sse.Normal && (tr.From == sse.Alerting || tr.From == sse.Recovering):
			resolutions[vm] = append(resolutions[vm], tr.At)
		}
	}
	var lines []string
	vms := make([]string, 0, len(loads))
	for vm := range loads {
		vms = append(vms, vm)
	}
	sort.Strings(vms)
	for _, vm := range vms {
		var caught []string
		falseFirings := 0
		used := map[int]bool{}
		for _, fired := range firings[vm] {
			matched := false
			for i, start := range climbs[vm] {
				if !fired.Before(start) && !fired.After(start.Add(scenario.climbFor+scenario.fireWithin)) {
					matched = true
					if !used[i] {
						used[i] = true
						caught = append(caught, fmt.Sprintf("climb %d fired after %v", i+1, fired.Sub(start).Round(time.Second)))
					}
				}
			}
			if !matched {
				falseFirings++
			}
		}
		line := fmt.Sprintf("  %s / %s (%s): %d firings", uid, vm, loads[vm], len(firings[vm]))
		if isRate {
			line += fmt.Sprintf(", %d false", falseFirings)
		}
		if len(caught) > 0 {
			line += ": " + strings.Join(caught, ", ")
		}
		lines = append(lines, line)
		if !isRate {
			continue
		}
		if falseFirings > 0 {
			t.Errorf("%s: %d false firing(s) on %s (%s) at %v", uid, falseFirings, vm, loads[vm], firings[vm])
		}
		for i, start := range climbs[vm] {
			// Only climbs the recording holds from a window before their start to their
			// end and the promised delay.
			if start.Add(-scenario.window).Before(first) || start.Add(scenario.climbFor+scenario.fireWithin).After(last) {
				lines = append(lines, fmt.Sprintf("    climb %d of %s (%v after the first sample) is not whole in the recording: reported, not judged",
					i+1, vm, start.Sub(first).Round(time.Second)))
				continue
			}
			var fired *time.Time
			for _, f := range firings[vm] {
				if !f.Before(start) {
					fired = &f
					break
				}
			}
			if fired == nil || fired.Sub(start) > scenario.fireWithin {
				t.Errorf("%s: climb %d of %s (from %v) did not fire within %v (fired: %v)", uid, i+1, vm, start, scenario.fireWithin, fired)
				continue
			}
			resolved := false
			for _, r := range resolutions[vm] {
				if r.After(*fired) && (i+1 >= len(climbs[vm]) || r.Before(climbs[vm][i+1])) {
					resolved = true
					lines = append(lines, fmt.Sprintf("    climb %d of %s resolved %v after its start", i+1, vm, r.Sub(start).Round(time.Second)))
					break
				}
			}
			if !resolved && (i+1 < len(climbs[vm])) {
				t.Errorf("%s: climb %d of %s fired but did not resolve before the next climb", uid, i+1, vm)
			}
		}
	}
	return lines
}

// checkExporterStopped: after the last sample, the rate rules end in
// NoData (the rule-level instance) with every VM's instance resolved,
// never in Error.
func checkExporterStopped(t *testing.T, uid string, state *sse.RuleState, transitions []sse.Transition, last time.Time) []string {
	t.Helper()
	var noData *time.Time
	for _, tr := range transitions {
		if tr.To == sse.NoData && tr.At.After(last) && noData == nil {
			at := tr.At
			noData = &at
		}
	}
	final := state.Instances()
	var states []string
	for _, inst := range final {
		states = append(states, fmt.Sprintf("{%s}=%s", inst.Labels, inst.State))
	}
	if noData == nil {
		t.Errorf("%s: no NoData after the exporter stopped; instances at the end: %v", uid, states)
		return nil
	}
	if len(final) != 1 || final[0].State != sse.NoData || len(final[0].Labels) != 0 {
		t.Errorf("%s: at the end, instances %v; want only the rule's NoData instance", uid, states)
	}
	return []string{fmt.Sprintf("  %s: exporter stopped: NoData %v after the last sample, never Error; at the end %v",
		uid, noData.Sub(last).Round(time.Second), states)}
}

// staleRule says when a VM's telemetry stopped.
const staleRule = "vmt-telemetry-stale"

// checkStale: while samples flow the stale rule never fires; after the
// last sample it fires for every VM within its threshold (seconds) + for +
// one interval.
func checkStale(t *testing.T, rule rules.AlertRule, timing sse.RuleTiming, interval time.Duration, loads map[string]string, transitions []sse.Transition, last time.Time) []string {
	t.Helper()
	var threshold float64
	for _, n := range rule.Data {
		if n.Model["type"] == "threshold" {
			cond := n.Model["conditions"].([]any)[0].(map[string]any)
			threshold = float64(cond["evaluator"].(map[string]any)["params"].([]any)[0].(int))
		}
	}
	bound := time.Duration(threshold)*time.Second + timing.For + interval
	fired := map[string]time.Time{}
	for _, tr := range transitions {
		if tr.To != sse.Alerting {
			continue
		}
		vm := vmOf(tr.Labels)
		if !tr.At.After(last) {
			t.Errorf("%s: %s fired at %v while its samples still flowed", rule.UID, vm, tr.At)
			continue
		}
		if _, seen := fired[vm]; !seen {
			fired[vm] = tr.At
		}
	}
	var lines []string
	for vm := range loads {
		at, ok := fired[vm]
		if !ok || at.Sub(last) > bound {
			t.Errorf("%s: %s did not fire within %v of its last sample (fired: %v)", rule.UID, vm, bound, at)
			continue
		}
		lines = append(lines, fmt.Sprintf("  %s / %s: fired %v after the last sample (bound %v)", rule.UID, vm, at.Sub(last).Round(time.Second), bound))
	}
	sort.Strings(lines)
	return lines
}

// vmOf reads vm=<name> out of a label string.
func vmOf(labels string) string {
	for _, part := range strings.Split(labels, ", ") {
		if name, ok := strings.CutPrefix(part, "vm="); ok {
			return name
		}
	}
	return "(rule)"
}
