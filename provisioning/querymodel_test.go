package provisioning_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/vmtelemetry/libvirt-datasource/pkg/models"
)

// The query model and response fields of docs/PLUGIN-API.md, written down here
// from the document rather than taken from the backend's code, so that a
// provisioned query is checked against the agreement and not against itself.
// The metrics are the data of that agreement: pkg/models/metrics.json, the one
// catalog the backend and the frontend read too.

const pluginID = "vmtelemetry-libvirt-datasource"

// isNumericMetric says whether a query may name the metric: a numeric
// vm_telemetry field of the catalog.
func isNumericMetric(name string) bool {
	_, ok := models.LookupMetric(name)
	return ok
}

// isByteCounter says whether the metric is a cumulative counter of the
// contract: only those get a `<metric>_per_second` field.
func isByteCounter(name string) bool {
	m, ok := models.LookupMetric(name)
	return ok && m.HasPerSecond()
}

// outputOrder is the order of a metric's fields in a frame.
var outputOrder = []string{"value", "rate", "per_second", "age"}

// defaultOutputs are the outputs of a query that names none.
var defaultOutputs = []string{"value", "rate", "per_second"}

// metricsQuery is the backend's query model (pkg/models, docs/PLUGIN-API.md),
// plus the keys Grafana itself puts into every query it stores (datasource,
// hide) and into alert queries (intervalMs, maxDataPoints).
type metricsQuery struct {
	models.Query
	Datasource    *datasourceRef `json:"datasource"`
	Hide          bool           `json:"hide"`
	IntervalMs    float64        `json:"intervalMs"`
	MaxDataPoints int64          `json:"maxDataPoints"`
}

type datasourceRef struct {
	Type string `json:"type"`
	UID  string `json:"uid"`
}

// decodeMetricsQuery reads a provisioned query of queryType metrics, refusing
// keys that PLUGIN-API.md does not define (a typo would silently be a default).
func decodeMetricsQuery(raw []byte) (metricsQuery, error) {
	var q metricsQuery
	decoder := json.NewDecoder(bytes.NewReader(raw))
	decoder.DisallowUnknownFields()
	if err := decoder.Decode(&q); err != nil {
		return q, fmt.Errorf("not a query model of docs/PLUGIN-API.md: %w", err)
	}
	return q, q.validate()
}

// validate applies the rules of PLUGIN-API.md's query model to a metrics query.
func (q metricsQuery) validate() error {
	var problems []string
	if q.RefID == "" {
		problems = append(problems, "refId is empty")
	}
	if q.SchemaVersion != 1 {
		problems = append(problems, fmt.Sprintf("schemaVersion is %d, want 1", q.SchemaVersion))
	}
	if q.QueryType != "metrics" {
		problems = append(problems, fmt.Sprintf("queryType is %q, want metrics", q.QueryType))
	}
	switch q.VMMode {
	case "all":
		if len(q.VMs) > 0 || q.VMRegex != "" {
			problems = append(problems, "vmMode all with vms or vmRegex set")
		}
	case "list":
		if len(q.VMs) == 0 {
			problems = append(problems, "vmMode list without vms")
		}
	case "regex":
		if q.VMRegex == "" {
			problems = append(problems, "vmMode regex without vmRegex")
		}
	default:
		problems = append(problems, fmt.Sprintf("vmMode is %q, want all, list or regex", q.VMMode))
	}
	for i, metric := range q.Metrics {
		if !isNumericMetric(metric) {
			problems = append(problems, fmt.Sprintf("metric %q is not a numeric field of the contract", metric))
		}
		if slices.Contains(q.Metrics[:i], metric) {
			problems = append(problems, fmt.Sprintf("metric %q listed twice", metric))
		}
	}
	for i, output := range q.Outputs {
		if !slices.Contains(outputOrder, output) {
			problems = append(problems, fmt.Sprintf("output %q is not value, rate, per_second or age", output))
		}
		if slices.Contains(q.Outputs[:i], output) {
			problems = append(problems, fmt.Sprintf("output %q listed twice", output))
		}
	}
	for metric, scale := range q.RateScales {
		if !isNumericMetric(metric) || !(scale > 0) {
			problems = append(problems, fmt.Sprintf("rateScales[%q] = %v", metric, scale))
		}
	}
	if !slices.Contains([]string{"", "mean", "last", "max", "min"}, q.Aggregation) {
		problems = append(problems, fmt.Sprintf("aggregation %q is not mean, last, max or min", q.Aggregation))
	}
	if q.RawQuery != "" {
		problems = append(problems, "rawQuery is set on a metrics query")
	}
	if q.GapLimitSeconds < 0 || q.LiveIntervalMs < 0 {
		problems = append(problems, "negative gapLimitSeconds or liveIntervalMs")
	}
	if q.Datasource != nil && q.Datasource.Type != pluginID {
		problems = append(problems, fmt.Sprintf("datasource type %q, want %s", q.Datasource.Type, pluginID))
	}
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "; "))
	}
	return nil
}

