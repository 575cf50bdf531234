package provisioning

import (
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/vmtelemetry/libvirt-datasource/pkg/models"
)

// DashboardWidthPx is the width the requests assume for the dashboard:
// Grafana sends a panel's width in pixels as maxDataPoints when the panel
// sets none, so the numbers depend on the viewer's screen; 1920 px is a
// common one (24 grid columns of 80 px).
const DashboardWidthPx = 1920

// Dashboard is the part of a dashboard JSON that decides what Grafana asks
// the data source.
type Dashboard struct {
	UID        string `json:"uid"`
	Title      string `json:"title"`
	Time       struct{ From, To string }
	Templating struct {
		List []Variable `json:"list"`
	} `json:"templating"`
	RawPanels   []Panel `json:"panels"`
	Annotations struct {
		List []Annotation `json:"list"`
	} `json:"annotations"`
}

// Annotation is an annotation query of the dashboard: Grafana runs each
// enabled one over the dashboard's time range and draws its events on
// every panel.
type Annotation struct {
	Name       string         `json:"name"`
	Enable     bool           `json:"enable"`
	IconColor  string         `json:"iconColor"`
	Datasource *DataSourceRef `json:"datasource"`
	Target     map[string]any `json:"target"`
}

// Variable is a template variable.
type Variable struct {
	Name       string          `json:"name"`
	Type       string          `json:"type"`
	Query      json.RawMessage `json:"query"`
	Datasource *DataSourceRef  `json:"datasource"`
	Multi      bool            `json:"multi"`
	IncludeAll bool            `json:"includeAll"`
	Current    struct {
		Value any `json:"value"`
	} `json:"current"`
}

// DataSourceRef is a panel's or target's data source reference.
type DataSourceRef struct {
	Type string `json:"type"`
	UID  string `json:"uid"`
}

// Panel is one panel; rows carry their repeat variable to the panels
// below them.
type Panel struct {
	ID          int              `json:"id"`
	Type        string           `json:"type"`
	Title       string           `json:"title"`
	Repeat      string           `json:"repeat"`
	Collapsed   bool             `json:"collapsed"`
	Datasource  *DataSourceRef   `json:"datasource"`
	Targets     []map[string]any `json:"targets"`
	FieldConfig json.RawMessage  `json:"fieldConfig"`
	Options     json.RawMessage  `json:"options"`
	// Transformations are the panel's, as the dashboard holds them.
	Transformations json.RawMessage `json:"transformations"`
	Interval        string          `json:"interval"`
	MaxDataPoints   *int64          `json:"maxDataPoints"`
	GridPos         struct{ H, W, X, Y int }
	Panels          []Panel `json:"panels"`
	// RowRepeat is the repeat variable of the row the panel sits in.
	RowRepeat string `json:"-"`
}

// ReadDashboard reads a dashboard JSON file.
func ReadDashboard(path string) (*Dashboard, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var d Dashboard
	if err := json.Unmarshal(raw, &d); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &d, nil
}

// QueryPanels lists the panels that query a data source, each with the
// repeat variable of its row (a row's panels follow it at the top level
// when the row is open, or sit inside it when collapsed).
func (d *Dashboard) QueryPanels() []Panel {
	var out []Panel
	rowRepeat := ""
	for _, p := range d.RawPanels {
		if p.Type == "row" {
			rowRepeat = p.Repeat
			for _, inner := range p.Panels {
				inner.RowRepeat = p.Repeat
				out = append(out, inner)
			}
			continue
		}
		if len(p.Targets) > 0 {
			p.RowRepeat = rowRepeat
			out = append(out, p)
		}
	}
	return out
}

// Variable finds a template variable by name.
func (d *Dashboard) Variable(name string) (Variable, error) {
	for _, v := range d.Templating.List {
		if v.Name == name {
			return v, nil
		}
	}
	return Variable{}, fmt.Errorf("dashboard %s has no variable %q", d.UID, name)
}

// TimeRange resolves the dashboard's default time range at now.
func (d *Dashboard) TimeRange(now time.Time) (backend.TimeRange, error) {
	from, err := ResolveTime(d.Time.From, now)
	if err != nil {
		return backend.TimeRange{}, err
	}
	to, err := ResolveTime(d.Time.To, now)
	if err != nil {
		return backend.TimeRange{}, err
	}
	return backend.TimeRange{From: from, To: to}, nil
}

