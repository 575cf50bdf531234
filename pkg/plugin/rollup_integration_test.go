//go:build integration

package plugin

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/vmtelemetry/libvirt-datasource/internal/testenv"
	"github.com/vmtelemetry/libvirt-datasource/pkg/influx"
	"github.com/vmtelemetry/libvirt-datasource/pkg/models"
)

// tRoll starts the rollup series: two hours of 1-s samples, on an hour.
var tRoll = time.Date(2025, 12, 6, 0, 0, 0, 0, time.UTC)

const rollSpan = 2 * time.Hour

// rollupSeries: roll-a and roll-b sampled every second over [start, start+span):
// gauges that wander within each minute, a byte counter that grows 1000 B/s
// on roll-a and restarts (a VM restart) after 4000 s on roll-b.
func rollupSeries(vms []string, start time.Time, span time.Duration) string {
	var b strings.Builder
	for i := 0; i < int(span/time.Second); i++ {
		for k, vm := range vms {
			cpu := 50 + 40*math.Sin(float64(i)/97+float64(k))
			mem := 30 + float64((i*7+k)%600)/20
			disk := int64(i) * 1000
			if k == 1 && i >= 4000 {
				disk = int64(i-4000) * 300
			}
			fmt.Fprintf(&b, "vm_telemetry,vm=%s,host=kvm%d,uuid=uuid-%s cpu_usage_percent=%.4f,memory_usage_percent=%.3f,disk_read_bytes=%di,domain_id=%di %d\n",
				vm, k+1, vm, cpu, mem, disk, k+90, start.Add(time.Duration(i)*time.Second).UnixNano())
		}
	}
	return b.String()
}