// valueFields are the names of the value fields of each VM's frame for the
// query (the time field "time" aside), in frame order: for each metric in
// request order `<metric>`, `<metric>_rate`, `<metric>_per_second` as far as
// the outputs ask for them, `_per_second` for byte counters only.
func (q metricsQuery) valueFields() []string {
	metrics := q.Metrics
	if len(metrics) == 0 {
		metrics = models.DefaultMetrics
	}
	outputs := q.Outputs
	if len(outputs) == 0 {
		outputs = defaultOutputs
	}
	var fields []string
	for _, metric := range metrics {
		for _, output := range outputOrder {
			if !slices.Contains(outputs, output) {
				continue
			}
			switch output {
			case "value":
				fields = append(fields, metric)
			case "rate":
				fields = append(fields, metric+"_rate")
			case "per_second":
				if isByteCounter(metric) {
					fields = append(fields, metric+"_per_second")
				}
			case "age":
				fields = append(fields, metric+"_age")
			}
		}
	}
	return fields
}

// fieldUnit is the config.unit the backend gives a value field (PLUGIN-API.md,
// "Response frames"), and fieldDecimals its decimals (-1: not set).
func fieldUnit(field string) string {
	switch {
	case strings.HasSuffix(field, "_rate"):
		return "degree"
	case strings.HasSuffix(field, "_per_second"):
		return "binBps"
	case strings.HasSuffix(field, "_age"):
		return "s"
	case strings.HasSuffix(field, "_percent"):
		return "percent"
	case strings.HasSuffix(field, "_bytes"):
		return "bytes"
	}
	return ""
}

func fieldDecimals(field string) int {
	if strings.HasSuffix(field, "_rate") {
		return 1
	}
	return -1
}

// checkWithBackend also runs the query through the backend's own parser and
// validation (pkg/models), the code that QueryData runs on it.
func checkWithBackend(t *testing.T, where string, raw []byte) {
	t.Helper()
	if _, err := models.ParseQuery(raw); err != nil {
		t.Errorf("%s: the backend refuses the query: %v", where, err)
	}
}

func TestValueFieldsFollowPluginAPI(t *testing.T) {
	cases := []struct {
		query string
		want  []string
	}{
		{`{"metrics":["cpu_usage_percent"],"outputs":["rate"]}`, []string{"cpu_usage_percent_rate"}},
		{`{"metrics":["cpu_usage_percent","disk_read_bytes"]}`, []string{
			"cpu_usage_percent", "cpu_usage_percent_rate",
			"disk_read_bytes", "disk_read_bytes_rate", "disk_read_bytes_per_second"}},
		{`{"metrics":["memory_used_bytes"],"outputs":["per_second","value"]}`, []string{"memory_used_bytes"}},
		{`{"metrics":["network_tx_bytes"],"outputs":["per_second"]}`, []string{"network_tx_bytes_per_second"}},
		{`{"outputs":["value"]}`, models.DefaultMetrics},
	}
	for _, c := range cases {
		var q metricsQuery
		if err := json.Unmarshal([]byte(c.query), &q); err != nil {
			t.Fatal(err)
		}
		if got := q.valueFields(); !slices.Equal(got, c.want) {
			t.Errorf("%s: fields %v, want %v", c.query, got, c.want)
		}
	}
}

func TestMetricsQueryValidationRefusesBadModels(t *testing.T) {
	bad := map[string]string{
		"unknown key":       `{"refId":"A","schemaVersion":1,"queryType":"metrics","vmMode":"all","metric":"cpu_usage_percent"}`,
		"unknown metric":    `{"refId":"A","schemaVersion":1,"queryType":"metrics","vmMode":"all","metrics":["cpu"]}`,
		"unknown output":    `{"refId":"A","schemaVersion":1,"queryType":"metrics","vmMode":"all","outputs":["rates"]}`,
		"list without vms":  `{"refId":"A","schemaVersion":1,"queryType":"metrics","vmMode":"list"}`,
		"old schemaVersion": `{"refId":"A","queryType":"metrics","vmMode":"all"}`,
		"string state":      `{"refId":"A","schemaVersion":1,"queryType":"metrics","vmMode":"all","metrics":["state"]}`,
	}
	for name, raw := range bad {
		if _, err := decodeMetricsQuery([]byte(raw)); err == nil {
			t.Errorf("%s: %s accepted", name, raw)
		}
	}
}
