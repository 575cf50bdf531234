package provisioning_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-foundation-sdk/go/alerting"
	"github.com/grafana/grafana-foundation-sdk/go/expr"
	"go.yaml.in/yaml/v3"
)

const alertRulesFile = "alerting/vm-telemetry-rules.yaml"

// alertRulesFileV1 is Grafana's file-provisioning format of alert rules
// (apiVersion 1; Grafana's AlertRuleGroupV1/AlertRuleV1/QueryV1). The keys are
// those Grafana reads; any other key is refused here, as Grafana would ignore it.
type alertRulesFileV1 struct {
	APIVersion  int                `yaml:"apiVersion"`
	Groups      []alertRuleGroupV1 `yaml:"groups"`
	DeleteRules []struct {
		OrgID int64  `yaml:"orgId"`
		UID   string `yaml:"uid"`
	} `yaml:"deleteRules"`
}

type alertRuleGroupV1 struct {
	OrgID    int64         `yaml:"orgId"`
	Name     string        `yaml:"name"`
	Folder   string        `yaml:"folder"`
	Interval string        `yaml:"interval"`
	Rules    []alertRuleV1 `yaml:"rules"`
}

type alertRuleV1 struct {
	UID          string         `yaml:"uid"`
	Title        string         `yaml:"title"`
	Condition    string         `yaml:"condition"`
	Data         []alertQueryV1 `yaml:"data"`
	DashboardUID string         `yaml:"dashboardUid"`
	PanelID      int64          `yaml:"panelId"`
	NoDataState  string         `yaml:"noDataState"`
	ExecErrState string         `yaml:"execErrState"`
	For          string         `yaml:"for"`
	// KeepFiringFor: camelCase in Grafana's file format (AlertRuleV1), keep_firing_for in its API.
	KeepFiringFor string            `yaml:"keepFiringFor"`
	Annotations   map[string]string `yaml:"annotations"`
	Labels        map[string]string `yaml:"labels"`
	IsPaused      bool              `yaml:"isPaused"`
}

type alertQueryV1 struct {
	RefID             string `yaml:"refId"`
	QueryType         string `yaml:"queryType"`
	RelativeTimeRange *struct {
		From int64 `yaml:"from"`
		To   int64 `yaml:"to"`
	} `yaml:"relativeTimeRange"`
	DatasourceUID string         `yaml:"datasourceUid"`
	Model         map[string]any `yaml:"model"`
}

// expectedRule is what each provisioned rule must say. A rate rule reads
// windowed angles (window > 0) and must have a recovery threshold below its
// threshold; the numbers themselves are proven by alert_replay_test.go.
type expectedRule struct {
	metric   string
	output   string
	reducers []expr.TypeReduceReducer
	window   float64
	recovery bool
}

var expectedRules = map[string]expectedRule{
	"vmt-cpu-rate-rising":    {"cpu_usage_percent", "rate", []expr.TypeReduceReducer{expr.TypeReduceReducerLast}, 120, true},
	"vmt-memory-rate-rising": {"memory_usage_percent", "rate", []expr.TypeReduceReducer{expr.TypeReduceReducerLast}, 60, true},
	"vmt-telemetry-stale":    {"domain_id", "age", []expr.TypeReduceReducer{expr.TypeReduceReducerLast}, 0, false},
	"vmt-cpu-usage-high":     {"cpu_usage_percent", "value", []expr.TypeReduceReducer{expr.TypeReduceReducerMean}, 0, false},
}

// Grafana evaluates rules on a 10 s base interval: group intervals are multiples of it.
const alertBaseInterval = 10 * time.Second

func loadAlertRules(t *testing.T) alertRulesFileV1 {
	t.Helper()
	raw, err := os.ReadFile(alertRulesFile)
	if err != nil {
		t.Fatal(err)
	}
	var file alertRulesFileV1
	decoder := yaml.NewDecoder(bytes.NewReader(raw))
	decoder.KnownFields(true)
	if err := decoder.Decode(&file); err != nil {
		t.Fatalf("%s is not Grafana's alert rule provisioning format: %v", alertRulesFile, err)
	}
	return file
}