// testRollups: long ranges read from the 1- and 10-minute rollups, set up and
// backfilled by provisioning/influxdb/init/15-rollups.sh, give the frames
// the 1-s data gives (docs/CONTRACT.md, "Rates over a rollup step"), on
// every query language the server speaks.
func testRollups(t *testing.T, srv *testenv.InfluxServer, languages []string) {
	srv.Write(t, rollupSeries([]string{"roll-a", "roll-b"}, tRoll, rollSpan))
	maxModel := `{"schemaVersion":1,"vmMode":"regex","vmRegex":"^roll-[ab]$","metrics":["cpu_usage_percent","disk_read_bytes"],"aggregation":"max"}`
	// Before the rollups exist (a stack set up before them): the 1-s data
	// answers, with a notice saying what to do.
	// 24 points: 5-min buckets of the 1-minute rollups; 12: 10-min buckets of
	// the 10-minute ones, then of the 1-minute ones.
	for _, language := range languages {
		tg := target{server: srv, language: language}
		for points, lacks := range map[int64]string{24: "the 1m rollups", 12: "the 10m rollups ("} {
			query := dataQuery("A", maxModel, tRoll, tRoll.Add(rollSpan), points, time.Second)
			got := framesOf(t, tg.datasource(t, map[string]any{"rollups": true}), query)
			compareFrames(t, fmt.Sprintf("%s without rollups, %d buckets", language, points), got, framesOf(t, tg.datasource(t, nil), query))
			if notices := got[0].Meta.Notices; len(notices) != 1 || !strings.Contains(notices[0].Text, "15-rollups.sh setup") ||
				!strings.Contains(notices[0].Text, lacks) || !strings.Contains(notices[0].Text, "read from the 1-s data") {
				t.Errorf("%s without rollups, %d buckets: notices %+v, want one saying InfluxDB lacks %s, naming 15-rollups.sh setup", language, points, notices, lacks)
			}
		}
	}
	srv.SetUpRollups(t)
	srv.BackfillRollups(t, tRoll, tRoll.Add(rollSpan))
	// Stored in each tier: mean_, max_ and last_ of the gauges (domain_id is
	// one of the catalog's), last_ only of the counter.
	for _, step := range influx.RollupSteps {
		stored := srv.Query(t, fmt.Sprintf(`SELECT * FROM "%s"."vm_telemetry" WHERE time = %d`, influx.RollupRetentionPolicy(step), tRoll.UnixNano()))
		for _, column := range []string{"mean_cpu_usage_percent", "max_cpu_usage_percent", "last_cpu_usage_percent", "mean_domain_id", "last_disk_read_bytes"} {
			if !strings.Contains(stored, `"`+column+`"`) {
				t.Errorf("the %v rollup has no %s: %s", step, column, stored)
			}
		}
		for _, column := range []string{"mean_disk_read_bytes", "max_disk_read_bytes"} {
			if strings.Contains(stored, `"`+column+`"`) {
				t.Errorf("the %v rollup stores %s of a counter: %s", step, column, stored)
			}
		}
	}

	// Near now: the newest buckets are not settled in the rollups yet and
	// come from the 1-s data, the older ones from the rollups.
	// 80 min into 20 points: 4-min buckets of the 1-min rollups; into 8
	// points: 10-min buckets of the 10-min ones (settled 30 min after they
	// began), as many as on the 1-s data.
	recentEnd := time.Now().UTC().Truncate(time.Second)
	recentStart := recentEnd.Add(-80 * time.Minute)
	srv.Write(t, rollupSeries([]string{"roll-c"}, recentStart, 80*time.Minute))
	srv.BackfillRollups(t, recentStart.Truncate(time.Minute), recentEnd.Truncate(time.Minute))

	models := []struct{ name, model string }{
		{"mean", `{"schemaVersion":1,"vmMode":"regex","vmRegex":"^roll-[ab]$","metrics":["cpu_usage_percent","memory_usage_percent","disk_read_bytes"],"aggregation":"mean"}`},
		{"max", maxModel},
		{"last, windowed rates", `{"schemaVersion":1,"vmMode":"regex","vmRegex":"^roll-[ab]$","metrics":["cpu_usage_percent","disk_read_bytes"],"aggregation":"last","rateWindowSeconds":900}`},
	}
	for _, language := range languages {
		tg := target{server: srv, language: language}
		t.Run(language, func(t *testing.T) {
			raw := tg.datasource(t, nil)
			rolled := tg.datasource(t, map[string]any{"rollups": true})
			// 2 h into 24 points: 5-min buckets, read from 5 rollup minutes
			// each; into 12: 10-min buckets, the 10-min rollups' points as
			// stored; into 6: 20-min buckets of two 10-min points each.
			for _, buckets := range []struct {
				points int64
				step   time.Duration
			}{{24, time.Minute}, {12, 10 * time.Minute}, {6, 10 * time.Minute}} {
				for _, m := range models {
					what := fmt.Sprintf("%s in %d buckets", m.name, buckets.points)
					query := dataQuery("A", m.model, tRoll, tRoll.Add(rollSpan), buckets.points, time.Second)
					want := framesOf(t, raw, query)
					got := framesOf(t, rolled, query)
					if len(want) != 2 || want[0].Rows() != int(buckets.points) {
						t.Fatalf("%s: the 1-s data gave %d frames (%d rows), want 2 of %d buckets", what, len(want), want[0].Rows(), buckets.points)
					}
					compareFrames(t, what, got, want)
					if executed := got[0].Meta.ExecutedQueryString; !strings.Contains(executed, rollupLocation(tg, buckets.step)) || len(got[0].Meta.Notices) > 0 {
						t.Errorf("%s: the query did not read the %v rollups (%s), notices %+v:\n%s", what, buckets.step, rollupLocation(tg, buckets.step), got[0].Meta.Notices, executed)
					}
				}
			}
			// A 1-hour range at 1000 points (3.6-s buckets) stays on the 1-s data.
			hour := framesOf(t, rolled, dataQuery("A", models[0].model, tRoll, tRoll.Add(time.Hour), 1000, time.Second))
			if executed := hour[0].Meta.ExecutedQueryString; strings.Contains(executed, rollupLocation(tg, time.Minute)) {
				t.Errorf("buckets under a minute read the rollups:\n%s", executed)
			}
			// min has no rollup: the 1-s data answers.
			minModel := strings.Replace(models[1].model, `"max"`, `"min"`, 1)
			minQuery := dataQuery("A", minModel, tRoll, tRoll.Add(rollSpan), 24, time.Second)
			compareFrames(t, "min", framesOf(t, rolled, minQuery), framesOf(t, raw, minQuery))

			// The recent range: rollup buckets and 1-s buckets side by side.
			for points, step := range map[int64]time.Duration{20: time.Minute, 8: 10 * time.Minute} {
				recent := dataQuery("A", `{"schemaVersion":1,"vmMode":"list","vms":["roll-c"],"metrics":["cpu_usage_percent","disk_read_bytes"],"aggregation":"max"}`,
					recentStart, recentEnd, points, time.Second)
				got := framesOf(t, rolled, recent)
				compareFrames(t, fmt.Sprintf("recent, %d buckets", points), got, framesOf(t, raw, recent))
				if executed := got[0].Meta.ExecutedQueryString; !strings.Contains(executed, rollupLocation(tg, step)) {
					t.Errorf("recent range in %d buckets: the older buckets did not come from the %v rollups:\n%s", points, step, executed)
				}
			}
		})
	}

	// The answer is the rollups': a 1-s sample changed after the rollup
	// changes the 1-s answer, not the rollup one.
	query := dataQuery("A", models[1].model, tRoll, tRoll.Add(rollSpan), 24, time.Second)
	tg := target{server: srv, language: languages[0]}
	before := framesOf(t, tg.datasource(t, map[string]any{"rollups": true}), query)
	srv.Write(t, fmt.Sprintf("vm_telemetry,vm=roll-a,host=kvm1,uuid=uuid-roll-a cpu_usage_percent=1000 %d\n", tRoll.Add(10*time.Minute).UnixNano()))
	compareFrames(t, "after a 1-s sample changed", framesOf(t, tg.datasource(t, map[string]any{"rollups": true}), query), before)
	if changed := framesOf(t, tg.datasource(t, nil), query); *fieldByName(t, changed[0], "cpu_usage_percent").At(2).(*float64) != 1000 {
		t.Errorf("the changed 1-s sample is not in the 1-s answer: %v", changed[0].Fields[1])
	}

	if srv.IsV2() {
		t.Run("the task's own run", func(t *testing.T) { testRollupTask(t, srv) })
	} else {
		defer testWithoutTenMinuteRollups(t, srv)
		// No API runs a continuous query on demand: each one defined must be
		// the statement the backfills above ran for its tier.
		cqs := srv.Query(t, "SHOW CONTINUOUS QUERIES")
		for step, resample := range map[string]string{"1m": "RESAMPLE EVERY 1m FOR 2m", "10m": "RESAMPLE EVERY 10m FOR 20m"} {
			statement := strings.ReplaceAll(srv.RollupsScriptOutput(t, "statement", step), `"`, "")
			if !strings.Contains(cqs, resample+" BEGIN "+statement+" END") || !strings.Contains(statement, "GROUP BY time("+step+")") {
				t.Errorf("the %s continuous query is not the backfill's statement %q with %s:\n%s", step, statement, resample, cqs)
			}
		}
	}
}

