//go:build integration

package plugin_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/vmtelemetry/libvirt-datasource/internal/grafanahost"
	"github.com/vmtelemetry/libvirt-datasource/internal/testenv"
	"github.com/vmtelemetry/libvirt-datasource/pkg/models"
	"github.com/vmtelemetry/libvirt-datasource/pkg/plugin"
)

const (
	// hostileSeed makes the run repeatable; VMT_HOSTILE_SEED picks another.
	hostileSeed = 20261202
	// hostileInputs is the number of random QueryData requests.
	hostileInputs = 250
	// fuzzPointLimit is the maxPointsPerQuery of the fuzzed data sources: a
	// frame that passes holds at most this many values.
	fuzzPointLimit = 10_000
	// rssBoundMiB is the stated bound on the plugin's peak resident memory
	// over the whole run, the burst of concurrent reads at the default point
	// limit included.
	rssBoundMiB = 512
	// wideColumns is how often the burst's raw statement repeats a field.
	wideColumns = 200
)

// hostileStrings try to leave quotes, break parsers or the UTF-8 decoder.
var hostileStrings = []string{
	"", " ", `"`, `'`, `\`, `\'`, `\"`, "'; DROP DATABASE vm_telemetry; --", `") |> drop() //`,
	"$timeFilter", "${vm}", "$__interval", "/.*/", "(a+)+$", "[", "(?P<x", "\x00", "\xff\xfe", "\u2028",
	"émoji-☃", strings.Repeat("A", 100_000), strings.Repeat(`\`, 1000), "kvm1/", "/", "kvm1/one-71",
	"SELECT * FROM vm_telemetry", "1e309", "-0", "NaN", "null",
}

// hostileValues are the JSON values a field is set to.
func hostileValue(r *rand.Rand) any {
	switch r.IntN(12) {
	case 0:
		return nil
	case 1:
		return r.IntN(2) == 0
	case 2:
		return []float64{-1, 0, 1, 1e308, -1e308, 0.5, 86401, 1e15, math.MaxInt64}[r.IntN(9)]
	case 3:
		return json.Number([]string{"1e400", "-1e400", "123456789012345678901234567890", "-0"}[r.IntN(4)])
	case 4:
		list := make([]string, []int{0, 1, 3, 1000}[r.IntN(4)])
		for i := range list {
			list[i] = hostileStrings[r.IntN(len(hostileStrings))]
		}
		return list
	case 5:
		return map[string]any{"cpu_usage_percent": hostileValue(r), hostileStrings[r.IntN(len(hostileStrings))]: -1}
	case 6:
		return []any{map[string]any{"key": hostileStrings[r.IntN(len(hostileStrings))], "operator": []string{"=", "!=", "=~", "!~", "<>", ""}[r.IntN(6)], "value": hostileStrings[r.IntN(len(hostileStrings))]}}
	default:
		return hostileStrings[r.IntN(len(hostileStrings))]
	}
}

// queryKeys are the keys of the query model (docs/PLUGIN-API.md) and some
// it does not know.
var queryKeys = []string{"queryType", "vmMode", "vms", "vmRegex", "host", "metrics", "outputs", "rateScales",
	"gapLimitSeconds", "rateWindowSeconds", "aggregation", "rawQuery", "variable", "events", "adhocFilters",
	"alias", "schemaVersion", "liveIntervalMs", "live", "refId", "unknownKey"}

// hostileRaw are raw statements: each must be refused or read within the limit.
var hostileRaw = []string{
	`SELECT * FROM vm_telemetry WHERE $timeFilter`,
	`SELECT * FROM vm_telemetry`,
	`SELECT * FROM vm_telemetry WHERE time > 0`,
	`SELECT mean(cpu_usage_percent) FROM vm_telemetry WHERE $timeFilter GROUP BY time(1ms)`,
	`SELECT mean(cpu_usage_percent) FROM vm_telemetry WHERE $timeFilter GROUP BY time($__interval), *`,
	`SELECT * INTO other FROM vm_telemetry WHERE $timeFilter`,
	`SELECT * FROM (SELECT * INTO x FROM vm_telemetry) WHERE $timeFilter`,
	`DROP DATABASE vm_telemetry`,
	`DELETE FROM vm_telemetry WHERE time > 0`,
	`SHOW DATABASES`,
	`CREATE USER x WITH PASSWORD 'y' WITH ALL PRIVILEGES`,
	`SELECT * FROM vm_telemetry WHERE $timeFilter; DROP DATABASE vm_telemetry`,
	`SELECT * FROM vm_telemetry WHERE $timeFilter -- '`,
	`SELECT * FROM vm_telemetry WHERE $timeFilter /* ' */`,
	`SELECT "cpu_usage_percent" FROM "vm_telemetry" WHERE vm = '\' OR 1=1 --' AND $timeFilter`,
	`SELECT * FROM vm_telemetry WHERE time > now() - 100000w`,
	`SELECT * FROM vm_telemetry WHERE $timeFilter LIMIT 9223372036854775807`,
	`SELECT cpu_usage_percent FROM /.*/ WHERE $timeFilter`,
	"SELECT\x00* FROM vm_telemetry WHERE $timeFilter",
	strings.Repeat("SELECT * FROM (", 2000) + "vm_telemetry" + strings.Repeat(")", 2000),
	"",
}

