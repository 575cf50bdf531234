//go:build integration

package plugin

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/grafana/grafana-plugin-sdk-go/experimental"

	"github.com/vmtelemetry/libvirt-datasource/internal/testenv"
	"github.com/vmtelemetry/libvirt-datasource/pkg/models"
)

// t0 is the start of the known series: fixed, so frames can be compared
// with golden files across servers and query languages.
var t0 = time.Date(2025, 12, 4, 10, 30, 45, 0, time.UTC)

// hostileNames are VM names that try to leave their quotes.
var hostileNames = []string{`quote"back\slash`, `it's`, `a/b c`, `émoji-☃`, `x' OR 'a'='a`, `${vm}") |> drop() //`}

// knownSeries writes the test data set into measurement m.
func knownSeries(m string) string {
	var b strings.Builder
	point := func(vm, host, uuid string, offset time.Duration, fields string) {
		fmt.Fprintf(&b, "%s,vm=%s,host=%s,uuid=%s %s %d\n", m, escapeTag(vm), escapeTag(host), escapeTag(uuid), fields, t0.Add(offset).UnixNano())
	}
	// one-71: the seed's 40 → 50 in 1 s, a counter reset, then a 36 s gap.
	cpu := []float64{40, 50, 50, 45}
	disk := []int64{5242880, 6291456, 1000, 525288}
	for i := range cpu {
		point("one-71", "kvm1", "uuid-71", time.Duration(i)*time.Second,
			fmt.Sprintf("cpu_usage_percent=%g,memory_usage_percent=%g,disk_read_bytes=%di,network_rx_bytes=%di,domain_id=10i,vcpus=2i,state=\"running\"",
				cpu[i], 20+float64(i), disk[i], int64(i)*2097152))
	}
	point("one-71", "kvm1", "uuid-71", 40*time.Second,
		"cpu_usage_percent=60,memory_usage_percent=25,disk_read_bytes=1525288i,network_rx_bytes=8388608i,domain_id=10i,vcpus=2i,state=\"running\"")
	// one-72: flat on another host.
	for i := 0; i < 4; i++ {
		point("one-72", "kvm2", "uuid-72", time.Duration(i)*time.Second, "cpu_usage_percent=10,memory_usage_percent=30,disk_read_bytes=0i,network_rx_bytes=0i,domain_id=11i,vcpus=1i")
	}
	for i, name := range hostileNames {
		for j := 0; j < 2; j++ {
			point(name, "kvm3", fmt.Sprintf("uuid-h%d", i), time.Duration(j)*time.Second, fmt.Sprintf("cpu_usage_percent=%d,domain_id=%di", i+j, 20+i))
		}
	}
	return b.String()
}

// tAgg starts the aggregation series on a 10 s boundary of the Unix epoch.
var tAgg = time.Date(2025, 12, 4, 11, 0, 0, 0, time.UTC)

// aggregationSeries: one-81 with 600 points at 1 s; cpu cycles 0..9 (mean 4.5
// per aligned 10 s bucket), the disk counter grows 1 MiB/s.
func aggregationSeries(m string) string {
	var b strings.Builder
	for i := 0; i < 600; i++ {
		fmt.Fprintf(&b, "%s,vm=one-81,host=kvm1,uuid=uuid-81 cpu_usage_percent=%d,disk_read_bytes=%di,domain_id=81i %d\n",
			m, i%10, int64(i)*1048576, tAgg.Add(time.Duration(i)*time.Second).UnixNano())
	}
	return b.String()
}

func escapeTag(s string) string {
	return strings.NewReplacer(`,`, `\,`, ` `, `\ `, `=`, `\=`).Replace(s)
}

// target is a server and a query language to test against.
type target struct {
	server   *testenv.InfluxServer
	language string
}

func (tg target) datasource(t *testing.T, overrides map[string]any) *Datasource {
	t.Helper()
	jsonData := map[string]any{"queryLanguage": tg.language, "database": tg.server.Database, "timeoutSeconds": 20}
	secrets := map[string]string{}
	if tg.server.IsV2() {
		jsonData["authType"] = "token"
		jsonData["organization"] = tg.server.Org
		jsonData["bucket"] = tg.server.Bucket
		secrets["token"] = tg.server.Token
	}
	url := tg.server.URL
	for k, v := range overrides {
		switch k {
		case "url":
			url = v.(string)
		case "token":
			secrets["token"] = v.(string)
		default:
			jsonData[k] = v
		}
	}
	raw, _ := json.Marshal(jsonData)
	instance, err := NewDatasource(context.Background(), backend.DataSourceInstanceSettings{URL: url, JSONData: raw, DecryptedSecureJSONData: secrets})
	if err != nil {
		t.Fatal(err)
	}
	d := instance.(*Datasource)
	t.Cleanup(d.Dispose)
	return d
}

func dataQuery(refID, model string, from, to time.Time, maxDataPoints int64, interval time.Duration) backend.DataQuery {
	return backend.DataQuery{
		RefID: refID, JSON: json.RawMessage(model), MaxDataPoints: maxDataPoints, Interval: interval,
		TimeRange: backend.TimeRange{From: from, To: to},
	}
}

func run(t *testing.T, d *Datasource, headers map[string]string, queries ...backend.DataQuery) *backend.QueryDataResponse {
	t.Helper()
	resp, err := d.QueryData(context.Background(), &backend.QueryDataRequest{Queries: queries, Headers: headers})
	if err != nil {
		t.Fatalf("QueryData: %v", err)
	}
	return resp
}

