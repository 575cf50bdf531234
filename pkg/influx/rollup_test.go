package influx

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/influxdata/influxql"
)

// rollupRequest reads a day in 10-min buckets, the first 20 hours from the rollups.
func rollupRequest() RangeRequest {
	from := time.Date(2025, 12, 4, 0, 0, 0, 0, time.UTC)
	return RangeRequest{
		Selection: Selection{VMs: []string{"kvm1/web"}},
		Fields:    []Field{{Name: "cpu_usage_percent", Aggregate: "mean"}, {Name: "disk_read_bytes", Aggregate: "last"}},
		From:      from, To: from.Add(24 * time.Hour), Interval: 10 * time.Minute,
		RollupBefore: from.Add(20 * time.Hour), RollupStep: time.Minute,
	}
}

func TestInfluxQLRangeOnRollups(t *testing.T) {
	q, err := BuildInfluxQLRange("vm_telemetry", rollupRequest())
	if err != nil {
		t.Fatal(err)
	}
	want := `SELECT mean("mean_cpu_usage_percent") AS "cpu_usage_percent", last("last_disk_read_bytes") AS "disk_read_bytes" FROM "rollup_1m"."vm_telemetry"` +
		` WHERE time >= '2025-12-04T00:00:00Z' AND time <= '2025-12-04T19:59:59.999999999Z' AND (("vm" = 'web' AND "host" = 'kvm1')) GROUP BY time(600000ms), "vm", "host", "uuid" fill(none); ` +
		`SELECT mean("cpu_usage_percent") AS "cpu_usage_percent", last("disk_read_bytes") AS "disk_read_bytes" FROM "vm_telemetry"` +
		` WHERE time >= '2025-12-04T20:00:00Z' AND time <= '2025-12-05T00:00:00Z' AND (("vm" = 'web' AND "host" = 'kvm1')) GROUP BY time(600000ms), "vm", "host", "uuid" fill(none)`
	if q != want {
		t.Errorf("got\n%s\nwant\n%s", q, want)
	}
	parsed, err := influxql.ParseQuery(q)
	if err != nil || len(parsed.Statements) != 2 {
		t.Fatalf("parsing back: %v, %d statements", err, len(parsed.Statements))
	}
	if m := parsed.Statements[0].(*influxql.SelectStatement).Sources[0].(*influxql.Measurement); m.RetentionPolicy != RollupRetentionPolicy(time.Minute) || m.Name != "vm_telemetry" {
		t.Errorf("first statement reads %s.%s, want the rollups", m.RetentionPolicy, m.Name)
	}

	// A range that ended before the rollups' settled part: rollups only.
	past := rollupRequest()
	past.RollupBefore = past.To.Add(time.Hour)
	q, err = BuildInfluxQLRange("vm_telemetry", past)
	if err != nil || strings.Count(q, "SELECT") != 1 || !strings.Contains(q, `"rollup_1m"."vm_telemetry"`) || !strings.Contains(q, "time <= '2025-12-05T00:00:00Z'") {
		t.Errorf("past range: %v\n%s", err, q)
	}
	// RollupBefore at or before the start: the 1-s data only.
	recent := rollupRequest()
	recent.RollupBefore = recent.From
	if q, err = BuildInfluxQLRange("vm_telemetry", recent); err != nil || strings.Contains(q, "rollup") || strings.Count(q, "SELECT") != 1 {
		t.Errorf("recent range: %v\n%s", err, q)
	}
}