// TestHostileRequestsThroughLaunchedPlugin sends the launched executable
// hostile requests of every kind Grafana forwards: query JSON, time ranges,
// maxDataPoints and intervals, raw statements, variable queries, resource
// calls, health checks with broken settings, stream subscriptions. The
// process must survive each, answer each (an error or a frame within the
// point limit), and stay under rssBoundMiB of peak resident memory.
func TestHostileRequestsThroughLaunchedPlugin(t *testing.T) {
	p := testenv.LaunchPlugin(t, grafanahost.Options{})
	server := testenv.StartInflux(t, testenv.InfluxV18)
	now := time.Now().Truncate(time.Second)
	// 4 VMs, 2 hours at 1 s: 28,800 rows of 11 fields, under the default
	// limit, over the fuzzed data sources' one (fuzzPointLimit).
	const span = 2 * time.Hour
	var lines strings.Builder
	for i := 0; i < int(span/time.Second); i++ {
		at := now.Add(-span + time.Duration(i)*time.Second)
		for vm := 0; vm < 4; vm++ {
			fmt.Fprintf(&lines, "vm_telemetry,vm=hostile-%d,host=kvm1,uuid=u-%d cpu_usage_percent=%d,memory_usage_percent=%d,disk_read_bytes=%di,disk_write_bytes=%di,network_rx_bytes=%di,network_tx_bytes=%di,domain_id=%di,vcpus=2i,state=\"running\" %d\n",
				vm, vm, i%100, (i+vm)%100, int64(i)<<12, int64(i)<<11, int64(i)<<10, int64(i)<<9, vm, at.UnixNano())
		}
		if lines.Len() > 4<<20 {
			server.Write(t, lines.String())
			lines.Reset()
		}
	}
	server.Write(t, lines.String())
	baseline := rssOf(t, p.PID())
	started := time.Now()

	sources := []grafanahost.DataSource{
		launchedDataSource("hostile-influxql", server, models.LanguageInfluxQL),
		launchedDataSource("hostile-flux", server, models.LanguageFlux),
	}
	for _, ds := range sources {
		ds.JSONData["maxPointsPerQuery"] = fuzzPointLimit
	}
	broken := []grafanahost.DataSource{
		{UID: "hostile-unreachable", URL: "http://127.0.0.1:1", JSONData: map[string]any{"database": "vm_telemetry"}},
		{UID: "hostile-settings", URL: "ftp://[::1", JSONData: map[string]any{"authType": "kerberos", "timeoutSeconds": -1, "maxPointsPerQuery": 1e300, "streamIntervalMs": "x"}},
		{UID: "hostile-names", URL: server.URL, JSONData: map[string]any{"database": `vm"telemetry\`, "retentionPolicy": "'; DROP", "measurement": "/.*/", "queryLanguage": "sql"}},
	}

	all := append(append([]grafanahost.DataSource{}, sources...), broken...)
	seed := uint64(hostileSeed)
	if s, err := strconv.ParseUint(os.Getenv("VMT_HOSTILE_SEED"), 10, 64); err == nil {
		seed = s
	}
	r := rand.New(rand.NewPCG(seed, seed))
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	var tally hostileTally
	alive := func(what string) {
		t.Helper()
		if p.Exited() {
			t.Fatalf("the plugin exited after %s\n%s", what, tail(p.Logs().String(), 4000))
		}
	}

	// Query JSON, ranges, maxDataPoints and intervals.
	for i := 0; i < hostileInputs; i++ {
		ds := sources[r.IntN(len(sources))]
		if r.IntN(10) == 0 {
			ds = broken[r.IntN(len(broken))]
		}
		q := hostileQuery(r, now)
		checkAnswer(t, &tally, p, ds, q)
		alive(fmt.Sprintf("query %d %s", i, describe(q)))
	}
	// Every raw statement on both languages' data sources, over the data.
	for _, raw := range hostileRaw {
		for _, ds := range sources {
			model, _ := json.Marshal(map[string]any{"refId": "A", "queryType": "raw", "rawQuery": raw})
			checkAnswer(t, &tally, p, ds, backend.DataQuery{RefID: "A", JSON: model, MaxDataPoints: 1000, Interval: time.Second,
				TimeRange: backend.TimeRange{From: now.Add(-span), To: now}})
			alive("raw " + raw)
		}
	}

	// Resources: paths, methods, query strings, bodies.
	// (Invalid UTF-8 cannot be sent: protobuf refuses it in Grafana too.)
	paths := []string{"vms", "metrics", "vm-telemetry", "", "/", "../../../etc/passwd", "vms/../metrics", "%2e%2e/x", strings.Repeat("a/", 20_000), "vms\x00", "vms\r\nX: y"}
	queries := []string{"", "?from=abc&to=1e400", "?from=-9223372036854775808&to=9223372036854775807", "?host=%00%ff", "?host=" + strings.Repeat("x", 50_000), "?from=1&to=0"}
	methods := []string{"GET", "POST", "DELETE", "BREW", ""}
	for _, path := range paths {
		for _, query := range queries {
			method := methods[r.IntN(len(methods))]
			var body []byte
			if r.IntN(4) == 0 {
				body = []byte(strings.Repeat("{", 1<<20))
			}
			ds := all[r.IntN(len(all))]
			resp, err := p.CallResource(ctx, &backend.CallResourceRequest{PluginContext: ds.PluginContext(), Path: path, Method: method, URL: path + query, Body: body})
			tally.inputs++
			switch {
			case err != nil && !answered(err):
				t.Errorf("resource %s %q%s: no answer: %v", method, path, query, err)
			case err != nil:
				tally.refused++
			case resp.Status >= 500 && resp.Status != 502 && resp.Status != 503 && resp.Status != 504:
				t.Errorf("resource %s %q%s: status %d %s", method, path, query, resp.Status, tail(string(resp.Body), 300))
			case resp.Status >= 400:
				tally.errors++
			default:
				tally.answers++
			}
			alive("resource " + method + " " + path + query)
		}
	}

	// Health with every configuration.
	for _, ds := range all {
		res, err := p.CheckHealth(ctx, ds.PluginContext())
		tally.inputs++
		if err != nil {
			t.Errorf("health %s: no answer: %v", ds.UID, err)
		} else if res.Status == backend.HealthStatusOk {
			tally.answers++
		} else {
			tally.errors++
		}
		alive("health " + ds.UID)
	}

	checkHostileStreams(t, &tally, p, sources[0])

	// A burst of concurrent reads at the default point limit: the memory peak
	// of the run. The raw statement repeats a field as wideColumns columns,
	// wideColumns times the values of its rows (beyond the limit): the limit
	// counts values, not rows, or its memory would have no bound.
	var wide strings.Builder
	for i := 0; i < wideColumns; i++ {
		fmt.Fprintf(&wide, `, \"cpu_usage_percent\" AS \"c%d\"`, i)
	}
	wideRaw := fmt.Sprintf(`{"queryType":"raw","rawQuery":"SELECT %s FROM vm_telemetry WHERE $timeFilter"}`, wide.String()[2:])
	heavy := launchedDataSource("hostile-default-limit", server, models.LanguageInfluxQL)
	heavyFlux := launchedDataSource("hostile-default-limit-flux", server, models.LanguageFlux)
	var wg sync.WaitGroup
	var mu sync.Mutex
	for i := 0; i < 6; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			ds, model := heavy, wideRaw
			if i%2 == 1 {
				ds, model = heavyFlux, `{"schemaVersion":1,"metrics":[],"outputs":["value","rate","per_second"]}`
			}
			resp, err := p.QueryData(ctx, &backend.QueryDataRequest{PluginContext: ds.PluginContext(), Queries: []backend.DataQuery{{
				RefID: "A", JSON: json.RawMessage(model), MaxDataPoints: 50_000, Interval: time.Millisecond,
				TimeRange: backend.TimeRange{From: now.Add(-span), To: now}}}})
			mu.Lock()
			defer mu.Unlock()
			tally.inputs++
			switch {
			case status.Code(err) == codes.ResourceExhausted:
				// The answer exceeds the 4 MiB a gRPC client takes by default;
				// the plugin built and sent it.
				tally.tooLarge++
			case err != nil:
				t.Errorf("heavy read %d: no answer: %v", i, err)
			case resp.Responses["A"].Error != nil:
				if !tally.failed(resp.Responses["A"].Error) && ds.UID == heavy.UID {
					t.Errorf("heavy read %d: %v, want the point limit's error", i, resp.Responses["A"].Error)
				}
			case ds.UID == heavy.UID:
				t.Errorf("heavy read %d: %d values answered, past the default point limit", i, wideColumns*4*int(span/time.Second))
			default:
				tally.answers++
			}
		}(i)
	}
	wg.Wait()
	alive("the burst of heavy reads")

	peak := rssOf(t, p.PID())
	t.Logf("the requests took %s", time.Since(started).Round(time.Second))
	summary := fmt.Sprintf("hostile requests (seed %d): %d inputs, %d answered with data, %d with an error (%d of them the point limit), %d refused by gRPC, %d answers over the 4 MiB gRPC default; 0 crashes; "+
		"plugin RSS: baseline (after launch) %d MiB, peak (VmHWM) %d MiB, bound %d MiB", seed, tally.inputs, tally.answers, tally.errors, tally.limited, tally.refused, tally.tooLarge, baseline/1024, peak/1024, rssBoundMiB)
	t.Log(summary)
	fmt.Println(summary)
	if peak/1024 >= rssBoundMiB {
		t.Errorf("peak RSS %d MiB, over the bound of %d MiB", peak/1024, rssBoundMiB)
	}
}

