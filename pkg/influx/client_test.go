package influx

import (
	"context"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// These tests pin the client's reading of InfluxDB's answers with canned
// HTTP servers; the integration tests of pkg/plugin run it against real ones.

func answering(t *testing.T, status int, body string) *Client {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	c, err := NewClient(Config{URL: srv.URL, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestInfluxQLErrorKinds(t *testing.T) {
	for name, tc := range map[string]struct {
		status int
		body   string
		kind   ErrorKind
		text   string
	}{
		"1.x auth":        {401, `{"error":"authorization failed"}`, ErrUnauthorized, "refused the credentials (HTTP 401: authorization failed)"},
		"2.x auth":        {401, `{"code":"unauthorized","message":"unauthorized access"}`, ErrUnauthorized, "unauthorized access"},
		"missing db":      {200, `{"results":[{"statement_id":0,"error":"database not found: nope"}]}`, ErrDatabaseNotFound, "database not found: nope"},
		"parse error":     {400, `{"error":"error parsing query: found EOF"}`, ErrQuery, "error parsing query"},
		"not JSON":        {200, `<html>`, ErrBadResponse, "decoding the InfluxQL answer"},
		"server exploded": {500, `boom`, ErrQuery, "answered 500 on /query: boom"},
	} {
		_, err := answering(t, tc.status, tc.body).InfluxQL(context.Background(), "db", "", "SELECT 1")
		if KindOf(err) != tc.kind || err == nil || !strings.Contains(err.Error(), tc.text) {
			t.Errorf("%s: error %v (kind %d), want kind %d containing %q", name, err, KindOf(err), tc.kind, tc.text)
		}
	}
}

func TestFluxErrorKinds(t *testing.T) {
	for name, tc := range map[string]struct {
		status int
		body   string
		kind   ErrorKind
		text   string
	}{
		"1.6 has no Flux": {404, `404 page not found`, ErrNoFlux, "has no Flux endpoint"},
		"Flux disabled":   {403, `{"error":"Flux query service disabled. Verify flux-enabled=true in the [http] section of the InfluxDB config."}`, ErrNoFlux, "has Flux disabled"},
		"2.x bucket":      {404, `{"code":"not found","message":"failed to initialize execute state: could not find bucket \"x\""}`, ErrBucketNotFound, "could not find bucket"},
		"1.8 bucket":      {500, `{"error":"failed to initialize execute state: no database"}`, ErrBucketNotFound, "no database"},
		"error table":     {200, "#datatype,string,string\n,error,reference\n,\"type error 3:5-3:10: missing required argument\",897\n", ErrQuery, "missing required argument"},
	} {
		err := answering(t, tc.status, tc.body).Flux(context.Background(), "org", "x", func(FluxRow) error { return nil })
		if KindOf(err) != tc.kind || err == nil || !strings.Contains(err.Error(), tc.text) {
			t.Errorf("%s: error %v (kind %d), want kind %d containing %q", name, err, KindOf(err), tc.kind, tc.text)
		}
	}
}

func TestAnnotatedCSVTables(t *testing.T) {
	body := "#datatype,string,long,dateTime:RFC3339,double,string,string\n" +
		",result,table,_time,_value,_field,vm\n" +
		",_result,0,2025-12-04T10:30:45Z,40,cpu_usage_percent,one-71\n" +
		",_result,0,2025-12-04T10:30:46Z,50,cpu_usage_percent,one-71\n" +
		"\n" +
		"#datatype,string,long,dateTime:RFC3339,long,string,string\n" +
		",result,table,_time,_value,_field,vm\n" +
		",_result,1,2025-12-04T10:30:45Z,9007199257145728,disk_read_bytes,one-71\n"
	var rows []string
	err := answering(t, 200, body).Flux(context.Background(), "", "x", func(r FluxRow) error {
		rows = append(rows, r.Get("_field")+"="+r.Get("_value")+":"+r.Type("_value"))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := "cpu_usage_percent=40:double|cpu_usage_percent=50:double|disk_read_bytes=9007199257145728:long"
	if strings.Join(rows, "|") != want {
		t.Errorf("rows %q, want %q", rows, want)
	}
}

func TestTimeoutAndCancel(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	c, _ := NewClient(Config{URL: srv.URL, Timeout: 200 * time.Millisecond})
	_, err := c.InfluxQL(context.Background(), "db", "", "SELECT 1")
	if KindOf(err) != ErrTimeout || !strings.Contains(err.Error(), "did not answer within 200ms") {
		t.Errorf("slow server: %v", err)
	}
	c, _ = NewClient(Config{URL: srv.URL, Timeout: time.Minute})
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	_, err = c.InfluxQL(ctx, "db", "", "SELECT 1")
	if KindOf(err) != ErrCanceled {
		t.Errorf("canceled request: %v", err)
	}
}

func TestAuthHeaders(t *testing.T) {
	var got []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = append(got, r.Header.Get("Authorization"))
		_, _ = w.Write([]byte(`{"results":[{"statement_id":0}]}`))
	}))
	defer srv.Close()
	for _, cfg := range []Config{{URL: srv.URL, Token: "tok"}, {URL: srv.URL, Username: "u", Password: "p"}, {URL: srv.URL}} {
		c, _ := NewClient(cfg)
		if _, err := c.InfluxQL(context.Background(), "db", "", "SELECT 1"); err != nil {
			t.Fatal(err)
		}
	}
	if want := "Token tok|Basic dTpw|"; strings.Join(got, "|") != want {
		t.Errorf("Authorization headers %q, want %q", got, want)
	}
}

func TestTLSOptions(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Influxdb-Version", "test")
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	caPEM := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}))
	ping := func(cfg Config) error {
		cfg.URL = srv.URL
		c, err := NewClient(cfg)
		if err != nil {
			return err
		}
		_, err = c.Ping(context.Background())
		return err
	}
	if err := ping(Config{}); KindOf(err) != ErrUnreachable || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("unknown CA: %v, want a certificate error", err)
	}
	if err := ping(Config{CACertPEM: caPEM}); err != nil {
		t.Errorf("with the CA certificate: %v", err)
	}
	if err := ping(Config{TLSSkipVerify: true}); err != nil {
		t.Errorf("with skip verify: %v", err)
	}
	if err := ping(Config{CACertPEM: "not a certificate"}); err == nil || !strings.Contains(err.Error(), "no PEM certificate") {
		t.Errorf("bad CA: %v", err)
	}
}