// testWithoutTenMinuteRollups: a stack set up before the 10-minute rollups
// (its retention policy dropped here, on 1.x) reads 10-min buckets from the
// 1-minute ones, with a notice naming what is missing.
func testWithoutTenMinuteRollups(t *testing.T, srv *testenv.InfluxServer) {
	resp, err := http.PostForm(srv.URL+"/query", url.Values{"q": {fmt.Sprintf(`DROP RETENTION POLICY "%s" ON "%s"`, influx.RollupRetentionPolicy(10*time.Minute), srv.Database)}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	// Right after the drop, InfluxDB 1.x answered a query of the 1-s data
	// with no series now and then (2 of 3 runs without this wait): wait until the
	// retention policy is gone and the 1-s data reads again.
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		gone := !strings.Contains(srv.Query(t, "SHOW RETENTION POLICIES"), `"`+influx.RollupRetentionPolicy(10*time.Minute)+`"`)
		if gone && strings.Contains(srv.Query(t, `SELECT count("cpu_usage_percent") FROM "vm_telemetry" WHERE "vm" = 'roll-b'`), ",7200]") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("after DROP RETENTION POLICY rollup_10m: the policy is still listed or roll-b's 7200 samples do not read")
		}
	}
	// roll-b: no 1-s sample of it changed after its rollups.
	query := dataQuery("A", `{"schemaVersion":1,"vmMode":"list","vms":["roll-b"],"metrics":["cpu_usage_percent","disk_read_bytes"],"aggregation":"max"}`,
		tRoll, tRoll.Add(rollSpan), 12, time.Second)
	tg := target{server: srv, language: models.LanguageInfluxQL}
	got := framesOf(t, tg.datasource(t, map[string]any{"rollups": true}), query)
	compareFrames(t, "without the 10-minute rollups", got, framesOf(t, tg.datasource(t, nil), query))
	if notices := got[0].Meta.Notices; len(notices) != 1 || !strings.Contains(notices[0].Text, "lacks the 10m rollups") || strings.Contains(notices[0].Text, "1m rollups (") ||
		!strings.Contains(notices[0].Text, "read from the 1m rollups") || !strings.Contains(got[0].Meta.ExecutedQueryString, rollupLocation(tg, time.Minute)) {
		t.Errorf("without the 10-minute rollups: notices %+v, read by:\n%s", notices, got[0].Meta.ExecutedQueryString)
	}
}