func TestInfluxDB16(t *testing.T) {
	srv := testenv.StartInflux(t, testenv.InfluxV16)
	runSuite(t, srv, []string{models.LanguageInfluxQL})
	t.Run("Flux is refused clearly", func(t *testing.T) {
		d := target{server: srv, language: models.LanguageFlux}.datasource(t, nil)
		res, err := d.CheckHealth(context.Background(), &backend.CheckHealthRequest{})
		if err != nil || res.Status != backend.HealthStatusError || !strings.Contains(res.Message, "has no Flux endpoint") {
			t.Errorf("Flux on 1.6: %v %v, want an error saying there is no Flux endpoint", res, err)
		}
		dr := run(t, d, nil, dataQuery("A", `{"schemaVersion":1}`, t0, t0.Add(time.Minute), 1000, time.Second)).Responses["A"]
		if dr.Error == nil || !strings.Contains(dr.Error.Error(), "use InfluxQL") {
			t.Errorf("Flux query on 1.6: %v", dr.Error)
		}
	})
}

func TestInfluxDB18(t *testing.T) {
	srv := testenv.StartInflux(t, testenv.InfluxV18)
	runSuite(t, srv, []string{models.LanguageInfluxQL, models.LanguageFlux})
}

func TestInfluxDB27(t *testing.T) {
	srv := testenv.StartInflux(t, testenv.InfluxV27)
	runSuite(t, srv, []string{models.LanguageInfluxQL, models.LanguageFlux})
}

func runSuite(t *testing.T, srv *testenv.InfluxServer, languages []string) {
	srv.Write(t, knownSeries("vm_telemetry"))
	srv.Write(t, aggregationSeries("agg_telemetry"))
	srv.Write(t, knownEvents())
	srv.Write(t, knownDevices())
	srv.Write(t, knownStates("state_telemetry"))
	srv.Write(t, fallbackSeries("fallback_telemetry"))
	for _, language := range languages {
		tg := target{server: srv, language: language}
		t.Run(language, func(t *testing.T) {
			t.Run("frames and rates", func(t *testing.T) { testFramesAndRates(t, tg) })
			t.Run("hostile VM names", func(t *testing.T) { testHostileNames(t, tg) })
			t.Run("errors per query", func(t *testing.T) { testQueryErrors(t, tg) })
			t.Run("aggregation", func(t *testing.T) { testAggregation(t, tg) })
			t.Run("alert labels", func(t *testing.T) { testAlertLabels(t, tg) })
			t.Run("rate window", func(t *testing.T) { testRateWindow(t, tg) })
			t.Run("variables", func(t *testing.T) { testVariables(t, tg) })
			t.Run("health", func(t *testing.T) { testHealth(t, tg) })
			t.Run("resources", func(t *testing.T) { testResources(t, tg) })
			t.Run("fleet frame", func(t *testing.T) { testFleetFrame(t, tg) })
			t.Run("fleet frame of fields read less often", func(t *testing.T) { testFleetFrameOfFieldsReadLessOften(t, tg) })
			t.Run("events", func(t *testing.T) { testEvents(t, tg) })
			t.Run("ad hoc filters and alias", func(t *testing.T) { testAdhocFiltersAndAlias(t, tg) })
			t.Run("devices", func(t *testing.T) { testDevices(t, tg) })
			t.Run("state", func(t *testing.T) { testState(t, tg) })
		})
	}
	t.Run("raw InfluxQL", func(t *testing.T) { testRaw(t, target{server: srv, language: models.LanguageInfluxQL}) })
	t.Run("rollups", func(t *testing.T) { testRollups(t, srv, languages) })
}

func fieldByName(t *testing.T, frame *data.Frame, name string) *data.Field {
	t.Helper()
	field, idx := frame.FieldByName(name)
	if idx < 0 {
		t.Fatalf("frame %q has no field %q (fields: %v)", frame.Name, name, fieldNames(frame))
	}
	return field
}

func fieldNames(frame *data.Frame) []string {
	var names []string
	for _, f := range frame.Fields {
		names = append(names, f.Name)
	}
	return names
}

func frameByName(t *testing.T, frames data.Frames, name string) *data.Frame {
	t.Helper()
	for _, f := range frames {
		if f.Name == name {
			return f
		}
	}
	t.Fatalf("no frame named %q among %d frames", name, len(frames))
	return nil
}

// wantValues compares a nullable float field with expected values (nil = null).
func wantValues(t *testing.T, field *data.Field, want ...*float64) {
	t.Helper()
	if field.Len() != len(want) {
		t.Fatalf("%s has %d values, want %d", field.Name, field.Len(), len(want))
	}
	for i, w := range want {
		got := field.At(i).(*float64)
		switch {
		case w == nil && got != nil:
			t.Errorf("%s[%d] = %v, want null", field.Name, i, *got)
		case w != nil && got == nil:
			t.Errorf("%s[%d] = null, want %v", field.Name, i, *w)
		case w != nil && math.Abs(*got-*w) > 1e-9:
			t.Errorf("%s[%d] = %v, want %v", field.Name, i, *got, *w)
		}
	}
}

func f(v float64) *float64 { return &v }

func degrees(slope float64) *float64 { return f(math.Atan(slope) * 180 / math.Pi) }

