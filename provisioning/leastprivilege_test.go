//go:build integration

package provisioning_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/vmtelemetry/libvirt-datasource/internal/testenv"
	"github.com/vmtelemetry/libvirt-datasource/pkg/plugin"
)

// TestLeastPrivilegeUsers checks, on a real InfluxDB 2.7, the users that
// provisioning/influxdb/init/20-least-privilege.sh creates (scripts/influxdb/
// start.sh runs the script on every 2.7 test server, as the compose stack's
// InfluxDB runs it after its setup): the exporter's writer writes what the
// exporter writes but reads nothing; Grafana's reader, through the backend with
// the provisioned data source, reads the bucket but cannot write, and raw
// InfluxQL reaches no other bucket.
func TestLeastPrivilegeUsers(t *testing.T) {
	server := testenv.StartInflux(t, testenv.InfluxV27)
	writer, writerPassword := server.Env["INFLUX_WRITER_USER"], server.Env["INFLUX_WRITER_PASSWORD"]
	reader, readerPassword := server.Env["INFLUX_READER_USER"], server.Env["INFLUX_READER_PASSWORD"]
	if writer == "" || writerPassword == "" || reader == "" || readerPassword == "" {
		t.Fatalf("scripts/influxdb/start.sh printed no writer or reader: %v", server.Env)
	}
	env := exampleEnv(t)
	if writer != env["INFLUX_WRITER_USER"] || reader != env["INFLUX_READER_USER"] {
		t.Errorf("test users %s/%s, want the names of .env.example %s/%s", writer, reader, env["INFLUX_WRITER_USER"], env["INFLUX_READER_USER"])
	}

	// What the exporter's v1 target sends (exporter/src/influx/write-target.ts).
	now := time.Now()
	line := fmt.Sprintf("vm_telemetry,vm=least-privilege,host=kvm1,uuid=u-lp cpu_usage_percent=12.5,domain_id=1i,state=\"running\" %d", now.UnixMilli())
	write := func(user, password string) (int, string) {
		return call(t, http.MethodPost, server.URL+"/write?db=vm_telemetry&precision=ms", user, password, line)
	}
	if status, body := write(writer, writerPassword); status != http.StatusNoContent {
		t.Fatalf("the writer cannot write: HTTP %d %s", status, body)
	}
	if status, body := write(reader, readerPassword); status != http.StatusForbidden && status != http.StatusUnauthorized {
		t.Errorf("the reader wrote: HTTP %d %s", status, body)
	}
	read := func(user, password, database, query string) string {
		_, body := call(t, http.MethodGet, server.URL+"/query?"+url.Values{"db": {database}, "q": {query}}.Encode(), user, password, "")
		return body
	}
	if body := read(writer, writerPassword, "vm_telemetry", "SELECT * FROM vm_telemetry"); strings.Contains(body, "least-privilege") {
		t.Errorf("the writer read the bucket: %s", body)
	}

	// Another bucket with data the admin can read through InfluxQL (2.x maps
	// every bucket to a database of its name).
	other := "least-privilege-other"
	if status, body := call(t, http.MethodPost, server.URL+"/api/v2/buckets", "", server.Token,
		fmt.Sprintf(`{"orgID":%q,"name":%q}`, server.Env["INFLUX_ORG_ID"], other)); status != http.StatusCreated {
		t.Fatalf("creating bucket %s: HTTP %d %s", other, status, body)
	}
	if status, body := call(t, http.MethodPost, server.URL+"/api/v2/write?"+url.Values{"org": {server.Org}, "bucket": {other}, "precision": {"ms"}}.Encode(),
		"", server.Token, fmt.Sprintf("secret value=42 %d", now.UnixMilli())); status != http.StatusNoContent {
		t.Fatalf("admin write to %s: HTTP %d %s", other, status, body)
	}
	if body := read("", server.Token, other, "SELECT * FROM secret"); !strings.Contains(body, "42") {
		t.Fatalf("the admin does not read bucket %s back: %s", other, body)
	}
	for _, query := range []string{
		fmt.Sprintf(`SELECT * FROM %q.autogen.secret WHERE time > now() - 1h`, other),
		fmt.Sprintf(`SELECT * FROM (SELECT * FROM %q.autogen.secret) WHERE time > now() - 1h`, other),
	} {
		if body := read(writer, writerPassword, other, query); strings.Contains(body, "42") {
			t.Errorf("the writer read bucket %s: %s", other, body)
		}
		if body := read(reader, readerPassword, "vm_telemetry", query); strings.Contains(body, "42") {
			t.Errorf("the reader read bucket %s: %s", other, body)
		}
	}

	// Grafana's side: the provisioned data source as the backend loads it.
	instance := provisionedInstance(t, map[string]string{"INFLUX_READER_USER": reader, "INFLUX_READER_PASSWORD": readerPassword}, server.URL)
	created, err := plugin.NewDatasource(context.Background(), instance)
	if err != nil {
		t.Fatal(err)
	}
	ds := created.(*plugin.Datasource)
	defer ds.Dispose()
	health, err := ds.CheckHealth(context.Background(), &backend.CheckHealthRequest{})
	if err != nil || health.Status != backend.HealthStatusOk {
		t.Fatalf("health as the reader: %v %+v", err, health)
	}
	rawQuery := func(query string) backend.DataResponse {
		raw, _ := json.Marshal(map[string]any{"refId": "A", "queryType": "raw", "rawQuery": query})
		response, err := ds.QueryData(context.Background(), &backend.QueryDataRequest{
			PluginContext: backend.PluginContext{DataSourceInstanceSettings: &instance},
			Queries: []backend.DataQuery{{RefID: "A", JSON: raw, QueryType: "raw", MaxDataPoints: 100, Interval: time.Second,
				TimeRange: backend.TimeRange{From: now.Add(-time.Hour), To: now.Add(time.Minute)}}},
		})
		if err != nil {
			t.Fatal(err)
		}
		return response.Responses["A"]
	}
	own := rawQuery(`SELECT "cpu_usage_percent" FROM "vm_telemetry" WHERE $timeFilter`)
	if own.Error != nil || !framesHold(own, 12.5) {
		t.Errorf("the reader's raw query of its bucket: %v, frames %v", own.Error, own.Frames)
	}
	foreign := rawQuery(fmt.Sprintf(`SELECT * FROM %q.autogen.secret WHERE $timeFilter`, other))
	if framesHold(foreign, 42) {
		t.Errorf("raw mode read bucket %s as the reader", other)
	}
	t.Logf("raw query of bucket %s as the reader: error %v", other, foreign.Error)
}

