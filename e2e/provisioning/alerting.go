package provisioning

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strconv"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"
	"go.yaml.in/yaml/v3"

	"github.com/vmtelemetry/libvirt-datasource/e2e/sse"
)

// ExprUID is the data source uid of server-side expressions.
const ExprUID = "__expr__"

// Alerting's defaults for a query node that sets neither (ngalert
// models.AlertQuery: intervalMs 1000, maxDataPoints 43200).
const (
	defaultAlertIntervalMs    = 1000
	defaultAlertMaxDataPoints = 43200
)

// AlertRule is one file-provisioned rule with its group.
type AlertRule struct {
	Group     string
	Folder    string
	Interval  string
	UID       string           `yaml:"uid"`
	Title     string           `yaml:"title"`
	Condition string           `yaml:"condition"`
	Data      []AlertQueryNode `yaml:"data"`
	For       string           `yaml:"for"`
	// KeepFiringFor is Grafana's keepFiringFor (camelCase in file
	// provisioning; keep_firing_for in the HTTP API).
	KeepFiringFor string `yaml:"keepFiringFor"`
	// MissingSeriesEvalsToResolve is Grafana's missing_series_evals_to_resolve.
	MissingSeriesEvalsToResolve int    `yaml:"missing_series_evals_to_resolve"`
	NoDataState                 string `yaml:"noDataState"`
	ExecErrState                string `yaml:"execErrState"`
	Labels                      map[string]string
}

// AlertQueryNode is one entry of a rule's data: a data source query or an
// expression.
type AlertQueryNode struct {
	RefID             string `yaml:"refId"`
	DatasourceUID     string `yaml:"datasourceUid"`
	RelativeTimeRange struct {
		From int64 `yaml:"from"`
		To   int64 `yaml:"to"`
	} `yaml:"relativeTimeRange"`
	Model map[string]any `yaml:"model"`
}

type alertFile struct {
	APIVersion int `yaml:"apiVersion"`
	Groups     []struct {
		OrgID    int64       `yaml:"orgId"`
		Name     string      `yaml:"name"`
		Folder   string      `yaml:"folder"`
		Interval string      `yaml:"interval"`
		Rules    []AlertRule `yaml:"rules"`
	} `yaml:"groups"`
}

// ReadAlertRules reads a Grafana alerting provisioning file.
func ReadAlertRules(path string) ([]AlertRule, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var f alertFile
	if err := yaml.Unmarshal(raw, &f); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	var rules []AlertRule
	for _, g := range f.Groups {
		for _, r := range g.Rules {
			r.Group, r.Folder, r.Interval = g.Name, g.Folder, g.Interval
			if r.UID == "" || r.Condition == "" || len(r.Data) == 0 {
				return nil, fmt.Errorf("%s: rule %q needs uid, condition and data", path, r.Title)
			}
			rules = append(rules, r)
		}
	}
	return rules, nil
}

// QueryNodes are the rule's data source queries (not expressions).
func (r AlertRule) QueryNodes() []AlertQueryNode {
	var out []AlertQueryNode
	for _, n := range r.Data {
		if n.DatasourceUID != ExprUID {
			out = append(out, n)
		}
	}
	return out
}

// ConditionInput is the refId the condition expression reads (e.g. the
// reduce under a threshold).
func (r AlertRule) ConditionInput() string {
	for _, n := range r.Data {
		if n.RefID == r.Condition {
			return str(n.Model["expression"])
		}
	}
	return ""
}