// hostileTally counts the inputs and how each was answered: with data, with
// an error of the plugin, refused by gRPC (a request over the plugin's 16 MiB
// receive limit, a URL the SDK cannot parse), or too large for the
// harness's 4 MiB default.
type hostileTally struct{ inputs, answers, errors, limited, refused, tooLarge int }

// failed counts an answer with an error, and says whether the error is the
// point limit's.
func (t *hostileTally) failed(err error) (limited bool) {
	t.errors++
	if limited = strings.Contains(err.Error(), "maxPointsPerQuery"); limited {
		t.limited++
	}
	return limited
}

// answered says whether a gRPC error is an answer: only a call that never
// got one (the process gone, no answer in time) is not.
func answered(err error) bool {
	switch status.Code(err) {
	case codes.Unavailable, codes.DeadlineExceeded, codes.Canceled:
		return false
	}
	return true
}

// hostileQuery is a valid metrics query with a few keys set to hostile
// values, an odd range, maxDataPoints and interval; now and then raw junk.
func hostileQuery(r *rand.Rand, now time.Time) backend.DataQuery {
	model := map[string]any{"refId": "A", "schemaVersion": 1, "queryType": []string{"metrics", "raw", "variable", "fleet", "events", "bogus"}[r.IntN(6)],
		"variable": []string{"vm", "host", "uuid", "metric", ""}[r.IntN(5)], "rawQuery": hostileRaw[r.IntN(len(hostileRaw))]}
	for n := r.IntN(4); n >= 0; n-- {
		model[queryKeys[r.IntN(len(queryKeys))]] = hostileValue(r)
	}
	raw, _ := json.Marshal(model)
	switch r.IntN(20) {
	case 0:
		raw = []byte([]string{"", "null", "[]", `"x"`, "{", "not json", strings.Repeat("[", 100_000), "{\"queryType\":\"raw\",\"rawQuery\":\"\xff\"}"}[r.IntN(8)])
	case 1:
		raw = append([]byte(`{"queryType":"metrics","vms":["`), append([]byte(strings.Repeat("x", 1<<20)), []byte(`"]}`)...)...)
	}
	times := []time.Time{{}, time.UnixMilli(math.MinInt64), time.Unix(0, 0), now.Add(-time.Hour), now.Add(-6 * time.Hour), now,
		now.Add(100 * 365 * 24 * time.Hour), time.Date(2262, 4, 11, 23, 47, 16, 0, time.UTC), time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC), time.UnixMilli(math.MaxInt64)}
	return backend.DataQuery{
		RefID:         "A",
		JSON:          raw,
		MaxDataPoints: []int64{0, -1, 1, 2, 1000, 50_000, 1 << 31, math.MaxInt64, math.MinInt64}[r.IntN(9)],
		Interval:      []time.Duration{0, -time.Second, time.Nanosecond, time.Millisecond, time.Second, time.Hour, math.MaxInt64}[r.IntN(7)],
		TimeRange:     backend.TimeRange{From: times[r.IntN(len(times))], To: times[r.IntN(len(times))]},
	}
}

