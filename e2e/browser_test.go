//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
)

// grafanaAPIStandIn serves the two Grafana HTTP paths a data source's
// frontend talks to, backed by the launched plugin, on 127.0.0.1:
// /api/datasources/uid/<uid>/resources/* (CallResource) and /api/ds/query
// (QueryData, answered in Grafana's JSON).
func grafanaAPIStandIn(t *testing.T, host *pluginHost) string {
	t.Helper()
	mux := http.NewServeMux()
	prefix := "/api/datasources/uid/" + datasourceUID + "/resources/"
	mux.HandleFunc(prefix, func(w http.ResponseWriter, r *http.Request) {
		res, err := host.callResource(r.Context(), strings.TrimPrefix(r.URL.Path, prefix), r.URL.RawQuery)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		for k, values := range res.Headers {
			for _, v := range values {
				w.Header().Add(k, v)
			}
		}
		w.WriteHeader(res.Status)
		_, _ = w.Write(res.Body)
	})
	mux.HandleFunc("/api/ds/query", func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			From    string            `json:"from"`
			To      string            `json:"to"`
			Queries []json.RawMessage `json:"queries"`
		}
		raw, _ := io.ReadAll(r.Body)
		if err := json.Unmarshal(raw, &body); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		queries, err := dsQueries(body.From, body.To, body.Queries)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		resp, err := host.queryData(r.Context(), nil, queries)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(resp)
	})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: mux}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })
	return "http://" + l.Addr().String()
}

// dsQueries turns an /api/ds/query body into backend queries as Grafana's
// query service does (from/to in epoch ms, refId, intervalMs,
// maxDataPoints, queryType; the query object is the JSON).
func dsQueries(from, to string, raw []json.RawMessage) ([]backend.DataQuery, error) {
	var fromMs, toMs int64
	if _, err := fmt.Sscan(from, &fromMs); err != nil {
		return nil, fmt.Errorf("from %q: %w", from, err)
	}
	if _, err := fmt.Sscan(to, &toMs); err != nil {
		return nil, fmt.Errorf("to %q: %w", to, err)
	}
	var out []backend.DataQuery
	for _, q := range raw {
		var head struct {
			RefID         string `json:"refId"`
			QueryType     string `json:"queryType"`
			IntervalMs    int64  `json:"intervalMs"`
			MaxDataPoints int64  `json:"maxDataPoints"`
		}
		if err := json.Unmarshal(q, &head); err != nil {
			return nil, err
		}
		out = append(out, backend.DataQuery{RefID: head.RefID, QueryType: head.QueryType,
			Interval: time.Duration(head.IntervalMs) * time.Millisecond, MaxDataPoints: head.MaxDataPoints,
			TimeRange: backend.TimeRange{From: time.UnixMilli(fromMs), To: time.UnixMilli(toMs)}, JSON: q})
	}
	return out, nil
}

// checkBrowser runs the two browser proofs against the running backend:
// the frontend helper's harness (test/browser/run.mjs: the plugin's
// ConfigEditor and QueryEditor loaded from dist/module.js) with its
// resource calls forwarded here, and e2e/browser/run.mjs (the dashboard's
// gauges drawn from the backend's answers).
func checkBrowser(t *testing.T, host *pluginHost, repo string, vms []string) {
	checkChromium(t)
	if _, err := os.Stat(filepath.Join(repo, "dist/module.js")); err != nil {
		prerequisite(t, "dist/module.js is missing: run `npm run build` first")
	}
	api := grafanaAPIStandIn(t, host)
	t.Run("Editors", func(t *testing.T) {
		runNode(t, repo, "test/browser/run.mjs", map[string]string{
			"VMT_RESOURCE_URL": api + "/api/datasources/uid/" + datasourceUID + "/resources"})
	})
	t.Run("Gauges", func(t *testing.T) {
		runNode(t, repo, "e2e/browser/run.mjs", map[string]string{
			"E2E_GRAFANA_API": api,
			"E2E_PANELS":      filepath.Join(artifactDir(t, repo), "panels.json"),
			"E2E_VMS":         strings.Join(vms, ","),
		})
	})
}

// checkChromium: the browser proofs need Chromium.
func checkChromium(t *testing.T) {
	t.Helper()
	if _, err := os.Stat("/usr/bin/chromium"); err != nil && os.Getenv("CHROMIUM") == "" {
		prerequisite(t, "no Chromium at /usr/bin/chromium (set CHROMIUM)")
	}
}

// browserScriptBound is how long runNode lets a browser script run: more than
// its own bounds (building its page bundle, up to 15 min on a loaded host;
// then page loads of up to 3 min), so that the script, not this bound, says
// what was slow. Not derived from the plugin calls' context: at load 35 the
// first script's build alone outlasted its 10 minutes.
const browserScriptBound = 25 * time.Minute

func runNode(t *testing.T, repo, script string, env map[string]string) {
	t.Helper()
	if _, err := os.Stat(filepath.Join(repo, script)); errors.Is(err, os.ErrNotExist) {
		t.Fatalf("%s is missing", script)
	}
	runCtx, cancel := context.WithTimeout(context.Background(), browserScriptBound)
	defer cancel()
	cmd := exec.CommandContext(runCtx, "node", script)
	cmd.Dir = repo
	cmd.Env = os.Environ()
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	out, err := cmd.CombinedOutput()
	t.Logf("node %s:\n%s", script, out)
	if err != nil {
		t.Fatalf("node %s: %v", script, err)
	}
}