// rollupLocation is how the executed query names the rollups of a step.
func rollupLocation(tg target, step time.Duration) string {
	if tg.language == "flux" {
		if tg.server.IsV2() {
			return fmt.Sprintf(`from(bucket: "%s_%s")`, tg.server.Bucket, influx.RollupSuffix(step))
		}
		return fmt.Sprintf(`from(bucket: "%s/%s")`, tg.server.Database, influx.RollupRetentionPolicy(step))
	}
	return fmt.Sprintf(`FROM "%s"."vm_telemetry"`, influx.RollupRetentionPolicy(step))
}

// testRollupTask runs each tier's provisioned task once through the API,
// scheduled at the end of its step's samples, and reads its rollup.
func testRollupTask(t *testing.T, srv *testenv.InfluxServer) {
	start := time.Date(2025, 12, 7, 0, 0, 0, 0, time.UTC)
	srv.Write(t, rollupSeries([]string{"roll-t"}, start, 2*time.Minute))
	for _, tier := range []struct {
		step, span time.Duration
		points     int64
	}{{time.Minute, 2 * time.Minute, 2}, {10 * time.Minute, 10 * time.Minute, 1}} {
		name := "vm_telemetry_rollup_" + influx.RollupSuffix(tier.step)
		var tasks struct {
			Tasks []struct{ ID, Name string }
		}
		apiV2(t, srv, http.MethodGet, "/api/v2/tasks?orgID="+srv.Env["INFLUX_ORG_ID"]+"&name="+name, nil, &tasks)
		if len(tasks.Tasks) != 1 {
			t.Fatalf("want one task %s, got %+v", name, tasks.Tasks)
		}
		id := tasks.Tasks[0].ID
		var run struct{ ID string }
		apiV2(t, srv, http.MethodPost, "/api/v2/tasks/"+id+"/runs", map[string]string{"scheduledFor": start.Add(tier.span).Format(time.RFC3339)}, &run)
		deadline := time.Now().Add(2 * time.Minute)
		for {
			var status struct{ Status string }
			// 404 while the run passes from the scheduler to the task log (the
			// _tasks bucket), seen once in a full run.
			if code := apiV2Status(t, srv, http.MethodGet, "/api/v2/tasks/"+id+"/runs/"+run.ID, nil, &status); code == http.StatusNotFound {
				status.Status = "not found"
			}
			if status.Status == "success" {
				break
			}
			if status.Status == "failed" || status.Status == "canceled" || time.Now().After(deadline) {
				t.Fatalf("%s run %s: %s", name, run.ID, status.Status)
			}
			time.Sleep(500 * time.Millisecond)
		}
		d := target{server: srv, language: "influxql"}.datasource(t, nil)
		query := dataQuery("A", `{"schemaVersion":1,"vmMode":"list","vms":["roll-t"],"metrics":["cpu_usage_percent","disk_read_bytes"],"aggregation":"mean"}`,
			start, start.Add(tier.span), tier.points, time.Second)
		want := framesOf(t, d, query)
		got := framesOf(t, target{server: srv, language: "influxql"}.datasource(t, map[string]any{"rollups": true}), query)
		if got[0].Rows() != int(tier.points) || !strings.Contains(got[0].Meta.ExecutedQueryString, influx.RollupRetentionPolicy(tier.step)) {
			t.Fatalf("%s's rollup has %d steps, want %d, read by:\n%s", name, got[0].Rows(), tier.points, got[0].Meta.ExecutedQueryString)
		}
		compareFrames(t, name+" run", got, want)
	}
}