// checkAnswer sends one query: the answer must come, as an error or as
// frames holding at most as many rows as the data source's point limit.
func checkAnswer(t *testing.T, tally *hostileTally, p *grafanahost.Plugin, ds grafanahost.DataSource, q backend.DataQuery) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	tally.inputs++
	resp, err := p.QueryData(ctx, &backend.QueryDataRequest{PluginContext: ds.PluginContext(), Queries: []backend.DataQuery{q}})
	if err != nil {
		if !answered(err) {
			t.Errorf("%s: no answer: %v", describe(q), err)
		}
		tally.refused++
		return
	}
	dr, ok := resp.Responses[q.RefID]
	if !ok {
		t.Errorf("%s: no response for refId %s", describe(q), q.RefID)
		return
	}
	if dr.Error != nil {
		if dr.Error.Error() == "" {
			t.Errorf("%s: an empty error", describe(q))
		}
		tally.failed(dr.Error)
		return
	}
	// The limit counts values (InfluxQL cells, Flux records); a frame row
	// holds at least one of them.
	rows := 0
	for _, frame := range dr.Frames {
		rows += frame.Rows()
	}
	if rows > fuzzPointLimit {
		t.Errorf("%s: %d rows, over the limit of %d points read", describe(q), rows, fuzzPointLimit)
	}
	tally.answers++
}

