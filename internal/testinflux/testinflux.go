// Package testinflux starts real InfluxDB servers for Go tests through the
// project's script scripts/influxdb/start.sh <version> <dir>, which prints
// sourceable INFLUX_* lines, and writes line protocol to them.
//
// A server that cannot start skips the test, except under CI=true, where
// it fails it with the script's message: CI must not pass by skipping.
package testinflux

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Versions the start script knows.
const (
	V16 = "1.6"
	V18 = "1.8"
	V27 = "2.7"
)

// StartScriptEnv overrides the path of the start script.
const StartScriptEnv = "VMT_INFLUX_START_SCRIPT"

// Server is a running InfluxDB started for a test.
type Server struct {
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

	pid int
}

// Start starts a server of the given version in a temporary folder and
// stops it when the test ends.
func Start(t testing.TB, version string) *Server {
	t.Helper()
	script, err := startScript()
	if err != nil {
		unavailable(t, version, err.Error())
	}
	dir := t.TempDir()
	// The script builds 1.8 (about 2 min) or 2.7 (about 8 min) when its
	// binary is not cached yet.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, script, version, dir)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		unavailable(t, version, fmt.Sprintf("%s %s %s failed: %v\n%s%s", script, version, dir, err, stdout.String(), stderr.String()))
	}
	env := parseEnv(stdout.String())
	s := &Server{
		Version:         version,
		URL:             env["INFLUX_URL"],
		Database:        first(env["INFLUX_DB"], env["INFLUX_DATABASE"]),
		RetentionPolicy: first(env["INFLUX_RP"], env["INFLUX_RETENTION_POLICY"]),
		Token:           env["INFLUX_TOKEN"],
		Org:             env["INFLUX_ORG"],
		Bucket:          env["INFLUX_BUCKET"],
		Env:             env,
	}
	s.pid, _ = strconv.Atoi(env["INFLUX_PID"])
	t.Cleanup(func() { s.stop(t, script, dir) })
	if s.URL == "" || s.Database == "" {
		t.Fatalf("%s %s printed no INFLUX_URL or INFLUX_DB:\n%s", script, version, stdout.String())
	}
	return s
}

// unavailable skips, or fails under CI=true, naming why the server is missing.
func unavailable(t testing.TB, version, why string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("InfluxDB %s is required under CI=true but cannot start: %s", version, why)
	}
	t.Skipf("InfluxDB %s cannot start here (CI=true would fail): %s", version, why)
}

func startScript() (string, error) {
	if s := os.Getenv(StartScriptEnv); s != "" {
		return s, nil
	}
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return "", fmt.Errorf("cannot locate the repository")
	}
	script := filepath.Join(filepath.Dir(file), "..", "..", "scripts", "influxdb", "start.sh")
	if _, err := os.Stat(script); err != nil {
		return "", fmt.Errorf("start script missing: %v", err)
	}
	return script, nil
}

// stop runs scripts/influxdb/stop.sh <dir> when it exists, else ends the
// process the script reported.
func (s *Server) stop(t testing.TB, script, dir string) {
	stopScript := filepath.Join(filepath.Dir(script), "stop.sh")
	if _, err := os.Stat(stopScript); err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if out, err := exec.CommandContext(ctx, stopScript, dir).CombinedOutput(); err != nil {
			t.Errorf("%s %s: %v\n%s", stopScript, dir, err, out)
		}
		return
	}
	if s.pid <= 0 {
		t.Errorf("InfluxDB %s: the start script reported no INFLUX_PID and there is no stop.sh; the server may be left running", s.Version)
		return
	}
	proc, err := os.FindProcess(s.pid)
	if err != nil {
		return
	}
	_ = proc.Signal(syscall.SIGTERM)
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if proc.Signal(syscall.Signal(0)) != nil {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	_ = proc.Kill()
}

// parseEnv reads lines KEY=value, export KEY=value, with optional quotes.
func parseEnv(out string) map[string]string {
	env := map[string]string{}
	scanner := bufio.NewScanner(strings.NewReader(out))
	for scanner.Scan() {
		line := strings.TrimPrefix(strings.TrimSpace(scanner.Text()), "export ")
		key, value, ok := strings.Cut(line, "=")
		if !ok || !strings.HasPrefix(key, "INFLUX_") {
			continue
		}
		if unquoted, err := strconv.Unquote(value); err == nil {
			value = unquoted
		} else if len(value) >= 2 && value[0] == '\'' && value[len(value)-1] == '\'' {
			value = value[1 : len(value)-1]
		}
		env[key] = value
	}
	return env
}

func first(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}

// IsV2 says whether the server speaks the 2.x API (token, org, bucket).
func (s *Server) IsV2() bool { return s.Token != "" }

// Write stores line protocol (nanosecond timestamps) in the server's
// database: /api/v2/write on 2.x, /write on 1.x.
func (s *Server) Write(t testing.TB, lines string) {
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
func (s *Server) Query(t testing.TB, influxQL string) string {
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

func (s *Server) do(t testing.TB, method, target string, body io.Reader) answer {
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
