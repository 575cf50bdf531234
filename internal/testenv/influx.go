package testenv

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// InfluxDB versions scripts/influxdb/start.sh knows.
const (
	InfluxV16 = "1.6"
	InfluxV18 = "1.8"
	InfluxV27 = "2.7"
)

// InfluxServer is a running InfluxDB started for a test.
type InfluxServer struct {
	Version string
	// URL is the base URL, e.g. http://127.0.0.1:41234.
	URL string
	// Database is the InfluxQL database (DBRP-mapped on 2.x).
	Database string
	// RetentionPolicy is the database's retention policy ("" = default).
	RetentionPolicy string
	// Token, Org and Bucket are set on 2.x.
	Token  string
	Org    string
	Bucket string
	// Env holds every INFLUX_* line the script printed.
	Env map[string]string
}

// StartInflux starts a server of the given version in a temporary folder
// (scripts/influxdb/start.sh) and stops it when the test ends.
func StartInflux(t testing.TB, version string) *InfluxServer {
	t.Helper()
	dir := t.TempDir()
	t.Cleanup(func() {
		if _, err := RunScript(time.Minute, nil, "influxdb/stop.sh", dir); err != nil {
			t.Errorf("stopping InfluxDB %s: %v", version, err)
		}
	})
	// The script builds 1.8 (about 2 min) or 2.7 (about 8 min) when its
	// binary is not cached yet.
	env, err := RunScript(20*time.Minute, nil, "influxdb/start.sh", version, dir)
	if err != nil {
		Unavailable(t, "InfluxDB "+version, err.Error())
	}
	s := &InfluxServer{
		Version:         version,
		URL:             env["INFLUX_URL"],
		Database:        env["INFLUX_DB"],
		RetentionPolicy: env["INFLUX_RP"],
		Token:           env["INFLUX_TOKEN"],
		Org:             env["INFLUX_ORG"],
		Bucket:          env["INFLUX_BUCKET"],
		Env:             env,
	}
	if s.URL == "" || s.Database == "" {
		t.Fatalf("scripts/influxdb/start.sh %s printed no INFLUX_URL or INFLUX_DB: %v", version, env)
	}
	return s
}

// IsV2 says whether the server speaks the 2.x API (token, org, bucket).
func (s *InfluxServer) IsV2() bool { return s.Token != "" }

// Write stores line protocol (nanosecond timestamps) in the server's
// database: /api/v2/write on 2.x, /write on 1.x.
func (s *InfluxServer) Write(t testing.TB, lines string) {
	t.Helper()
	var target string
	if s.IsV2() {
		target = s.URL + "/api/v2/write?" + url.Values{"org": {s.Org}, "bucket": {s.Bucket}, "precision": {"ns"}}.Encode()
	} else {
		q := url.Values{"db": {s.Database}, "precision": {"ns"}}
		if s.RetentionPolicy != "" {
			q.Set("rp", s.RetentionPolicy)
		}
		target = s.URL + "/write?" + q.Encode()
	}
	resp := s.do(t, http.MethodPost, target, strings.NewReader(lines))
	if resp.status/100 != 2 {
		t.Fatalf("writing to InfluxDB %s: HTTP %d: %s", s.Version, resp.status, resp.body)
	}
}

// Query runs InfluxQL over /query and returns the raw JSON answer (for
// comparisons with what the backend returns).
func (s *InfluxServer) Query(t testing.TB, influxQL string) string {
	t.Helper()
	q := url.Values{"db": {s.Database}, "q": {influxQL}, "epoch": {"ns"}}
	resp := s.do(t, http.MethodGet, s.URL+"/query?"+q.Encode(), nil)
	if resp.status/100 != 2 {
		t.Fatalf("InfluxQL on InfluxDB %s: HTTP %d: %s", s.Version, resp.status, resp.body)
	}
	return resp.body
}

type answer struct {
	status int
	body   string
}

func (s *InfluxServer) do(t testing.TB, method, target string, body io.Reader) answer {
	t.Helper()
	req, err := http.NewRequest(method, target, body)
	if err != nil {
		t.Fatal(err)
	}
	if s.Token != "" {
		req.Header.Set("Authorization", "Token "+s.Token)
	}
	client := &http.Client{Timeout: 30 * time.Second}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("InfluxDB %s at %s: %v", s.Version, s.URL, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return answer{status: resp.StatusCode, body: string(raw)}
}

// rollupsScript sets up and backfills the rollups (1 and 10 minutes) of
// docs/CONTRACT.md; the compose stack and the demo run the same file.
const rollupsScript = "../provisioning/influxdb/init/15-rollups.sh"

// rollupsEnv is what rollupsScript reads: the server's INFLUX_* lines and
// rollups kept forever (the tests' samples have fixed dates).
func (s *InfluxServer) rollupsEnv() []string {
	env := []string{"VMT_ROLLUP_RETENTION=INF"}
	for _, key := range []string{"INFLUX_URL", "INFLUX_VERSION", "INFLUX_DB", "INFLUX_TOKEN", "INFLUX_ORG_ID", "INFLUX_BUCKET"} {
		env = append(env, key+"="+s.Env[key])
	}
	return env
}

// SetUpRollups creates each rollup tier's retention policy and continuous
// query (1.x) or bucket, DBRP mapping and task (2.x).
func (s *InfluxServer) SetUpRollups(t testing.TB) {
	t.Helper()
	if _, err := RunScript(time.Minute, s.rollupsEnv(), rollupsScript, "setup"); err != nil {
		t.Fatalf("setting up the rollups on InfluxDB %s: %v", s.Version, err)
	}
}

// BackfillRollups computes the rollups of [from, to) (whole minutes; each
// tier's whole steps that overlap it) now, with the statement the
// continuous query or task runs each step.
func (s *InfluxServer) BackfillRollups(t testing.TB, from, to time.Time) {
	t.Helper()
	if _, err := RunScript(5*time.Minute, s.rollupsEnv(), rollupsScript, "backfill", from.UTC().Format(time.RFC3339), to.UTC().Format(time.RFC3339)); err != nil {
		t.Fatalf("backfilling the rollups on InfluxDB %s: %v", s.Version, err)
	}
}

// RollupsScriptOutput runs the rollups script's printing command
// ("statement": the CQ's SELECT … INTO; "flux": the task's script) with its
// arguments (a step: 1m, 10m).
func (s *InfluxServer) RollupsScriptOutput(t testing.TB, command string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(Scripts(), rollupsScript), append([]string{command}, args...)...)
	cmd.Env = append(os.Environ(), s.rollupsEnv()...)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("rollups script %s: %v", command, err)
	}
	return strings.TrimSpace(string(out))
}