func TestAlertRulesFile(t *testing.T) {
	file := loadAlertRules(t)
	if file.APIVersion != 1 {
		t.Errorf("apiVersion %d, want 1", file.APIVersion)
	}
	seen := map[string]bool{}
	for _, group := range file.Groups {
		interval, err := time.ParseDuration(group.Interval)
		if err != nil || interval <= 0 || interval%alertBaseInterval != 0 {
			t.Errorf("group %s: interval %q is not a positive multiple of %v", group.Name, group.Interval, alertBaseInterval)
		}
		if group.Folder == "" || group.Name == "" || group.OrgID != 1 {
			t.Errorf("group %q: folder %q, orgId %d: each group needs a name, a folder and org 1", group.Name, group.Folder, group.OrgID)
		}
		apiRules := make([]json.RawMessage, 0, len(group.Rules))
		for _, rule := range group.Rules {
			if seen[rule.UID] {
				t.Errorf("rule uid %s twice", rule.UID)
			}
			seen[rule.UID] = true
			t.Run(rule.UID, func(t *testing.T) {
				apiRules = append(apiRules, checkAlertRule(t, group, interval, rule))
			})
		}
		checkRuleGroupWithSDK(t, group, interval, apiRules)
	}
	for uid := range expectedRules {
		if !seen[uid] {
			t.Errorf("rule %s is missing", uid)
		}
	}
}

// checkAlertRule checks one rule and returns it in the form of Grafana's
// provisioning API, as Grafana converts a file rule to its model.
func checkAlertRule(t *testing.T, group alertRuleGroupV1, interval time.Duration, rule alertRuleV1) json.RawMessage {
	want, known := expectedRules[rule.UID]
	if !known {
		t.Fatalf("rule %s is not one this test knows: add its expectations", rule.UID)
	}

	// Through the foundation SDK's alerting.Rule, strictly, with the keys
	// Grafana adds from the group (folder, group name, org).
	data := make([]map[string]any, 0, len(rule.Data))
	for _, q := range rule.Data {
		entry := map[string]any{"refId": q.RefID, "datasourceUid": q.DatasourceUID, "model": q.Model}
		if q.QueryType != "" {
			entry["queryType"] = q.QueryType
		}
		if q.RelativeTimeRange != nil {
			entry["relativeTimeRange"] = map[string]int64{"from": q.RelativeTimeRange.From, "to": q.RelativeTimeRange.To}
		}
		data = append(data, entry)
	}
	apiRule, err := json.Marshal(map[string]any{
		"uid": rule.UID, "title": rule.Title, "condition": rule.Condition, "data": data,
		"noDataState": rule.NoDataState, "execErrState": rule.ExecErrState, "for": rule.For, "keep_firing_for": rule.KeepFiringFor,
		"annotations": rule.Annotations, "labels": rule.Labels, "isPaused": rule.IsPaused,
		"folderUID": group.Folder, "ruleGroup": group.Name, "orgID": group.OrgID,
	})
	if err != nil {
		t.Fatal(err)
	}
	var sdkRule alerting.Rule
	if err := strictError(sdkRule.UnmarshalJSONStrict(apiRule)); err != nil {
		t.Fatalf("does not fit the foundation SDK's alerting.Rule: %v", err)
	}
	if err := sdkRule.Validate(); err != nil {
		t.Errorf("fails alerting.Rule's constraints: %v", err)
	}
	if !slices.Contains([]alerting.RuleNoDataState{alerting.RuleNoDataStateOK, alerting.RuleNoDataStateAlerting,
		alerting.RuleNoDataStateNoData, alerting.RuleNoDataStateKeepLast}, sdkRule.NoDataState) {
		t.Errorf("noDataState %q is not one Grafana knows", sdkRule.NoDataState)
	}
	if !slices.Contains([]alerting.RuleExecErrState{alerting.RuleExecErrStateOK, alerting.RuleExecErrStateAlerting,
		alerting.RuleExecErrStateError, alerting.RuleExecErrStateKeepLast}, sdkRule.ExecErrState) {
		t.Errorf("execErrState %q is not one Grafana knows", sdkRule.ExecErrState)
	}
	if sdkRule.IsPaused != nil && *sdkRule.IsPaused {
		t.Error("the rule is paused")
	}

	// for: how long the condition must hold; keepFiringFor: how long it keeps firing after.
	forDur, err := time.ParseDuration(rule.For)
	if err != nil {
		t.Errorf("for %q: %v", rule.For, err)
	} else if forDur < interval {
		t.Errorf("for %v is shorter than the group interval %v", forDur, interval)
	}
	if rule.KeepFiringFor != "" {
		if keep, err := time.ParseDuration(rule.KeepFiringFor); err != nil || keep%alertBaseInterval != 0 {
			t.Errorf("keepFiringFor %q is not a multiple of %v", rule.KeepFiringFor, alertBaseInterval)
		}
	}

	// Labels: routing labels only; the VM's own labels come from the series.
	if rule.Labels["severity"] == "" {
		t.Error("no severity label")
	}
	for _, key := range []string{"vm", "host", "uuid", "field"} {
		if _, ok := rule.Labels[key]; ok {
			t.Errorf("label %s is set on the rule: it would overwrite the per-VM label of each instance", key)
		}
	}
	if !strings.Contains(rule.Annotations["summary"], "$labels.vm") {
		t.Errorf("summary %q does not name the VM ({{ $labels.vm }})", rule.Annotations["summary"])
	}

	checkAlertChain(t, rule, want)
	return apiRule
}

