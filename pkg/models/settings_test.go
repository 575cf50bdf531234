package models

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
)

func instance(url, jsonData string, secrets map[string]string) backend.DataSourceInstanceSettings {
	return backend.DataSourceInstanceSettings{URL: url, JSONData: json.RawMessage(jsonData), DecryptedSecureJSONData: secrets}
}

func TestLoadSettingsDefaults(t *testing.T) {
	s, err := LoadSettings(instance("http://127.0.0.1:8086", `{}`, nil))
	if err != nil {
		t.Fatal(err)
	}
	if s.Database != "vm_telemetry" || s.Measurement != "vm_telemetry" || s.QueryLanguage != "influxql" ||
		s.AuthType != "none" || s.Timeout != 30*time.Second || s.StreamInterval != time.Second ||
		s.Bucket != "vm_telemetry/autogen" {
		t.Errorf("defaults: %+v", s)
	}
}

func TestLoadSettingsReadsEveryKey(t *testing.T) {
	s, err := LoadSettings(instance("https://influx.example:8086/", `{"authType":"token","database":"db","retentionPolicy":"week",
		"measurement":"m","queryLanguage":"flux","organization":"org","timeoutSeconds":"5","tlsSkipVerify":true,
		"streamIntervalMs":2500,"maxPointsPerQuery":5000}`, map[string]string{"token": "s3cret"}))
	if err != nil {
		t.Fatal(err)
	}
	if s.Bucket != "db/week" || s.Timeout != 5*time.Second || s.StreamInterval != 2500*time.Millisecond || s.MaxPointsPerQuery != 5000 ||
		!s.TLSSkipVerify || s.Organization != "org" || s.Secrets.Token != "s3cret" {
		t.Errorf("settings: %+v", s)
	}
}

func TestSettingsNeverPrintSecrets(t *testing.T) {
	s, err := LoadSettings(instance("http://127.0.0.1:8086", `{"authType":"basic","username":"u"}`,
		map[string]string{"password": "hunter2-secret", "token": "tok-secret"}))
	if err != nil {
		t.Fatal(err)
	}
	encoded, _ := json.Marshal(s)
	for _, printed := range []string{fmt.Sprintf("%v", s), fmt.Sprintf("%+v", s), fmt.Sprintf("%#v", s), string(encoded)} {
		if strings.Contains(printed, "secret") {
			t.Errorf("settings print a secret: %s", printed)
		}
	}
}

func TestLoadSettingsErrorsNameTheKey(t *testing.T) {
	for _, tc := range []struct {
		url, jsonData string
		secrets       map[string]string
		want          string
	}{
		{"", `{}`, nil, "url is empty"},
		{"influxdb:8086", `{}`, nil, "must start with http"},
		{"http://", `{}`, nil, "has no host"},
		{"http://h", `{"authType":"kerberos"}`, nil, `authType "kerberos"`},
		{"http://h", `{"authType":"token"}`, nil, "token is empty"},
		{"http://h", `{"authType":"basic"}`, nil, "username is empty"},
		{"http://h", `{"queryLanguage":"sql"}`, nil, `queryLanguage "sql"`},
		{"http://h", `{"timeoutSeconds":0}`, nil, "timeoutSeconds must be positive"},
		{"http://h", `{"timeoutSeconds":"soon"}`, nil, "not a number"},
		{"http://h", `{"tlsWithCACert":true}`, nil, "tlsCACert is empty"},
		{"http://h", `{"measurement":"a\u0000b"}`, nil, "measurement"},
		{"http://h", `{`, nil, "reading jsonData"},
		{"http://h", `{"streamIntervalMs":10}`, nil, "streamIntervalMs must be at least 100"},
		{"http://h", `{"maxPointsPerQuery":5}`, nil, "maxPointsPerQuery must be a whole number"},
		{"http://h", `{"maxPointsPerQuery":1e12}`, nil, "maxPointsPerQuery must be a whole number"},
		{"ftp://admin:s3cret@h", `{}`, nil, "must start with http"},
	} {
		_, err := LoadSettings(instance(tc.url, tc.jsonData, tc.secrets))
		if err != nil && strings.Contains(err.Error(), "s3cret") {
			t.Errorf("LoadSettings(%q) error shows the password: %v", tc.url, err)
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("LoadSettings(%q, %s) error = %v, want one containing %q", tc.url, tc.jsonData, err, tc.want)
		}
	}
}

func TestMaxPointsPerQuery(t *testing.T) {
	s, err := LoadSettings(instance("http://h", `{}`, nil))
	if err != nil || s.MaxPointsPerQuery != DefaultMaxPointsPerQuery {
		t.Errorf("default maxPointsPerQuery %d (%v), want %d", s.MaxPointsPerQuery, err, DefaultMaxPointsPerQuery)
	}
	s, err = LoadSettings(instance("http://h", `{"maxPointsPerQuery":"20000"}`, nil))
	if err != nil || s.MaxPointsPerQuery != 20000 {
		t.Errorf("maxPointsPerQuery %d (%v), want 20000 from a provisioning string", s.MaxPointsPerQuery, err)
	}
}

// TestRollupSettings: rollups are off unless asked for; their Flux buckets
// follow the contract's names from the raw one, the 10-minute one from a
// 1-minute one named by the contract's rule.
func TestRollupSettings(t *testing.T) {
	for _, tc := range []struct{ jsonData, want1m, want10m string }{
		{`{}`, "vm_telemetry/rollup_1m", "vm_telemetry/rollup_10m"},
		{`{"database":"db","retentionPolicy":"week"}`, "db/rollup_1m", "db/rollup_10m"},
		{`{"bucket":"telemetry"}`, "telemetry_1m", "telemetry_10m"},
		{`{"bucket":"telemetry","rollupBucket":"vms_1m"}`, "vms_1m", "vms_10m"},
		{`{"bucket":"telemetry","rollupBucket":"minutes"}`, "minutes", ""},
		{`{"bucket":"telemetry","rollupBucket":"x_11m"}`, "x_11m", ""},
	} {
		s, err := LoadSettings(instance("http://127.0.0.1:8086", tc.jsonData, nil))
		if err != nil {
			t.Fatal(err)
		}
		if s.Rollups || s.RollupBuckets[time.Minute] != tc.want1m || s.RollupBuckets[10*time.Minute] != tc.want10m {
			t.Errorf("%s: rollups %v, buckets %v, want off and %q, %q", tc.jsonData, s.Rollups, s.RollupBuckets, tc.want1m, tc.want10m)
		}
		// InfluxQL reads every step (retention policies of fixed names),
		// Flux those with a bucket.
		s.QueryLanguage = LanguageFlux
		if steps := s.RollupSteps(); len(steps) != map[bool]int{true: 2, false: 1}[tc.want10m != ""] || steps[0] != time.Minute {
			t.Errorf("%s: Flux reads the rollups of %v", tc.jsonData, steps)
		}
	}
	if steps := (Settings{QueryLanguage: LanguageInfluxQL}).RollupSteps(); len(steps) != 2 {
		t.Errorf("InfluxQL reads the rollups of %v, want 1m and 10m", steps)
	}
	if s, err := LoadSettings(instance("http://127.0.0.1:8086", `{"rollups":true}`, nil)); err != nil || !s.Rollups {
		t.Errorf("rollups true: %v %+v", err, s)
	}
}