// Request builds the QueryData request Grafana's scheduler sends for the
// rule's queries to one data source at evaluation time now: the relative
// time range made absolute, the model as the query JSON, alerting's
// interval/maxDataPoints defaults, and the alerting headers.
func (r AlertRule) Request(datasourceUID string, now time.Time) (map[string]string, []backend.DataQuery, error) {
	var queries []backend.DataQuery
	for _, n := range r.QueryNodes() {
		if n.DatasourceUID != datasourceUID {
			continue
		}
		model := map[string]any{}
		for k, v := range n.Model {
			model[k] = v
		}
		intervalMs := int64(defaultAlertIntervalMs)
		if v, ok := number(model["intervalMs"]); ok && v > 0 {
			intervalMs = int64(v)
		}
		maxDataPoints := int64(defaultAlertMaxDataPoints)
		if v, ok := number(model["maxDataPoints"]); ok && v > 0 {
			maxDataPoints = int64(v)
		}
		model["refId"] = n.RefID
		model["intervalMs"] = intervalMs
		model["maxDataPoints"] = maxDataPoints
		body, err := json.Marshal(model)
		if err != nil {
			return nil, nil, fmt.Errorf("rule %s query %s: %w", r.UID, n.RefID, err)
		}
		if n.RelativeTimeRange.From <= n.RelativeTimeRange.To {
			return nil, nil, fmt.Errorf("rule %s query %s: relativeTimeRange from %d must be above to %d (Grafana: invalidRelativeTime)",
				r.UID, n.RefID, n.RelativeTimeRange.From, n.RelativeTimeRange.To)
		}
		queries = append(queries, backend.DataQuery{
			RefID:         n.RefID,
			QueryType:     str(model["queryType"]),
			MaxDataPoints: maxDataPoints,
			Interval:      time.Duration(intervalMs) * time.Millisecond,
			TimeRange: backend.TimeRange{
				From: now.Add(-time.Duration(n.RelativeTimeRange.From) * time.Second),
				To:   now.Add(-time.Duration(n.RelativeTimeRange.To) * time.Second),
			},
			JSON: body,
		})
	}
	if len(queries) == 0 {
		return nil, nil, fmt.Errorf("rule %s has no query to data source %s", r.UID, datasourceUID)
	}
	headers := map[string]string{
		backend.FromAlertHeaderName: "true",
		"X-Cache-Skip":              "true",
		"X-Rule-Uid":                r.UID,
		"X-Rule-Name":               r.Title,
		"X-Rule-Folder":             r.Folder,
		"X-Rule-Type":               "alerting",
	}
	return headers, queries, nil
}

func number(v any) (float64, bool) {
	switch t := v.(type) {
	case int:
		return float64(t), true
	case int64:
		return float64(t), true
	case float64:
		return t, true
	case string:
		f, err := strconv.ParseFloat(t, 64)
		return f, err == nil
	}
	return 0, false
}

// Evaluation is what the rule's expressions made of one data answer.
type Evaluation struct {
	// Conversions holds, per query refId, how the frames were read
	// (including frames and fields Grafana skips).
	Conversions map[string]sse.Conversion
	// Numbers holds each expression's output by refId (the reduced values
	// and the condition's 0/1).
	Numbers   map[string][]sse.Number
	Instances []sse.Instance
}

// Evaluate runs the rule's expressions over the data source's answer in
// refId dependency order, through the sse mirror, and returns the alert
// instances of the condition. Only reduce and threshold expressions are
// mirrored; any other type is an error.
func (r AlertRule) Evaluate(resp *backend.QueryDataResponse) (Evaluation, error) {
	return r.EvaluateLoaded(resp, nil)
}