// checkAlertChain checks data = [A our query, B reduce(A), C threshold(B)] and condition C.
func checkAlertChain(t *testing.T, rule alertRuleV1, want expectedRule) {
	byRef := map[string]alertQueryV1{}
	for _, q := range rule.Data {
		if _, dup := byRef[q.RefID]; dup {
			t.Errorf("refId %s twice", q.RefID)
		}
		byRef[q.RefID] = q
		if refID, _ := q.Model["refId"].(string); refID != q.RefID {
			t.Errorf("data %s: model.refId %q differs", q.RefID, refID)
		}
	}
	if len(rule.Data) != 3 {
		t.Fatalf("%d data entries, want query, reduce and threshold", len(rule.Data))
	}

	condition, ok := byRef[rule.Condition]
	if !ok {
		t.Fatalf("condition %q names no data entry", rule.Condition)
	}
	var threshold expr.TypeThreshold
	decodeExpression(t, condition, "threshold", &threshold)
	if len(threshold.Conditions) != 1 {
		t.Fatalf("threshold %s has %d conditions, want 1", condition.RefID, len(threshold.Conditions))
	}
	evaluator := threshold.Conditions[0].Evaluator
	if evaluator.Type != expr.ExprTypeThresholdConditionsEvaluatorTypeGt || len(evaluator.Params) != 1 {
		t.Errorf("threshold is %s %v, want gt and one value", evaluator.Type, evaluator.Params)
	}
	// A recovery threshold (Grafana's unloadEvaluator): firing instances recover only below it.
	if unload := threshold.Conditions[0].UnloadEvaluator; want.recovery {
		if unload == nil || unload.Type != expr.ExprTypeThresholdConditionsUnloadEvaluatorTypeLt || len(unload.Params) != 1 ||
			len(evaluator.Params) != 1 || unload.Params[0] >= evaluator.Params[0] {
			t.Errorf("recovery threshold %+v: want lt, below the threshold %v", unload, evaluator.Params)
		}
	} else if unload != nil {
		t.Errorf("recovery threshold %+v on a rule that needs none", unload)
	}

	reduceEntry, ok := byRef[threshold.Expression]
	if !ok {
		t.Fatalf("threshold reads %q, no data entry", threshold.Expression)
	}
	// Grafana refuses a threshold on unreduced series ("only reduced data can be alerted on").
	var reduce expr.TypeReduce
	decodeExpression(t, reduceEntry, "reduce", &reduce)
	if !slices.Contains(want.reducers, reduce.Reducer) {
		t.Errorf("reducer %s, want one of %v", reduce.Reducer, want.reducers)
	}
	if reduce.Settings == nil || reduce.Settings.Mode != expr.ExprTypeReduceSettingsModeDropNN {
		t.Error("reduce must drop non-numbers: the first point and gaps have a null rate")
	}

	queryEntry, ok := byRef[reduce.Expression]
	if !ok {
		t.Fatalf("reduce reads %q, no data entry", reduce.Expression)
	}
	checkAlertQuery(t, queryEntry, want)
}

func decodeExpression(t *testing.T, entry alertQueryV1, kind string, into interface{ UnmarshalJSONStrict([]byte) error }) {
	t.Helper()
	if entry.DatasourceUID != "__expr__" {
		t.Fatalf("%s: datasourceUid %q, want __expr__ for a %s expression", entry.RefID, entry.DatasourceUID, kind)
	}
	if entry.Model["type"] != kind {
		t.Fatalf("%s is a %v expression, want %s", entry.RefID, entry.Model["type"], kind)
	}
	raw, err := json.Marshal(entry.Model)
	if err != nil {
		t.Fatal(err)
	}
	// The foundation SDK's server-side expression types, strictly.
	if err := strictError(into.UnmarshalJSONStrict(raw)); err != nil {
		t.Fatalf("%s does not fit the foundation SDK's %s expression: %v", entry.RefID, kind, err)
	}
}