// apiV2 sends a JSON request with the server's token and decodes the answer.
func apiV2(t *testing.T, srv *testenv.InfluxServer, method, path string, body, answer any) {
	t.Helper()
	if code := apiV2Status(t, srv, method, path, body, answer); code/100 != 2 {
		t.Fatalf("%s %s: HTTP %d", method, path, code)
	}
}

// apiV2Status is apiV2 that returns a 404 instead of failing on it.
func apiV2Status(t *testing.T, srv *testenv.InfluxServer, method, path string, body, answer any) int {
	t.Helper()
	var payload io.Reader
	if body != nil {
		raw, _ := json.Marshal(body)
		payload = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(context.Background(), method, srv.URL+path, payload)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Token "+srv.Token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode == http.StatusNotFound {
		return resp.StatusCode
	}
	if resp.StatusCode/100 != 2 {
		t.Fatalf("%s %s: HTTP %d: %s", method, path, resp.StatusCode, raw)
	}
	if err := json.Unmarshal(raw, answer); err != nil {
		t.Fatalf("%s %s: %v: %s", method, path, err, raw)
	}
	return resp.StatusCode
}

func framesOf(t *testing.T, d *Datasource, query backend.DataQuery) data.Frames {
	t.Helper()
	dr := run(t, d, nil, query).Responses[query.RefID]
	if dr.Error != nil {
		t.Fatalf("query: %v", dr.Error)
	}
	return dr.Frames
}

// compareFrames requires the same frames, fields and times, and values
// equal to 1e-9 (relative): a mean of minute means is summed in another
// order than the mean of the samples.
func compareFrames(t *testing.T, what string, got, want data.Frames) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d frames, want %d", what, len(got), len(want))
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.Name != w.Name || len(g.Fields) != len(w.Fields) || g.Rows() != w.Rows() {
			t.Fatalf("%s: frame %q with %d fields × %d rows, want %q with %d × %d (%v / %v)", what, g.Name, len(g.Fields), g.Rows(), w.Name, len(w.Fields), w.Rows(), fieldNames(g), fieldNames(w))
		}
		for f := range w.Fields {
			for r := 0; r < w.Rows(); r++ {
				gv, wv := g.Fields[f].At(r), w.Fields[f].At(r)
				if !sameCell(gv, wv) {
					t.Errorf("%s: %s %s row %d = %v, want %v", what, w.Name, w.Fields[f].Name, r, deref(gv), deref(wv))
				}
			}
		}
	}
}

func sameCell(a, b any) bool {
	fa, okA := a.(*float64)
	fb, okB := b.(*float64)
	if !okA || !okB {
		return fmt.Sprint(deref(a)) == fmt.Sprint(deref(b))
	}
	if fa == nil || fb == nil {
		return fa == nil && fb == nil
	}
	return math.Abs(*fa-*fb) <= 1e-9*math.Max(1, math.Abs(*fb))
}

func deref(v any) any {
	if f, ok := v.(*float64); ok && f != nil {
		return *f
	}
	return v
}
