//go:build e2e

package e2e

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/vmtelemetry/libvirt-datasource/internal/testenv"
)

// prerequisite stops the run when something the proof needs is missing:
// under CI=true that is a failure (a skipped proof must never pass CI),
// elsewhere a loud skip.
func prerequisite(t *testing.T, format string, args ...any) {
	t.Helper()
	testenv.Unavailable(t, "E2E PREREQUISITE", fmt.Sprintf(format, args...))
}

// startInflux starts InfluxDB 2.7 (what compose users run), or the version
// E2E_INFLUX_VERSION names (1.6, 1.8).
func startInflux(t *testing.T) *testenv.InfluxServer {
	t.Helper()
	s := testenv.StartInflux(t, cmp.Or(os.Getenv("E2E_INFLUX_VERSION"), testenv.InfluxV27))
	t.Logf("InfluxDB %s at %s", s.Version, s.URL)
	return s
}

// waitForSamples waits until InfluxDB holds n points of every VM.
func waitForSamples(t *testing.T, influx *testenv.InfluxServer, vms []string, n int) {
	t.Helper()
	deadline := time.Now().Add(time.Duration(n)*time.Second + 90*time.Second)
	var counts map[string]float64
	var err error
	for {
		counts, err = countsByVM(influx)
		ready := err == nil
		for _, vm := range vms {
			if counts[vm] < float64(n) {
				ready = false
			}
		}
		if ready {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("InfluxDB did not get %d samples of each of %v in time: counts %v, err %v", n, vms, counts, err)
		}
		time.Sleep(time.Second)
	}
}

// countsByVM counts the stored cpu_usage_percent points of each VM.
func countsByVM(s *testenv.InfluxServer) (map[string]float64, error) {
	q := `SELECT count("cpu_usage_percent") FROM "vm_telemetry" GROUP BY "vm"`
	req, _ := http.NewRequest(http.MethodGet, s.URL+"/query", nil)
	params := req.URL.Query()
	params.Set("db", s.Database)
	params.Set("q", q)
	req.URL.RawQuery = params.Encode()
	if s.Token != "" {
		req.Header.Set("Authorization", "Token "+s.Token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var answer struct {
		Results []struct {
			Series []struct {
				Tags   map[string]string `json:"tags"`
				Values [][]any           `json:"values"`
			} `json:"series"`
		} `json:"results"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&answer); err != nil {
		return nil, err
	}
	out := map[string]float64{}
	for _, r := range answer.Results {
		for _, s := range r.Series {
			if len(s.Values) > 0 && len(s.Values[0]) > 1 {
				if v, ok := s.Values[0][1].(float64); ok {
					out[s.Tags["vm"]] = v
				}
			}
		}
	}
	return out, nil
}

// freeLoopbackAddr returns 127.0.0.1:<a port free right now>.
func freeLoopbackAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// timings records how long each stage took, logs them and writes them to
// test-artifacts/e2e/timings.json.
type timings struct {
	t      *testing.T
	start  time.Time
	last   time.Time
	stages []stageTime
}

type stageTime struct {
	Stage   string  `json:"stage"`
	Seconds float64 `json:"seconds"`
}

func newTimings(t *testing.T) *timings {
	now := time.Now()
	tm := &timings{t: t, start: now, last: now}
	t.Cleanup(func() {
		tm.stages = append(tm.stages, stageTime{Stage: "total", Seconds: time.Since(tm.start).Seconds()})
		for _, s := range tm.stages {
			t.Logf("timing: %-40s %6.1f s", s.Stage, s.Seconds)
		}
		body, _ := json.MarshalIndent(tm.stages, "", "  ")
		dir := filepath.Join(filepath.Dir(mustGetwd()), "test-artifacts/e2e")
		_ = os.MkdirAll(dir, 0o755)
		_ = os.WriteFile(filepath.Join(dir, "timings.json"), body, 0o644)
	})
	return tm
}

func (tm *timings) mark(stage string) {
	now := time.Now()
	tm.stages = append(tm.stages, stageTime{Stage: stage, Seconds: now.Sub(tm.last).Seconds()})
	tm.last = now
}

func mustGetwd() string {
	wd, _ := os.Getwd()
	return wd
}