func TestErrorsNeverShowURLCredentials(t *testing.T) {
	c, err := NewClient(Config{URL: "http://user:s3cret@127.0.0.1:1"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Ping(context.Background())
	if err == nil || strings.Contains(err.Error(), "s3cret") {
		t.Errorf("error %v shows the password", err)
	}
}

// TestPointLimit: reading stops with ErrTooManyPoints once a query passes
// the configured bound of values, and the error names the limit and how to
// narrow.
func TestPointLimit(t *testing.T) {
	chunk := `{"results":[{"series":[{"name":"vm_telemetry","columns":["time","v"],"values":[[1,1],[2,2],[3,3]],"partial":true}],"partial":true}]}` + "\n"
	flux := "#datatype,string,long,dateTime:RFC3339,double\n,result,table,_time,_value\n" + strings.Repeat(",,0,2026-01-01T00:00:00Z,1\n", 7)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/v2/query" {
			_, _ = w.Write([]byte(flux))
			return
		}
		_, _ = w.Write([]byte(strings.Repeat(chunk, 3)))
	}))
	t.Cleanup(srv.Close)
	for _, limit := range []int{0, 9, 8} {
		c, err := NewClient(Config{URL: srv.URL, MaxPoints: limit})
		if err != nil {
			t.Fatal(err)
		}
		var rows int
		err = c.EachInfluxQL(context.Background(), "db", "", "SELECT v FROM m", func(*Series, []Value) error { rows++; return nil })
		wantErr := limit > 0 && limit < 9
		if wantErr != (err != nil) || (wantErr && (KindOf(err) != ErrTooManyPoints || !strings.Contains(err.Error(), "more than 8 points") || !strings.Contains(err.Error(), "maxPointsPerQuery"))) {
			t.Errorf("limit %d: InfluxQL error %v after %d rows", limit, err, rows)
		}
		err = c.Flux(context.Background(), "org", "from(bucket: \"b\")", func(FluxRow) error { return nil })
		if (limit > 0 && limit < 7) != (err != nil) {
			t.Errorf("limit %d: Flux error %v for 7 records", limit, err)
		}
	}
	c, _ := NewClient(Config{URL: srv.URL, MaxPoints: 5})
	if err := c.Flux(context.Background(), "org", "x", func(FluxRow) error { return nil }); KindOf(err) != ErrTooManyPoints {
		t.Errorf("Flux past the limit: %v, want ErrTooManyPoints", err)
	}

	// A row counts its values: 2 rows of 3 columns besides time are 6, however
	// few rows (a raw query may repeat a field as many columns as it likes).
	wide := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`{"results":[{"series":[{"name":"m","columns":["time","a","b","c"],"values":[[1,1,1,1],[2,2,2,2]]}]}]}`))
	}))
	t.Cleanup(wide.Close)
	for limit, wantErr := range map[int]bool{5: true, 6: false} {
		c, _ := NewClient(Config{URL: wide.URL, MaxPoints: limit})
		err := c.EachInfluxQL(context.Background(), "db", "", "SELECT a, a AS b, a AS c FROM m", func(*Series, []Value) error { return nil })
		if wantErr != (KindOf(err) == ErrTooManyPoints) {
			t.Errorf("limit %d, 6 values in 2 rows: %v", limit, err)
		}
	}
}