func testFramesAndRates(t *testing.T, tg target) {
	d := tg.datasource(t, nil)
	model := `{"schemaVersion":1,"vmMode":"list","vms":["one-71","one-72"],"metrics":["cpu_usage_percent","disk_read_bytes"]}`
	resp := run(t, d, nil, dataQuery("A", model, t0.Add(-time.Minute), t0.Add(time.Minute), 1000, time.Second))
	dr := resp.Responses["A"]
	if dr.Error != nil {
		t.Fatalf("query error: %v", dr.Error)
	}
	if len(dr.Frames) != 2 {
		t.Fatalf("got %d frames, want one per VM (2)", len(dr.Frames))
	}
	one71 := frameByName(t, dr.Frames, "kvm1/one-71")
	if got := fieldNames(one71); strings.Join(got, ",") != "time,cpu_usage_percent,cpu_usage_percent_rate,disk_read_bytes,disk_read_bytes_rate,disk_read_bytes_per_second" {
		t.Fatalf("fields of one-71: %v", got)
	}
	if one71.Meta == nil || one71.Meta.Type != data.FrameTypeTimeSeriesWide || one71.Meta.TypeVersion != (data.FrameTypeVersion{0, 1}) {
		t.Fatalf("frame meta %+v, want timeseries-wide 0.1", one71.Meta)
	}
	rate := fieldByName(t, one71, "cpu_usage_percent_rate")
	// 40 → 50 in 1 s is 84.3°; flat 0°; 50 → 45 falling; the 36 s gap is null.
	wantValues(t, rate, nil, f(84.28940686250037), f(0), degrees(-5), nil)
	if got := math.Round(*rate.At(1).(*float64)*10) / 10; got != 84.3 {
		t.Errorf("seed example gives %v°, want 84.3°", got)
	}
	// The counter: 1 MiB/s is 45°, the reset is null, then 0.5 MiB/s; the
	// 37 s step is longer than the automatic gap limit (10 s) and is null.
	wantValues(t, fieldByName(t, one71, "disk_read_bytes_rate"), nil, f(45), nil, degrees(0.5), nil)
	wantValues(t, fieldByName(t, one71, "disk_read_bytes_per_second"), nil, f(1048576), nil, f(524288), nil)
	if rate.Config == nil || rate.Config.Unit != "degree" || rate.Config.Decimals == nil || *rate.Config.Decimals != 1 {
		t.Errorf("rate field config %+v, want unit degree with 1 decimal", rate.Config)
	}
	wantLabels := data.Labels{"vm": "one-71", "host": "kvm1", "uuid": "uuid-71"}
	for _, field := range one71.Fields[1:] {
		if !field.Labels.Equals(wantLabels) {
			t.Errorf("labels of %s = %v, want %v", field.Name, field.Labels, wantLabels)
		}
	}
	if one71.Fields[0].Labels != nil {
		t.Errorf("the time field has labels %v", one71.Fields[0].Labels)
	}
	// The executed query differs between languages; the golden file holds what they share.
	for _, frame := range dr.Frames {
		if executed := frame.Meta.ExecutedQueryString; !strings.Contains(executed, `"vm_telemetry"`) {
			t.Errorf("executedQueryString %q does not name the measurement", executed)
		}
		frame.Meta.ExecutedQueryString = ""
	}
	experimental.CheckGoldenJSONResponse(t, "testdata/golden", "integration_frames_and_rates", &dr, *updateGolden)
}

func testHostileNames(t *testing.T, tg target) {
	d := tg.datasource(t, nil)
	for _, name := range hostileNames {
		list, _ := json.Marshal(map[string]any{"schemaVersion": 1, "vmMode": "list", "vms": []string{"kvm3/" + name}, "metrics": []string{"cpu_usage_percent"}})
		regex, _ := json.Marshal(map[string]any{"schemaVersion": 1, "vmMode": "regex", "vmRegex": "^" + regexp.QuoteMeta(name) + "$", "metrics": []string{"cpu_usage_percent"}})
		resp := run(t, d, nil,
			dataQuery("list", string(list), t0.Add(-time.Minute), t0.Add(time.Minute), 1000, time.Second),
			dataQuery("regex", string(regex), t0.Add(-time.Minute), t0.Add(time.Minute), 1000, time.Second))
		for _, refID := range []string{"list", "regex"} {
			dr := resp.Responses[refID]
			if dr.Error != nil {
				t.Errorf("%s query for %q: %v", refID, name, dr.Error)
				continue
			}
			if len(dr.Frames) != 1 || dr.Frames[0].Name != "kvm3/"+name || dr.Frames[0].Rows() != 2 {
				t.Errorf("%s query for %q gave %d frames (first %q), want exactly that VM with 2 rows", refID, name, len(dr.Frames), dr.Frames[0].Name)
			}
		}
	}
}