// checkAlertQuery: one metric, one output, every VM. The backend then answers
// one frame per VM with a single numeric field labelled vm/host/uuid, which is
// one series and one alert instance per VM.
func checkAlertQuery(t *testing.T, entry alertQueryV1, want expectedRule) {
	if entry.DatasourceUID != "vm-telemetry" {
		t.Errorf("%s: datasourceUid %q, want the provisioned vm-telemetry", entry.RefID, entry.DatasourceUID)
	}
	raw, err := json.Marshal(entry.Model)
	if err != nil {
		t.Fatal(err)
	}
	q, err := decodeMetricsQuery(raw)
	if err != nil {
		t.Fatalf("%s: %v", entry.RefID, err)
	}
	checkWithBackend(t, entry.RefID, raw)
	if q.Datasource == nil || q.Datasource.UID != "vm-telemetry" {
		t.Errorf("%s: model datasource %+v, want uid vm-telemetry", entry.RefID, q.Datasource)
	}
	if q.VMMode != "all" {
		t.Errorf("%s: vmMode %q, want all (one instance per VM, new VMs included)", entry.RefID, q.VMMode)
	}
	if len(q.Metrics) != 1 || len(q.Outputs) != 1 {
		t.Errorf("%s: metrics %v outputs %v: name exactly one of each", entry.RefID, q.Metrics, q.Outputs)
	}
	fields := q.valueFields()
	wantField := want.metric + map[string]string{"value": "", "rate": "_rate", "per_second": "_per_second", "age": "_age"}[want.output]
	if !slices.Equal(fields, []string{wantField}) {
		t.Errorf("%s returns fields %v, want exactly [%s]", entry.RefID, fields, wantField)
	}
	if q.Live {
		t.Errorf("%s: live is a panel option; alert queries are range queries", entry.RefID)
	}
	// Rate rules compare over a window: 1-s angles are mostly noise (README, "Alerting").
	if q.RateWindowSeconds != want.window {
		t.Errorf("%s: rateWindowSeconds %v, want %v", entry.RefID, q.RateWindowSeconds, want.window)
	}

	// The range must hold enough 1 s samples for a rate, and the backend must
	// not aggregate them (aggregated angles are flatter: docs/BACKEND.md).
	if entry.RelativeTimeRange == nil {
		t.Fatalf("%s: no relativeTimeRange", entry.RefID)
	}
	rangeSeconds := entry.RelativeTimeRange.From - entry.RelativeTimeRange.To
	if entry.RelativeTimeRange.To != 0 || rangeSeconds < 60 {
		t.Errorf("%s: relativeTimeRange %+v, want at least the last 60 s up to now", entry.RefID, *entry.RelativeTimeRange)
	}
	if q.MaxDataPoints < rangeSeconds || q.IntervalMs != 1000 {
		t.Errorf("%s: maxDataPoints %d intervalMs %v: want raw 1 s points over %d s", entry.RefID, q.MaxDataPoints, q.IntervalMs, rangeSeconds)
	}
}

// checkRuleGroupWithSDK puts the group through the foundation SDK's
// alerting.RuleGroup, as Grafana's provisioning API would receive it.
func checkRuleGroupWithSDK(t *testing.T, group alertRuleGroupV1, interval time.Duration, rules []json.RawMessage) {
	raw, err := json.Marshal(map[string]any{
		"title": group.Name, "folderUid": group.Folder, "interval": int64(interval / time.Second), "rules": rules,
	})
	if err != nil {
		t.Fatal(err)
	}
	var sdkGroup alerting.RuleGroup
	if err := strictError(sdkGroup.UnmarshalJSONStrict(raw)); err != nil {
		t.Errorf("group %s does not fit the foundation SDK's alerting.RuleGroup: %v", group.Name, err)
		return
	}
	if err := sdkGroup.Validate(); err != nil {
		t.Errorf("group %s fails alerting.RuleGroup's constraints: %v", group.Name, err)
	}
	if len(sdkGroup.Rules) != len(group.Rules) {
		t.Errorf("group %s: %d rules after decoding, want %d", group.Name, len(sdkGroup.Rules), len(group.Rules))
	}
}

func TestAlertRulesFolderDiffersFromDashboards(t *testing.T) {
	// Two provisioners creating one folder title at start-up can collide.
	raw, err := os.ReadFile(filepath.Join("dashboards", "vm-telemetry.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, group := range loadAlertRules(t).Groups {
		if strings.Contains(string(raw), fmt.Sprintf("folder: %s\n", group.Folder)) {
			t.Errorf("alert folder %q is also the dashboards' folder", group.Folder)
		}
	}
}
