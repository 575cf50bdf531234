package provisioning

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"
)

func env(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestInterpolateFollowsGrafanasRules(t *testing.T) {
	lookup := env(map[string]string{"TOKEN": "s3cr3t", "ORG": "acme"})
	cases := map[string]string{
		"$TOKEN":              "s3cr3t",
		"${TOKEN}":            "s3cr3t",
		"Token ${TOKEN}!":     "Token s3cr3t!",
		"$$TOKEN":             "$TOKEN",
		"a$$b$ORG":            "a$bacme",
		"$UNSET":              "",
		"$__env{ORG}":         "acme",
		"price: $$5 for $ORG": "price: $5 for acme",
	}
	for in, want := range cases {
		got, err := Interpolate(in, lookup)
		if err != nil || got != want {
			t.Errorf("Interpolate(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := Interpolate("$__vault{x}", lookup); err == nil {
		t.Error("an expander that is not mirrored must be an error")
	}
}

func TestProvisionedDataSourceSettings(t *testing.T) {
	all, err := ReadDataSources("../../provisioning/datasources", env(map[string]string{
		"INFLUX_READER_USER": "reader", "INFLUX_READER_PASSWORD": "pw-123"}))
	if err != nil {
		t.Fatal(err)
	}
	ds, err := FindDataSource(all, "vm-telemetry")
	if err != nil {
		t.Fatal(err)
	}
	settings, err := ds.InstanceSettings(1, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if settings.DecryptedSecureJSONData["password"] != "pw-123" {
		t.Fatalf("password not substituted: %v", settings.DecryptedSecureJSONData)
	}
	var jd map[string]any
	if err := json.Unmarshal(settings.JSONData, &jd); err != nil {
		t.Fatal(err)
	}
	if jd["username"] != "reader" || jd["authType"] != "basic" {
		t.Fatalf("jsonData = %v", jd)
	}
	if strings.Contains(string(settings.JSONData), "pw-123") {
		t.Fatal("the password leaked into jsonData")
	}
}

func TestDashboardQueriesResolveEveryVariable(t *testing.T) {
	d, err := ReadDashboard("../../provisioning/dashboards/vm-telemetry.json")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	tr, err := d.TimeRange(now)
	if err != nil {
		t.Fatal(err)
	}
	panels := d.QueryPanels()
	if len(panels) == 0 {
		t.Fatal("no query panel")
	}
	scoped := map[string]string{"vm": "one-71", "datasource": "vm-telemetry", "host": "kvm1"}
	for _, p := range panels {
		qs, err := d.PanelQueries(p, scoped, tr)
		if err != nil {
			t.Fatal(err)
		}
		for _, q := range qs {
			if q.DataSourceUID != "vm-telemetry" || q.Request.Interval <= 0 || q.Request.MaxDataPoints <= 0 {
				t.Fatalf("panel %d: %+v", p.ID, q)
			}
			var body map[string]any
			_ = json.Unmarshal(q.Request.JSON, &body)
			if p.RowRepeat == "vm" && !strings.Contains(string(q.Request.JSON), `"one-71"`) {
				t.Fatalf("panel %d: $vm not expanded: %s", p.ID, q.Request.JSON)
			}
			if body["intervalMs"] != float64(q.Request.Interval.Milliseconds()) {
				t.Fatalf("panel %d: intervalMs %v vs %v", p.ID, body["intervalMs"], q.Request.Interval)
			}
		}
	}
	if _, err := d.PanelQueries(panels[0], map[string]string{"datasource": "x"}, tr); err == nil {
		t.Fatal("an unresolved $vm must be an error")
	}
}

func TestCalculateIntervalMatchesGrafana(t *testing.T) {
	from := time.Unix(0, 0)
	cases := []struct {
		span       time.Duration
		resolution int64
		want       time.Duration
	}{
		{15 * time.Minute, 320, 2 * time.Second},
		{15 * time.Minute, 1280, 500 * time.Millisecond},
		{time.Hour, 1000, 5 * time.Second},
		{24 * time.Hour, 1000, time.Minute},
	}
	for _, c := range cases {
		if got := CalculateInterval(from, from.Add(c.span), c.resolution, 0); got != c.want {
			t.Errorf("%v/%d = %v, want %v", c.span, c.resolution, got, c.want)
		}
	}
	if got := CalculateInterval(from, from.Add(time.Minute), 1000, 10*time.Second); got != 10*time.Second {
		t.Errorf("low limit not applied: %v", got)
	}
}

func TestAlertRuleRequestsAndEvaluation(t *testing.T) {
	rules, err := ReadAlertRules("../../provisioning/alerting/vm-telemetry-rules.yaml")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	for _, r := range rules {
		headers, queries, err := r.Request("vm-telemetry", now)
		if err != nil {
			t.Fatal(err)
		}
		if headers[backend.FromAlertHeaderName] != "true" || headers["X-Rule-Uid"] != r.UID {
			t.Fatalf("headers = %v", headers)
		}
		for _, q := range queries {
			if !q.TimeRange.To.Equal(now) || !q.TimeRange.From.Before(now) {
				t.Fatalf("rule %s: time range %v", r.UID, q.TimeRange)
			}
		}
	}
	rule := rules[0]
	frame := func(vm string, v float64) *data.Frame {
		f := data.NewFrame(vm, data.NewField("time", nil, []time.Time{now.Add(-time.Second), now}),
			data.NewField("cpu_usage_percent_rate", data.Labels{"vm": vm}, []*float64{nil, &v}))
		return f
	}
	refID := rule.QueryNodes()[0].RefID
	resp := &backend.QueryDataResponse{Responses: backend.Responses{refID: {Frames: data.Frames{frame("busy", 89), frame("idle", 1)}}}}
	ev, err := rule.Evaluate(resp)
	if err != nil {
		t.Fatal(err)
	}
	reduced := ev.Numbers[rule.ConditionInput()]
	if rule.ConditionInput() != "B" || len(reduced) != 2 || *reduced[0].Value != 89 || *reduced[1].Value != 1 {
		t.Fatalf("condition input %q, reduced %+v", rule.ConditionInput(), reduced)
	}
	got := InstanceLabels(ev.Instances)
	if len(got) != 2 || got[0] != "{vm=busy}=Alerting" || got[1] != "{vm=idle}=Normal" {
		t.Fatalf("instances = %v", got)
	}
}