func testQueryErrors(t *testing.T, tg target) {
	d := tg.datasource(t, nil)
	from, to := t0.Add(-time.Minute), t0.Add(time.Minute)
	resp := run(t, d, nil,
		dataQuery("missing", `{"schemaVersion":1,"vmMode":"list","vms":["one-71","one-99"],"metrics":["cpu_usage_percent"]}`, from, to, 1000, time.Second),
		dataQuery("none", `{"schemaVersion":1,"vmMode":"regex","vmRegex":"^nothing-","metrics":["cpu_usage_percent"]}`, from, to, 1000, time.Second),
		dataQuery("regex", `{"schemaVersion":1,"vmMode":"regex","vmRegex":"one-(7","metrics":["cpu_usage_percent"]}`, from, to, 1000, time.Second),
		dataQuery("json", `{"schemaVersion":1,"vmMode":`, from, to, 1000, time.Second),
		dataQuery("metric", `{"schemaVersion":1,"metrics":["cpu_percent"]}`, from, to, 1000, time.Second),
		dataQuery("ok", `{"schemaVersion":1,"vmMode":"list","vms":["one-72"]}`, from, to, 1000, time.Second),
	)
	missing := resp.Responses["missing"]
	if missing.Error == nil || !strings.Contains(missing.Error.Error(), `no data for VM "one-99"`) || len(missing.Frames) != 1 {
		t.Errorf("list with a missing VM: error %v, %d frames; want the error line and one-71's frame", missing.Error, len(missing.Frames))
	}
	for refID, want := range map[string]string{
		"none": `no VM matches the regex "^nothing-"`, "regex": "bad regex", "json": "malformed query JSON", "metric": `metric "cpu_percent" is unknown`,
	} {
		dr := resp.Responses[refID]
		if dr.Error == nil || !strings.Contains(dr.Error.Error(), want) || len(dr.Frames) != 0 {
			t.Errorf("%s: error %v with %d frames, want an error containing %q and no frame", refID, dr.Error, len(dr.Frames), want)
		}
		if dr.ErrorSource != backend.ErrorSourceDownstream {
			t.Errorf("%s: error source %q, want downstream", refID, dr.ErrorSource)
		}
	}
	if ok := resp.Responses["ok"]; ok.Error != nil || len(ok.Frames) != 1 {
		t.Errorf("a good query beside bad ones: error %v, %d frames", ok.Error, len(ok.Frames))
	}

	// InfluxDB down: a closed port.
	down := tg.datasource(t, map[string]any{"url": "http://" + closedAddress(t)})
	dr := run(t, down, nil, dataQuery("A", `{"schemaVersion":1}`, from, to, 1000, time.Second)).Responses["A"]
	if dr.Error == nil || !strings.Contains(dr.Error.Error(), "cannot reach InfluxDB") || dr.Status != backend.StatusBadGateway {
		t.Errorf("InfluxDB down: status %v error %v, want 502 cannot reach InfluxDB", dr.Status, dr.Error)
	}
	// InfluxDB slow: a listener that accepts and never answers.
	slow := tg.datasource(t, map[string]any{"url": "http://" + silentListener(t), "timeoutSeconds": 0.5})
	dr = run(t, slow, nil, dataQuery("A", `{"schemaVersion":1}`, from, to, 1000, time.Second)).Responses["A"]
	if dr.Error == nil || !strings.Contains(dr.Error.Error(), "did not answer within 500ms") || dr.Status != backend.StatusTimeout {
		t.Errorf("InfluxDB slow: status %v error %v, want a timeout error", dr.Status, dr.Error)
	}
}

// closedAddress returns a loopback address where nothing listens.
func closedAddress(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	return addr
}

// silentListener accepts connections and never answers, like a hung server.
func silentListener(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var conns []net.Conn
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			conns = append(conns, c)
		}
	}()
	t.Cleanup(func() {
		_ = l.Close()
		<-done
		for _, c := range conns {
			_ = c.Close()
		}
	})
	return l.Addr().String()
}

func testAggregation(t *testing.T, tg target) {
	d := tg.datasource(t, map[string]any{"measurement": "agg_telemetry"})
	model := `{"schemaVersion":1,"vmMode":"list","vms":["one-81"],"metrics":["cpu_usage_percent","disk_read_bytes"],"aggregation":"mean"}`
	// 600 s of 1 s points into 60 points: 10 s buckets (Grafana's interval too).
	dr := run(t, d, nil, dataQuery("A", model, tAgg, tAgg.Add(600*time.Second), 60, 10*time.Second)).Responses["A"]
	if dr.Error != nil {
		t.Fatal(dr.Error)
	}
	frame := dr.Frames[0]
	if frame.Rows() != 60 {
		t.Fatalf("aggregated frame has %d rows, want 60 buckets of 10 s", frame.Rows())
	}
	times := frame.Fields[0]
	for i := 0; i < frame.Rows(); i++ {
		if got, want := times.At(i).(time.Time), tAgg.Add(time.Duration(i)*10*time.Second); !got.Equal(want) {
			t.Fatalf("bucket %d at %v, want %v", i, got, want)
		}
	}
	cpu := fieldByName(t, frame, "cpu_usage_percent")
	disk := fieldByName(t, frame, "disk_read_bytes")
	for i := 0; i < frame.Rows(); i++ {
		if got := *cpu.At(i).(*float64); got != 4.5 {
			t.Errorf("mean cpu of bucket %d = %v, want 4.5", i, got)
		}
		// last of a counter, not its mean: the bucket's last point is 10i+9 MiB.
		if got, want := *disk.At(i).(*float64), float64((10*i+9)*1048576); got != want {
			t.Errorf("disk counter of bucket %d = %v, want last %v", i, got, want)
		}
	}
	// Rates of the aggregated series: flat mean → 0°, 10 MiB per 10 s → 45°.
	cpuRate := fieldByName(t, frame, "cpu_usage_percent_rate")
	diskRate := fieldByName(t, frame, "disk_read_bytes_rate")
	for i := 1; i < frame.Rows(); i++ {
		if got := *cpuRate.At(i).(*float64); got != 0 {
			t.Errorf("cpu rate of bucket %d = %v, want 0", i, got)
		}
		if got := *diskRate.At(i).(*float64); math.Abs(got-45) > 1e-9 {
			t.Errorf("disk rate of bucket %d = %v, want 45", i, got)
		}
	}
	// Enough room for every point: raw points.
	raw := run(t, d, nil, dataQuery("B", model, tAgg, tAgg.Add(99*time.Second), 1000, time.Second)).Responses["B"]
	if raw.Error != nil || raw.Frames[0].Rows() != 100 {
		t.Errorf("raw read: error %v, want 100 rows", raw.Error)
	}
}