// call sends body with basic auth as user, or with password as the token when user is "".
func call(t *testing.T, method, target, user, password, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, target, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if user != "" {
		req.SetBasicAuth(user, password)
	} else {
		req.Header.Set("Authorization", "Token "+password)
	}
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(raw)
}

func framesHold(response backend.DataResponse, value float64) bool {
	for _, frame := range response.Frames {
		for _, field := range frame.Fields {
			for i := 0; i < field.Len(); i++ {
				if v, ok := field.ConcreteAt(i); ok {
					if f, isFloat := v.(float64); isFloat && f == value {
						return true
					}
				}
			}
		}
	}
	return false
}

// TestTestDriverExporterWritesAsTheWriter runs the exporter with the
// exporter-test-driver service's environment (v1 /write as the write-only
// user) against an InfluxDB 2.7 set up as the compose stack sets it up, and
// finds its VMs through the provisioned data source, as Grafana's
// read-only user.
func TestTestDriverExporterWritesAsTheWriter(t *testing.T) {
	exporterDir, node, env := testDriverExporter(t)
	server := testenv.StartInflux(t, testenv.InfluxV27)
	env["VMT_INFLUX_URL"] = server.URL
	env["VMT_INFLUX_USERNAME"], env["VMT_INFLUX_PASSWORD"] = server.Env["INFLUX_WRITER_USER"], server.Env["INFLUX_WRITER_PASSWORD"]
	env["VMT_LISTEN"] = "127.0.0.1:0"
	env["VMT_BUFFER_SPILL_DIR"] = t.TempDir()

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	exporter := exec.CommandContext(ctx, node, "--import", "tsx", "src/cli.ts")
	exporter.Dir = exporterDir
	exporter.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}
	for key, value := range env {
		exporter.Env = append(exporter.Env, key+"="+value)
	}
	var logs syncBuffer
	exporter.Stdout, exporter.Stderr = &logs, &logs
	if err := exporter.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		_ = exporter.Process.Signal(syscall.SIGTERM)
		_ = exporter.Wait()
	}()

	instance := provisionedInstance(t, map[string]string{
		"INFLUX_READER_USER": server.Env["INFLUX_READER_USER"], "INFLUX_READER_PASSWORD": server.Env["INFLUX_READER_PASSWORD"]}, server.URL)
	created, err := plugin.NewDatasource(ctx, instance)
	if err != nil {
		t.Fatal(err)
	}
	ds := created.(*plugin.Datasource)
	defer ds.Dispose()
	var health *backend.CheckHealthResult
	for {
		health, err = ds.CheckHealth(ctx, &backend.CheckHealthRequest{})
		var details struct {
			VMs int `json:"vms"`
		}
		if err == nil && health.Status == backend.HealthStatusOk && json.Unmarshal(health.JSONDetails, &details) == nil && details.VMs == 2 {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("the reader never saw the test driver's two VMs: %v %+v\nexporter:\n%s", err, health, logs.String())
		}
		time.Sleep(time.Second)
	}
	// The writer's own words for a refusal (a bare "403" also matches a port or a temp path).
	if refused := regexp.MustCompile(`InfluxDB answered HTTP 40[13]`); refused.MatchString(logs.String()) {
		t.Errorf("the exporter was refused a write:\n%s", logs.String())
	}
	t.Log(health.Message)
}

// syncBuffer is a bytes.Buffer for a child's stdout and stderr at once.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