// TestRangeOnTenMinuteRollups: buckets of the step read the 10-minute
// rollups' points as stored (no GROUP BY time, no aggregateWindow), which
// costs InfluxDB a fraction of aggregating them again; coarser buckets
// aggregate them.
func TestRangeOnTenMinuteRollups(t *testing.T) {
	req := rollupRequest()
	req.RollupStep = 10 * time.Minute
	q, err := BuildInfluxQLRange("vm_telemetry", req)
	if err != nil {
		t.Fatal(err)
	}
	want := `SELECT "mean_cpu_usage_percent" AS "cpu_usage_percent", "last_disk_read_bytes" AS "disk_read_bytes" FROM "rollup_10m"."vm_telemetry"` +
		` WHERE time >= '2025-12-04T00:00:00Z' AND time <= '2025-12-04T19:59:59.999999999Z' AND (("vm" = 'web' AND "host" = 'kvm1')) GROUP BY "vm", "host", "uuid"; ` +
		`SELECT mean("cpu_usage_percent") AS "cpu_usage_percent", last("disk_read_bytes") AS "disk_read_bytes" FROM "vm_telemetry"` +
		` WHERE time >= '2025-12-04T20:00:00Z' AND time <= '2025-12-05T00:00:00Z' AND (("vm" = 'web' AND "host" = 'kvm1')) GROUP BY time(600000ms), "vm", "host", "uuid" fill(none)`
	if q != want {
		t.Errorf("got\n%s\nwant\n%s", q, want)
	}
	if _, err := influxql.ParseQuery(q); err != nil {
		t.Fatalf("parsing back: %v", err)
	}
	buckets := map[time.Duration]string{time.Minute: "b_1m", 10 * time.Minute: "b_10m"}
	script, err := BuildFluxRange("b", buckets, "vm_telemetry", req)
	if err != nil {
		t.Fatal(err)
	}
	rollup0 := script[strings.Index(script, "rollup0 = "):strings.Index(script, "agg0 = ")]
	if !strings.Contains(rollup0, `from(bucket: "b_10m")`) || strings.Contains(rollup0, "aggregateWindow") || !strings.Contains(script[strings.Index(script, "agg0 = "):], "aggregateWindow(every: 600000ms") {
		t.Errorf("the 10-min rollups' part should be read as stored, the 1-s part aggregated:\n%s", script)
	}

	// 20-min buckets: two stored points each, aggregated again.
	req.Interval, req.RollupBefore = 20*time.Minute, req.From.Add(20*time.Hour)
	if q, err = BuildInfluxQLRange("vm_telemetry", req); err != nil || !strings.HasPrefix(q, `SELECT mean("mean_cpu_usage_percent") AS "cpu_usage_percent", last("last_disk_read_bytes") AS "disk_read_bytes" FROM "rollup_10m"."vm_telemetry"`) || !strings.Contains(q, "GROUP BY time(1200000ms)") {
		t.Errorf("20-min buckets: %v\n%s", err, q)
	}
	if script, err = BuildFluxRange("b", buckets, "vm_telemetry", req); err != nil || !strings.Contains(script, `from(bucket: "b_10m")`) || strings.Count(script, "aggregateWindow(every: 1200000ms") != 4 {
		t.Errorf("20-min buckets: %v\n%s", err, script)
	}
	// No 10-minute bucket known (a custom 1-minute bucket name): refused.
	if _, err := BuildFluxRange("b", map[time.Duration]string{time.Minute: "b_1m"}, "vm_telemetry", req); err == nil || !strings.Contains(err.Error(), "10m rollups") {
		t.Errorf("a read of the 10-min rollups without their bucket: %v", err)
	}
}

func TestFluxRangeOnRollups(t *testing.T) {
	script, err := BuildFluxRange("vm_telemetry", map[time.Duration]string{time.Minute: "vm_telemetry_1m"}, "vm_telemetry", rollupRequest())
	if err != nil {
		t.Fatal(err)
	}
	for _, part := range []string{
		"rollup0 = from(bucket: \"vm_telemetry_1m\")\n  |> range(start: 2025-12-04T00:00:00Z, stop: 2025-12-04T20:00:00Z)\n  |> filter(fn: (r) => r._measurement == \"vm_telemetry\" and (r._field == \"mean_cpu_usage_percent\"))",
		"agg0 = from(bucket: \"vm_telemetry\")\n  |> range(start: 2025-12-04T20:00:00Z, stop: 2025-12-05T00:00:00.000000001Z)\n  |> filter(fn: (r) => r._measurement == \"vm_telemetry\" and (r._field == \"cpu_usage_percent\"))",
		"(r._field == \"last_disk_read_bytes\")",
		"aggregateWindow(every: 600000ms, fn: last, createEmpty: false, timeSrc: \"_start\")",
		"union(tables: [rollup0, agg0, rollup1, agg1])",
	} {
		if !strings.Contains(script, part) {
			t.Errorf("script lacks %q:\n%s", part, script)
		}
	}
	if _, err := BuildFluxRange("b", nil, "m", rollupRequest()); err == nil {
		t.Error("a rollup read without a rollup bucket was accepted")
	}
}