func testAlertLabels(t *testing.T, tg target) {
	d := tg.datasource(t, nil)
	from, to := t0.Add(-time.Minute), t0.Add(time.Minute)
	two := `{"schemaVersion":1,"vmMode":"list","vms":["one-71"],"metrics":["cpu_usage_percent"],"outputs":["value","rate"]}`
	one := `{"schemaVersion":1,"vmMode":"list","vms":["one-71"],"metrics":["cpu_usage_percent"],"outputs":["rate"]}`
	// Header keys as Grafana sends them and as a proxy canonicalises them.
	for _, header := range []string{"FromAlert", "Fromalert"} {
		resp := run(t, d, map[string]string{header: "true"}, dataQuery("two", two, from, to, 1000, time.Second), dataQuery("one", one, from, to, 1000, time.Second))
		// Grafana's dataplane reader takes one series per frame (timeseries-multi).
		two := resp.Responses["two"].Frames
		if len(two) != 2 {
			t.Fatalf("%s: %d frames for one VM with two outputs, want one per series", header, len(two))
		}
		for _, frame := range two {
			if frame.Meta == nil || frame.Meta.Type != data.FrameTypeTimeSeriesMulti || len(frame.Fields) != 2 {
				t.Errorf("%s: alert frame %v with %d fields, want timeseries-multi of time and one value", header, frame.Meta, len(frame.Fields))
				continue
			}
			if field := frame.Fields[1]; field.Labels["field"] != field.Name {
				t.Errorf("%s: alert field %s has labels %v, want field=%s", header, field.Name, field.Labels, field.Name)
			}
		}
		if label, ok := resp.Responses["one"].Frames[0].Fields[1].Labels["field"]; ok {
			t.Errorf("%s: a single-field frame got field=%s", header, label)
		}
	}
	resp := run(t, d, nil, dataQuery("two", two, from, to, 1000, time.Second))
	if _, ok := resp.Responses["two"].Frames[0].Fields[1].Labels["field"]; ok {
		t.Error("a dashboard query got the alert-only field label")
	}
}

// testRateWindow reads one-81 with a 10-s rate window: the range's first
// point already has its reference (read from before the range), the CPU
// cycle of period 10 s gives 0°, the disk counter's 1 MiB/s gives 45°. An
// alert query that matches no VM answers empty data, not an error.
func testRateWindow(t *testing.T, tg target) {
	d := tg.datasource(t, map[string]any{"measurement": "agg_telemetry"})
	from, to := tAgg.Add(time.Minute), tAgg.Add(2*time.Minute)
	model := `{"schemaVersion":1,"metrics":["cpu_usage_percent","disk_read_bytes"],"outputs":["rate","per_second"],"rateWindowSeconds":10}`
	dr := run(t, d, nil, dataQuery("A", model, from, to, 1000, time.Second)).Responses["A"]
	if dr.Error != nil || len(dr.Frames) != 1 {
		t.Fatalf("windowed read: error %v, %d frames", dr.Error, len(dr.Frames))
	}
	frame := dr.Frames[0]
	if frame.Rows() != 61 || !frame.Fields[0].At(0).(time.Time).Equal(from) {
		t.Fatalf("%d rows from %v, want 61 from %v", frame.Rows(), frame.Fields[0].At(0), from)
	}
	for name, want := range map[string]float64{"cpu_usage_percent_rate": 0, "disk_read_bytes_rate": 45, "disk_read_bytes_per_second": 1048576} {
		field := fieldByName(t, frame, name)
		for i := 0; i < field.Len(); i++ {
			if v, ok := field.ConcreteAt(i); !ok || math.Abs(v.(float64)-want) > 1e-6 {
				t.Fatalf("%s[%d] = %v (set %v), want %v", name, i, v, ok, want)
			}
		}
	}
	none := `{"schemaVersion":1,"vmMode":"regex","vmRegex":"^nothing-","metrics":["cpu_usage_percent"],"outputs":["rate"],"rateWindowSeconds":10}`
	alert := run(t, d, map[string]string{backend.FromAlertHeaderName: "true"}, dataQuery("A", none, from, to, 1000, time.Second)).Responses["A"]
	if alert.Error != nil || len(alert.Frames) != 0 {
		t.Errorf("alert query matching no VM: error %v, %d frames; want empty data (Grafana: NoData)", alert.Error, len(alert.Frames))
	}
}

func testVariables(t *testing.T, tg target) {
	d := tg.datasource(t, nil)
	from, to := t0.Add(-time.Minute), t0.Add(time.Minute)
	resp := run(t, d, nil,
		dataQuery("vm", `{"queryType":"variable","variable":"vm","host":"kvm1"}`, from, to, 1000, time.Second),
		dataQuery("host", `{"queryType":"variable","variable":"host"}`, from, to, 1000, time.Second))
	if got := fieldStrings(resp.Responses["vm"]); strings.Join(got, "|") != "kvm1/one-71" {
		t.Errorf("vm variable on kvm1 = %q, want [kvm1/one-71] (error %v)", got, resp.Responses["vm"].Error)
	}
	if got := fieldStrings(resp.Responses["host"]); strings.Join(got, "|") != "kvm1|kvm2|kvm3" {
		t.Errorf("host variable = %q, want [kvm1 kvm2 kvm3] (error %v)", got, resp.Responses["host"].Error)
	}
	// The inventory is bounded by the dashboard's range: an hour later the
	// known series are out of it.
	later := run(t, d, nil, dataQuery("vm", `{"queryType":"variable","variable":"vm"}`, t0.Add(time.Hour), t0.Add(2*time.Hour), 1000, time.Second))
	if dr := later.Responses["vm"]; dr.Error == nil || !strings.Contains(dr.Error.Error(), "no VM found") {
		t.Errorf("vm variable for a range without samples: %v, want no VM found", dr.Error)
	}
}