// EvaluateLoaded is Evaluate with the label sets of the rule's firing
// instances, which a threshold with a recovery threshold (unloadEvaluator)
// needs: Grafana passes them to it as loaded dimensions.
func (r AlertRule) EvaluateLoaded(resp *backend.QueryDataResponse, loaded map[string]bool) (Evaluation, error) {
	numbers := map[string][]sse.Number{}
	ev := Evaluation{Conversions: map[string]sse.Conversion{}, Numbers: numbers}
	series := map[string][]sse.Series{}
	for _, n := range r.QueryNodes() {
		res, ok := resp.Responses[n.RefID]
		if !ok {
			return ev, fmt.Errorf("rule %s: the answer has no refId %s", r.UID, n.RefID)
		}
		if res.Error != nil {
			return ev, fmt.Errorf("rule %s: query %s failed: %w", r.UID, n.RefID, res.Error)
		}
		conv, err := sse.SeriesFromFrames(res.Frames)
		if err != nil {
			return ev, fmt.Errorf("rule %s: query %s: %w", r.UID, n.RefID, err)
		}
		ev.Conversions[n.RefID] = conv
		series[n.RefID] = conv.Series
	}
	pending := map[string]AlertQueryNode{}
	for _, n := range r.Data {
		if n.DatasourceUID == ExprUID {
			pending[n.RefID] = n
		}
	}
	for len(pending) > 0 {
		progressed := false
		for _, ref := range sortedKeys(pending) {
			n := pending[ref]
			input := str(n.Model["expression"])
			typ := str(n.Model["type"])
			switch typ {
			case "reduce":
				in, ok := series[input]
				if !ok {
					continue
				}
				mode := sse.ReduceMode{}
				if settings, ok := n.Model["settings"].(map[string]any); ok {
					mode.Mode = str(settings["mode"])
					if v, ok := number(settings["replaceWithValue"]); ok {
						mode.ReplaceWith = v
					}
				}
				out, err := sse.Reduce(in, str(n.Model["reducer"]), mode)
				if err != nil {
					return ev, fmt.Errorf("rule %s: %s: %w", r.UID, ref, err)
				}
				numbers[ref] = out
			case "threshold":
				in, ok := numbers[input]
				if !ok {
					if _, isSeries := series[input]; isSeries {
						return ev, fmt.Errorf("rule %s: %s: threshold on unreduced series %s is not mirrored", r.UID, ref, input)
					}
					continue
				}
				evaluator, params, err := thresholdOf(n.Model, "evaluator")
				if err != nil {
					return ev, fmt.Errorf("rule %s: %s: %w", r.UID, ref, err)
				}
				unloadEvaluator, unloadParams, err := thresholdOf(n.Model, "unloadEvaluator")
				if err != nil {
					return ev, fmt.Errorf("rule %s: %s: %w", r.UID, ref, err)
				}
				var out []sse.Number
				if unloadEvaluator != "" {
					out, err = sse.Hysteresis(in, evaluator, params, unloadEvaluator, unloadParams, loaded)
				} else {
					out, err = sse.Threshold(in, evaluator, params)
				}
				if err != nil {
					return ev, fmt.Errorf("rule %s: %s: %w", r.UID, ref, err)
				}
				numbers[ref] = out
			default:
				return ev, fmt.Errorf("rule %s: expression %s of type %q is not mirrored", r.UID, ref, typ)
			}
			delete(pending, ref)
			progressed = true
		}
		if !progressed {
			return ev, fmt.Errorf("rule %s: expressions %v refer to inputs that do not exist", r.UID, sortedKeys(pending))
		}
	}
	cond, ok := numbers[r.Condition]
	if !ok {
		return ev, fmt.Errorf("rule %s: condition %s is not a reduced expression", r.UID, r.Condition)
	}
	inst, err := sse.Instances(cond)
	if err != nil {
		return ev, err
	}
	ev.Instances = inst
	return ev, nil
}

// thresholdOf reads the evaluator (key "evaluator") or the recovery
// threshold (key "unloadEvaluator"; "" when the condition has none) of a
// threshold expression's single condition.
func thresholdOf(model map[string]any, key string) (string, []float64, error) {
	conds, ok := model["conditions"].([]any)
	if !ok || len(conds) != 1 {
		return "", nil, fmt.Errorf("threshold expression requires exactly one condition")
	}
	c, _ := conds[0].(map[string]any)
	evaluator, _ := c[key].(map[string]any)
	rawParams, _ := evaluator["params"].([]any)
	params := make([]float64, 0, len(rawParams))
	for _, p := range rawParams {
		v, ok := number(p)
		if !ok {
			return "", nil, fmt.Errorf("threshold param %v is not a number", p)
		}
		params = append(params, v)
	}
	return str(evaluator["type"]), params, nil
}

func sortedKeys(m map[string]AlertQueryNode) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// InstanceLabels returns the instances' label strings, for messages.
func InstanceLabels(inst []sse.Instance) []string {
	out := make([]string, len(inst))
	for i, in := range inst {
		out[i] = fmt.Sprintf("{%s}=%s", data.Labels(in.Labels).String(), in.State)
	}
	return out
}

// Timing is the rule's for, keepFiringFor, NoData/Error settings and
// group interval, for the sse state machine.
func (r AlertRule) Timing() (timing sse.RuleTiming, interval time.Duration, err error) {
	parse := func(what, s string) time.Duration {
		if s == "" || err != nil {
			return 0
		}
		d, perr := time.ParseDuration(s)
		if perr != nil {
			err = fmt.Errorf("rule %s: %s %q: %w", r.UID, what, s, perr)
		}
		return d
	}
	timing = sse.RuleTiming{
		For:                         parse("for", r.For),
		KeepFiringFor:               parse("keepFiringFor", r.KeepFiringFor),
		NoDataState:                 r.NoDataState,
		ExecErrState:                r.ExecErrState,
		MissingSeriesEvalsToResolve: r.MissingSeriesEvalsToResolve,
	}
	interval = parse("interval", r.Interval)
	if err == nil && interval <= 0 {
		err = fmt.Errorf("rule %s: group interval %q", r.UID, r.Interval)
	}
	return timing, interval, err
}