// checkHostileStreams: hostile channel paths and data are refused without
// harm, and the process caps its streams: with every slot running, a new
// channel is refused and its RunStream ends with an error, while running
// channels keep their subscribers.
func checkHostileStreams(t *testing.T, tally *hostileTally, p *grafanahost.Plugin, ds grafanahost.DataSource) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	good := `{"schemaVersion":1,"host":"kvm1","liveIntervalMs":1000}`
	goodPath, err := plugin.StreamPath(json.RawMessage(good))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ path, data string }{
		{"", good}, {"fleet/", good}, {"fleet/../../x", good}, {goodPath + "/x", good}, {strings.Repeat("fleet/", 10_000), good},
		{goodPath, `{"schemaVersion":1,"host":"kvm2","liveIntervalMs":1000}`}, {goodPath, "not json"}, {goodPath, ""},
		{"fleet/all/" + strings.Repeat("0", 32), `{"liveIntervalMs":1}`}, {"fleet/all/x", `{"liveIntervalMs":-5}`},
		{"fleet/all/x", `{"liveIntervalMs":9223372036854775807}`}, {"fleet/all/x", strings.Repeat("[", 100_000)},
	} {
		tally.inputs++
		sub, err := p.SubscribeStream(ctx, &backend.SubscribeStreamRequest{PluginContext: ds.PluginContext(), Path: tc.path, Data: json.RawMessage(tc.data)})
		if err != nil || sub.Status == backend.SubscribeStreamStatusOK {
			t.Errorf("subscribe %q with %.60q: %v %v, want a refusal", tail(tc.path, 80), tc.data, sub, err)
		}
		stream, err := p.RunStream(ctx, &backend.RunStreamRequest{PluginContext: ds.PluginContext(), Path: tc.path, Data: json.RawMessage(tc.data)})
		if err == nil {
			_, err = stream.Recv()
		}
		if err == nil || status.Code(err) == codes.OK {
			t.Errorf("run stream %q: %v, want it to end with an error", tail(tc.path, 80), err)
		}
		tally.errors++
		if p.Exited() {
			t.Fatalf("the plugin exited after stream path %q", tail(tc.path, 80))
		}
	}

	// Fill every slot with running streams, one host each.
	const slots = 64
	streamCtx, stopStreams := context.WithCancel(ctx)
	defer stopStreams()
	channel := func(i int) (string, json.RawMessage) {
		data := json.RawMessage(fmt.Sprintf(`{"schemaVersion":1,"host":"cap-%d","liveIntervalMs":1000}`, i))
		path, err := plugin.StreamPath(data)
		if err != nil {
			t.Fatal(err)
		}
		return path, data
	}
	subscribe := func(i int) backend.SubscribeStreamStatus {
		path, data := channel(i)
		sub, err := p.SubscribeStream(ctx, &backend.SubscribeStreamRequest{PluginContext: ds.PluginContext(), Path: path, Data: data})
		if err != nil {
			t.Fatal(err)
		}
		return sub.Status
	}
	for i := 0; i < slots; i++ {
		if s := subscribe(i); s != backend.SubscribeStreamStatusOK {
			t.Fatalf("stream %d of %d refused: %v", i, slots, s)
		}
		path, data := channel(i)
		stream, err := p.RunStream(streamCtx, &backend.RunStreamRequest{PluginContext: ds.PluginContext(), Path: path, Data: data})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := stream.Recv(); err != nil { // the first frame: the stream runs
			t.Fatalf("stream %d: %v", i, err)
		}
	}
	tally.inputs += slots
	tally.answers += slots
	if s := subscribe(slots); s == backend.SubscribeStreamStatusOK {
		t.Errorf("a new channel with %d streams running: admitted, want a refusal", slots)
	}
	if s := subscribe(0); s != backend.SubscribeStreamStatusOK {
		t.Errorf("a running channel refused a subscriber: %v", s)
	}
	path, data := channel(slots)
	stream, err := p.RunStream(ctx, &backend.RunStreamRequest{PluginContext: ds.PluginContext(), Path: path, Data: data})
	if err == nil {
		_, err = stream.Recv()
	}
	if err == nil || !strings.Contains(err.Error(), "live streams already") {
		t.Errorf("RunStream of channel %d: %v, want an error naming the cap", slots, err)
	}
	tally.inputs += 3
	tally.errors += 2
	tally.answers++
	stopStreams()
	// The streams end as Grafana ends them; their slots come free.
	deadline := time.Now().Add(30 * time.Second)
	for subscribe(slots) != backend.SubscribeStreamStatusOK {
		if time.Now().After(deadline) {
			t.Fatal("the slots did not come free after the streams were cancelled")
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// rssOf reads the process's peak resident set (VmHWM), in KiB.
func rssOf(t *testing.T, pid int) int {
	t.Helper()
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kib, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(rest), " kB"))
			if err != nil {
				t.Fatal(err)
			}
			return kib
		}
	}
	t.Fatalf("no VmHWM in /proc/%d/status", pid)
	return 0
}

func describe(q backend.DataQuery) string {
	return fmt.Sprintf("query %s [%d, %d] maxDataPoints %d interval %s", tail(string(q.JSON), 200), q.TimeRange.From.UnixMilli(), q.TimeRange.To.UnixMilli(), q.MaxDataPoints, q.Interval)
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}