func fieldStrings(dr backend.DataResponse) []string {
	if len(dr.Frames) != 1 {
		return nil
	}
	value, _ := dr.Frames[0].FieldByName("value")
	if value == nil {
		return nil
	}
	var out []string
	for i := 0; i < value.Len(); i++ {
		out = append(out, value.At(i).(string))
	}
	return out
}

func testHealth(t *testing.T, tg target) {
	ctx := context.Background()
	check := func(d *Datasource) *backend.CheckHealthResult {
		res, err := d.CheckHealth(ctx, &backend.CheckHealthRequest{})
		if err != nil {
			t.Fatalf("CheckHealth: %v", err)
		}
		return res
	}
	// Fresh data: OK with the count and the age. Each case has a
	// measurement of its own, written relative to now.
	now := time.Now()
	measurement := func(name string, ages ...time.Duration) map[string]any {
		var lines strings.Builder
		for i, age := range ages {
			fmt.Fprintf(&lines, "%s,vm=vm-%d,host=kvm1,uuid=u%d domain_id=1i %d\n", name, i, i, now.Add(-age).UnixNano())
		}
		tg.server.Write(t, lines.String())
		return map[string]any{"measurement": name}
	}
	fresh := measurement("fresh_"+tg.language, 2*time.Second, 3*time.Second, 48*time.Hour)
	ok := check(tg.datasource(t, fresh))
	t.Logf("healthy: %s", ok.Message)
	if ok.Status != backend.HealthStatusOk || !regexp.MustCompile(`: 2 VMs in the last 24.0 h, newest sample [0-9.]+ s old$`).MatchString(ok.Message) {
		t.Errorf("healthy: %v %q, want OK with 2 VMs (the third is older than the window) and the newest sample's age", ok.Status, ok.Message)
	}
	var details HealthDetails
	if err := json.Unmarshal(ok.JSONDetails, &details); err != nil || details.VMs != 2 ||
		math.Abs(details.NewestSampleAgeSeconds-time.Since(now.Add(-2*time.Second)).Seconds()) > 30 {
		t.Errorf("health details %+v (%v), want 2 VMs and the age of a sample written 2 s before %v", details, err, now)
	}
	stale := check(tg.datasource(t, measurement("stale_"+tg.language, 10*time.Minute)))
	t.Logf("stale: %s", stale.Message)
	if stale.Status != backend.HealthStatusError || !strings.Contains(stale.Message, "newest sample 10.0 min old: data is stale (older than the 1.0 min threshold)") {
		t.Errorf("stale: %v %q, want an error naming the age and the threshold", stale.Status, stale.Message)
	}
	failures := map[string]struct {
		overrides map[string]any
		want      string
	}{
		"bad URL":           {map[string]any{"url": "influxdb:8086"}, "must start with http:// or https://"},
		"unreachable":       {map[string]any{"url": "http://" + closedAddress(t)}, "cannot reach InfluxDB at http://127.0.0.1:"},
		"measurement empty": {map[string]any{"measurement": "nothing_here"}, `measurement "nothing_here"`},
		// The known series are from 2025: nothing in the last 24 h.
		"only old samples": {nil, `measurement "vm_telemetry" in ` + map[bool]string{true: "bucket", false: "database"}[tg.language == models.LanguageFlux] + ` "`},
	}
	if tg.language == models.LanguageFlux {
		failures["bucket missing"] = struct {
			overrides map[string]any
			want      string
		}{map[string]any{"bucket": "missing_bucket"}, `bucket "missing_bucket" not found`}
	} else {
		failures["database missing"] = struct {
			overrides map[string]any
			want      string
		}{map[string]any{"database": "missing_db"}, `database "missing_db" not found`}
	}
	if tg.server.IsV2() && tg.language == models.LanguageFlux {
		failures["organization missing"] = struct {
			overrides map[string]any
			want      string
		}{map[string]any{"organization": ""}, "set the organization"}
	}
	if tg.server.IsV2() {
		failures["auth refused"] = struct {
			overrides map[string]any
			want      string
		}{map[string]any{"token": "wrong-token"}, "InfluxDB refused the credentials"}
	}
	for name, tc := range failures {
		res := check(tg.datasource(t, tc.overrides))
		t.Logf("%s: %s", name, res.Message)
		if res.Status != backend.HealthStatusError || !strings.Contains(res.Message, tc.want) {
			t.Errorf("%s: %v %q, want an error containing %q", name, res.Status, res.Message, tc.want)
		}
	}
}