var variableRef = regexp.MustCompile(`\$(\w+)|\$\{(\w+)(?::\w+)?\}|\[\[(\w+)\]\]`)

// Substitute replaces $name, ${name} and [[name]] by scoped values, as
// templateSrv.replace does for single values. A name that is not scoped
// is left as it is, so a test sees it.
func Substitute(s string, scoped map[string]string) string {
	return variableRef.ReplaceAllStringFunc(s, func(m string) string {
		sub := variableRef.FindStringSubmatch(m)
		name := sub[1] + sub[2] + sub[3]
		if v, ok := scoped[name]; ok {
			return v
		}
		return m
	})
}

func substituteTree(v any, scoped map[string]string) any {
	switch t := v.(type) {
	case string:
		return Substitute(t, scoped)
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, item := range t {
			out[k] = substituteTree(item, scoped)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, item := range t {
			out[i] = substituteTree(item, scoped)
		}
		return out
	default:
		return v
	}
}

// PanelQuery is the request Grafana sends for one panel in one repeat.
type PanelQuery struct {
	Panel   Panel
	Scoped  map[string]string
	Request backend.DataQuery
	// DataSourceUID is the uid the target resolves to.
	DataSourceUID string
}

// PanelQueries builds the queries of a panel with the scoped variables of
// its repeat (e.g. vm=one-71): the target with variables replaced, plus
// what Grafana adds (datasource, intervalMs, maxDataPoints), over the
// dashboard's time range.
func (d *Dashboard) PanelQueries(p Panel, scoped map[string]string, tr backend.TimeRange) ([]PanelQuery, error) {
	maxDataPoints := int64(p.GridPos.W * DashboardWidthPx / 24)
	if p.MaxDataPoints != nil {
		maxDataPoints = *p.MaxDataPoints
	}
	var lowLimit time.Duration
	if p.Interval != "" {
		parsed, err := time.ParseDuration(p.Interval)
		if err != nil {
			return nil, fmt.Errorf("panel %d interval %q: %w", p.ID, p.Interval, err)
		}
		lowLimit = parsed
	}
	interval := CalculateInterval(tr.From, tr.To, maxDataPoints, lowLimit)
	var out []PanelQuery
	for _, target := range p.Targets {
		resolved := substituteTree(target, scoped).(map[string]any)
		ref := p.Datasource
		if tds, ok := resolved["datasource"].(map[string]any); ok {
			ref = &DataSourceRef{Type: str(tds["type"]), UID: str(tds["uid"])}
		}
		if ref == nil {
			return nil, fmt.Errorf("panel %d target %v names no data source", p.ID, resolved["refId"])
		}
		ref = &DataSourceRef{Type: ref.Type, UID: Substitute(ref.UID, scoped)}
		resolved["datasource"] = map[string]any{"type": ref.Type, "uid": ref.UID}
		resolved["intervalMs"] = interval.Milliseconds()
		resolved["maxDataPoints"] = maxDataPoints
		body, err := json.Marshal(resolved)
		if err != nil {
			return nil, err
		}
		refID := str(resolved["refId"])
		if refID == "" {
			return nil, fmt.Errorf("panel %d has a target without refId", p.ID)
		}
		if strings.Contains(string(body), "$") {
			return nil, fmt.Errorf("panel %d target %s keeps an unresolved variable: %s", p.ID, refID, body)
		}
		out = append(out, PanelQuery{
			Panel:         p,
			Scoped:        scoped,
			DataSourceUID: ref.UID,
			Request: backend.DataQuery{
				RefID:         refID,
				QueryType:     str(resolved["queryType"]),
				MaxDataPoints: maxDataPoints,
				Interval:      interval,
				TimeRange:     tr,
				JSON:          body,
			},
		})
	}
	return out, nil
}

// AnnotationQueries builds the query Grafana sends for each enabled
// annotation of a data source of type dsType (built-in Grafana annotations
// are Grafana's own): the target with variables replaced, refId "Anno" as
// Grafana's annotation runner sets it, over the dashboard's time range.
func (d *Dashboard) AnnotationQueries(dsType string, scoped map[string]string, tr backend.TimeRange) ([]Annotation, []backend.DataQuery, error) {
	var annotations []Annotation
	var queries []backend.DataQuery
	for _, a := range d.Annotations.List {
		if !a.Enable || a.Datasource == nil || a.Datasource.Type != dsType {
			continue
		}
		resolved := substituteTree(a.Target, scoped).(map[string]any)
		resolved["refId"] = "Anno"
		body, err := json.Marshal(resolved)
		if err != nil {
			return nil, nil, err
		}
		if strings.Contains(string(body), "$") {
			return nil, nil, fmt.Errorf("annotation %q keeps an unresolved variable: %s", a.Name, body)
		}
		annotations = append(annotations, a)
		queries = append(queries, backend.DataQuery{RefID: "Anno", QueryType: str(resolved["queryType"]),
			MaxDataPoints: 100, Interval: time.Second, TimeRange: tr, JSON: body})
	}
	return annotations, queries, nil
}

// VariableQuery builds the query Grafana sends to refresh a query variable.
func (d *Dashboard) VariableQuery(v Variable, scoped map[string]string, tr backend.TimeRange) (backend.DataQuery, string, error) {
	var q map[string]any
	if err := json.Unmarshal(v.Query, &q); err != nil {
		return backend.DataQuery{}, "", fmt.Errorf("variable %s: query is not an object: %w", v.Name, err)
	}
	resolved := substituteTree(q, scoped).(map[string]any)
	uid := ""
	if v.Datasource != nil {
		uid = Substitute(v.Datasource.UID, scoped)
	}
	body, err := json.Marshal(resolved)
	if err != nil {
		return backend.DataQuery{}, "", err
	}
	refID := str(resolved["refId"])
	if refID == "" {
		refID = "A"
	}
	return backend.DataQuery{RefID: refID, QueryType: str(resolved["queryType"]), MaxDataPoints: 100,
		Interval: time.Second, TimeRange: tr, JSON: body}, uid, nil
}

// defaultOutputs is what an empty list of outputs means; an empty list of
// metrics means models.DefaultMetrics (docs/PLUGIN-API.md, query model).
var defaultOutputs = []string{"value", "rate", "per_second"}

// ExpectedFields lists the fields a metrics query must return per VM,
// from docs/PLUGIN-API.md: per metric, the value, <metric>_rate and
// (counters only) <metric>_per_second as the outputs ask.
func ExpectedFields(queryJSON []byte) ([]string, error) {
	var q struct {
		QueryType string   `json:"queryType"`
		Metrics   []string `json:"metrics"`
		Outputs   []string `json:"outputs"`
	}
	if err := json.Unmarshal(queryJSON, &q); err != nil {
		return nil, err
	}
	if q.QueryType != "" && q.QueryType != "metrics" {
		return nil, fmt.Errorf("queryType %q has no fixed field list", q.QueryType)
	}
	metrics, outputs := q.Metrics, q.Outputs
	if len(metrics) == 0 {
		metrics = models.DefaultMetrics
	}
	if len(outputs) == 0 {
		outputs = defaultOutputs
	}
	var fields []string
	for _, m := range metrics {
		for _, o := range outputs {
			switch o {
			case "value":
				fields = append(fields, m)
			case "rate":
				fields = append(fields, m+"_rate")
			case "per_second":
				if metric, ok := models.LookupMetric(m); ok && metric.HasPerSecond() {
					fields = append(fields, m+"_per_second")
				}
			default:
				return nil, fmt.Errorf("unknown output %q", o)
			}
		}
	}
	return fields, nil
}

// OverrideFieldNames lists the field names a panel's overrides match by
// name: each must be a field the backend returns, or the override is dead.
func (p Panel) OverrideFieldNames() ([]string, error) {
	if len(p.FieldConfig) == 0 {
		return nil, nil
	}
	var fc struct {
		Overrides []struct {
			Matcher struct {
				ID      string `json:"id"`
				Options any    `json:"options"`
			} `json:"matcher"`
		} `json:"overrides"`
	}
	if err := json.Unmarshal(p.FieldConfig, &fc); err != nil {
		return nil, fmt.Errorf("panel %d fieldConfig: %w", p.ID, err)
	}
	var names []string
	for _, o := range fc.Overrides {
		if o.Matcher.ID == "byName" {
			names = append(names, str(o.Matcher.Options))
		}
	}
	return names, nil
}