// TestRollupRequestRefused: what the rollups cannot answer is an error,
// never a silently different read.
func TestRollupRequestRefused(t *testing.T) {
	for name, change := range map[string]func(*RangeRequest){
		"min aggregate":         func(r *RangeRequest) { r.Fields[0].Aggregate = "min" },
		"90-s buckets":          func(r *RangeRequest) { r.Interval = 90 * time.Second },
		"30-s buckets":          func(r *RangeRequest) { r.Interval = 30 * time.Second },
		"raw points":            func(r *RangeRequest) { r.Interval = 0 },
		"off a bucket boundary": func(r *RangeRequest) { r.RollupBefore = r.RollupBefore.Add(time.Minute) },
		"no step":               func(r *RangeRequest) { r.RollupStep = 0 },
		"a step of 5 min":       func(r *RangeRequest) { r.RollupStep = 5 * time.Minute },
		"15-min buckets of the 10-min step": func(r *RangeRequest) {
			r.RollupStep, r.Interval, r.RollupBefore = 10*time.Minute, 15*time.Minute, r.From.Add(15*time.Hour)
		},
		"5-min buckets of the 10-min step": func(r *RangeRequest) { r.RollupStep, r.Interval = 10*time.Minute, 5*time.Minute },
	} {
		req := rollupRequest()
		change(&req)
		if q, err := BuildInfluxQLRange("vm_telemetry", req); err == nil {
			t.Errorf("%s: InfluxQL accepted:\n%s", name, q)
		}
		if q, err := BuildFluxRange("b", map[time.Duration]string{time.Minute: "b_1m", 10 * time.Minute: "b_10m"}, "m", req); err == nil {
			t.Errorf("%s: Flux accepted:\n%s", name, q)
		}
	}
}

// TestFluxRollupColumnsFillTheirFields: rows of a rollup column
// (mean_cpu_usage_percent) fill the field they aggregate, beside rows of
// the 1-s data's own field name, in one series.
func TestFluxRollupColumnsFillTheirFields(t *testing.T) {
	csv := "#datatype,string,long,dateTime:RFC3339,double,string,string,string,string\r\n" +
		",result,table,_time,_value,_field,vm,host,uuid\r\n" +
		",_result,0,2025-12-04T00:00:00Z,10,mean_cpu_usage_percent,web,kvm1,u1\r\n" +
		",_result,0,2025-12-04T00:10:00Z,20,mean_cpu_usage_percent,web,kvm1,u1\r\n" +
		",_result,1,2025-12-04T20:00:00Z,30,cpu_usage_percent,web,kvm1,u1\r\n\r\n"
	source := &FluxSource{Client: answering(t, http.StatusOK, csv), Bucket: "b", RollupBuckets: map[time.Duration]string{time.Minute: "b_1m"}, Measurement: "vm_telemetry"}
	req := rollupRequest()
	req.Fields = req.Fields[:1]
	series, err := source.Range(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if len(series) != 1 || len(series[0].Times) != 3 {
		t.Fatalf("series %+v, want one VM with 3 buckets", series)
	}
	for i, want := range []float64{10, 20, 30} {
		if v := series[0].Values["cpu_usage_percent"][i]; v == nil || *v != want {
			t.Errorf("bucket %d: %v, want %v", i, v, want)
		}
	}
}