func testResources(t *testing.T, tg target) {
	d := tg.datasource(t, nil)
	call := func(path string) (int, []byte) {
		var status int
		var body []byte
		err := d.CallResource(context.Background(), &backend.CallResourceRequest{Method: "GET", Path: strings.SplitN(path, "?", 2)[0], URL: path},
			backend.CallResourceResponseSenderFunc(func(r *backend.CallResourceResponse) error {
				if r.Status != 0 {
					status = r.Status
				}
				body = append(body, r.Body...)
				return nil
			}))
		if err != nil {
			t.Fatalf("CallResource %s: %v", path, err)
		}
		return status, body
	}
	window := fmt.Sprintf("from=%d&to=%d", t0.Add(-time.Minute).UnixMilli(), t0.Add(time.Minute).UnixMilli())
	status, body := call("vms?host=kvm1&" + window)
	if status != 200 || strings.TrimSpace(string(body)) != `{"vms":[{"name":"one-71","host":"kvm1","uuid":"uuid-71","ref":"kvm1/one-71","lastSeen":"2025-12-04T10:31:25Z"}]}` {
		t.Errorf("vms?host=kvm1: %d %s", status, body)
	}
	status, body = call("vms?" + window)
	var vms struct{ VMs []VMResource }
	if err := json.Unmarshal(body, &vms); status != 200 || err != nil || len(vms.VMs) != 8 || vms.VMs[3].Name != "one-71" {
		t.Errorf("vms: %d %s", status, body)
	}
	// Without a window: the recent one, where the 2025 series are not.
	if status, body = call("vms"); status != 200 || strings.TrimSpace(string(body)) != `{"vms":[]}` {
		t.Errorf("vms without a window: %d %s, want none of the old series", status, body)
	}
	if status, body = call("vms?from=x&to=1"); status != 400 || !strings.Contains(string(body), "epoch milliseconds") {
		t.Errorf("vms?from=x: %d %s, want 400 naming the format", status, body)
	}
	status, body = call("metrics")
	if status != 200 || !strings.Contains(string(body), `{"name":"disk_read_bytes","unit":"bytes","kind":"counter","defaultScale":1048576}`) {
		t.Errorf("metrics: %d %s", status, body)
	}
	seed, err := d.SeedTelemetry(context.Background(), t0.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	var one71 *SeedVM
	for i := range seed.VMs {
		if seed.VMs[i].Name == "one-71" {
			one71 = &seed.VMs[i]
		}
	}
	if seed.Count != 8 || one71 == nil || one71.ID == nil || *one71.ID != 10 || *one71.CPUUsagePercent != 60 ||
		math.Abs(*one71.CPURate-*degrees(15.0 / 37)) > 1e-9 || math.Abs(*one71.DiskReadRate-*degrees(1000000.0 / 1048576 / 37)) > 1e-9 {
		t.Errorf("vm-telemetry: count %d, one-71 %+v", seed.Count, one71)
	}
	// The resource reads the last hour (the seed at t0 is checked above): the 2025
	// series are not in it.
	status, body = call("vm-telemetry")
	var recent SeedTelemetry
	if err := json.Unmarshal(body, &recent); status != 200 || err != nil || recent.Count != 0 || strings.Contains(string(body), "one-71") {
		t.Errorf("vm-telemetry resource: %d %s, want the seed JSON of no VM", status, body)
	}
}

// testFleetFrame: the frame the live stream sends, one row per VM with its
// newest sample and rates, stale rows with nulls.
func testFleetFrame(t *testing.T, tg target) {
	d := tg.datasource(t, nil)
	q, err := models.ParseQuery([]byte(`{"schemaVersion":1,"queryType":"fleet"}`))
	if err != nil {
		t.Fatal(err)
	}
	row := func(frame *data.Frame, ref string) int {
		refs, _ := frame.FieldByName("ref")
		for i := 0; i < frame.Rows(); i++ {
			if refs.At(i) == ref {
				return i
			}
		}
		t.Fatalf("fleet frame has no row %s", ref)
		return -1
	}
	value := func(frame *data.Frame, field string, i int) *float64 {
		return fieldByName(t, frame, field).At(i).(*float64)
	}
	// "now" 10 s after the newest point of one-71, interval 1 min: a 5 min
	// gap limit, stale after 3 min.
	frame, err := d.FleetFrame(context.Background(), q, time.Minute, time.Hour, t0.Add(50*time.Second), nil)
	if err != nil {
		t.Fatal(err)
	}
	if frame.Rows() != 8 {
		t.Fatalf("fleet frame has %d rows, want the 8 VMs", frame.Rows())
	}
	i := row(frame, "kvm1/one-71")
	// 45 → 60 over the last 37 s.
	wantValues(t, data.NewField("cpu", nil, []*float64{value(frame, "cpu_usage_percent", i), value(frame, "cpu_usage_percent_rate", i)}), f(60), degrees(15.0/37))
	if state := fieldByName(t, frame, "state").At(i); state != "running" {
		t.Errorf("one-71 state %v, want running", state)
	}
	if stale := fieldByName(t, frame, "stale").At(i); stale != false {
		t.Errorf("one-71 stale %v, want fresh", stale)
	}
	// Ten minutes later every VM is stale: no old value, the time it was last seen.
	frame, err = d.FleetFrame(context.Background(), q, time.Minute, time.Hour, t0.Add(10*time.Minute), nil)
	if err != nil {
		t.Fatal(err)
	}
	i = row(frame, "kvm1/one-71")
	if v := value(frame, "cpu_usage_percent", i); v != nil || fieldByName(t, frame, "state").At(i) != "stale" || fieldByName(t, frame, "stale").At(i) != true {
		t.Errorf("one-71 ten minutes later: cpu %v, state %v; want null and stale", v, fieldByName(t, frame, "state").At(i))
	}
	if seen := frame.Fields[0].At(i).(time.Time); !seen.Equal(t0.Add(40 * time.Second)) {
		t.Errorf("one-71 last seen %s, want %s", seen, t0.Add(40*time.Second))
	}
}

// fallbackSeries is kvm9/slow-1 as the exporter writes a VM of libvirt's
// test driver (docs/CONTRACT.md): state every second for 20 s,
// cpu_usage_percent only every 10 s (read by per-domain calls).
func fallbackSeries(m string) string {
	var b strings.Builder
	for i := 0; i < 20; i++ {
		at := t0.Add(time.Duration(i) * time.Second).UnixNano()
		cpu := ""
		if i%10 == 0 {
			cpu = fmt.Sprintf(",cpu_usage_percent=%d", 20+i)
		}
		fmt.Fprintf(&b, "%s,vm=slow-1,host=kvm9,uuid=uuid-s1 domain_id=1i,state=\"running\"%s %d\n", m, cpu, at)
		// slow-2: the same until it is shut off at 15 s.
		if i < 15 {
			fmt.Fprintf(&b, "%s,vm=slow-2,host=kvm9,uuid=uuid-s2 domain_id=2i,state=\"running\"%s %d\n", m, cpu, at)
		} else {
			fmt.Fprintf(&b, "%s,vm=slow-2,host=kvm9,uuid=uuid-s2 domain_id=-1i,state=\"shutoff\" %d\n", m, at)
		}
	}
	return b.String()
}

// testFleetFrameOfFieldsReadLessOften: a field that arrives every 10 s is
// shown with its own newest value and the rate of its last 10-s step, though
// the VM's newest points lack it.
func testFleetFrameOfFieldsReadLessOften(t *testing.T, tg target) {
	d := tg.datasource(t, map[string]any{"measurement": "fallback_telemetry"})
	q, err := models.ParseQuery([]byte(`{"schemaVersion":1,"queryType":"fleet"}`))
	if err != nil {
		t.Fatal(err)
	}
	check := func(frame *data.Frame, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		if frame.Rows() != 2 {
			t.Fatalf("fleet frame has %d rows, want kvm9/slow-1 and kvm9/slow-2", frame.Rows())
		}
		// slow-2 was shut off: no value of its ended run.
		if cpu := fieldByName(t, frame, "cpu_usage_percent").At(1).(*float64); cpu != nil {
			t.Errorf("shut-off slow-2 cpu %v, want null", *cpu)
		}
		if seen := frame.Fields[0].At(0).(time.Time); !seen.Equal(t0.Add(19 * time.Second)) {
			t.Errorf("last seen %s, want its newest point %s", seen, t0.Add(19*time.Second))
		}
		// 20 → 30 % in 10 s: atan(1) = 45°.
		wantValues(t, data.NewField("cpu", nil, []*float64{
			fieldByName(t, frame, "cpu_usage_percent").At(0).(*float64),
			fieldByName(t, frame, "cpu_usage_percent_rate").At(0).(*float64),
		}), f(30), f(45))
	}
	// One read: each field's newest samples.
	check(d.FleetFrame(context.Background(), q, time.Second, time.Hour, t0.Add(20*time.Second), nil))
	// A stream: its first read at t0+11 s sees both CPU samples; the next, at
	// t0+20 s, reads the VM's newest points (state only) and keeps CPU from
	// its memory.
	memory := fleetMemory{}
	if _, err := d.FleetFrame(context.Background(), q, time.Second, 25*time.Second, t0.Add(11*time.Second), memory); err != nil {
		t.Fatal(err)
	}
	check(d.FleetFrame(context.Background(), q, time.Second, 25*time.Second, t0.Add(20*time.Second), memory))
}

func testRaw(t *testing.T, tg target) {
	d := tg.datasource(t, nil)
	model, _ := json.Marshal(map[string]any{
		"schemaVersion": 1, "queryType": "raw",
		"rawQuery": `SELECT "cpu_usage_percent", "network_rx_bytes", "state" FROM "vm_telemetry" WHERE "vm" = 'one-71' AND $timeFilter GROUP BY "vm"`,
	})
	dr := run(t, d, nil, dataQuery("A", string(model), t0.Add(-time.Minute), t0.Add(10*time.Second), 1000, time.Second)).Responses["A"]
	if dr.Error != nil {
		t.Fatal(dr.Error)
	}
	frame := dr.Frames[0]
	if got := strings.Join(fieldNames(frame), ","); got != "time,cpu_usage_percent,cpu_usage_percent_rate,network_rx_bytes,network_rx_bytes_rate,network_rx_bytes_per_second" {
		t.Fatalf("raw frame fields: %s", got)
	}
	wantValues(t, fieldByName(t, frame, "cpu_usage_percent_rate"), nil, f(84.28940686250037), f(0), degrees(-5))
	wantValues(t, fieldByName(t, frame, "network_rx_bytes_per_second"), nil, f(2097152), f(2097152), f(2097152))
	if len(frame.Meta.Notices) != 1 || !strings.Contains(frame.Meta.Notices[0].Text, `"state"`) {
		t.Errorf("raw frame notices %+v, want one about the string column state", frame.Meta.Notices)
	}
	write, _ := json.Marshal(map[string]any{"schemaVersion": 1, "queryType": "raw", "rawQuery": `DROP MEASUREMENT "vm_telemetry"`})
	dr = run(t, d, nil, dataQuery("B", string(write), t0, t0.Add(time.Minute), 1000, time.Second)).Responses["B"]
	if dr.Error == nil || !strings.Contains(dr.Error.Error(), "may only hold SELECT statements") {
		t.Errorf("a raw DROP statement gave %v, want a refusal", dr.Error)
	}
	if still := tg.server.Query(t, `SELECT count("cpu_usage_percent") FROM "vm_telemetry"`); !strings.Contains(still, "count") {
		t.Errorf("vm_telemetry after a raw DROP: %s", still)
	}
}
