package testinflux

import "testing"

func TestParseEnv(t *testing.T) {
	env := parseEnv(`starting influxd...
INFLUX_URL=http://127.0.0.1:8086
export INFLUX_TOKEN="tok en"
INFLUX_ORG='vmt'
OTHER=ignored
INFLUX_DB=vm_telemetry
`)
	want := map[string]string{"INFLUX_URL": "http://127.0.0.1:8086", "INFLUX_TOKEN": "tok en", "INFLUX_ORG": "vmt", "INFLUX_DB": "vm_telemetry"}
	if len(env) != len(want) {
		t.Fatalf("parsed %v, want %v", env, want)
	}
	for k, v := range want {
		if env[k] != v {
			t.Errorf("%s = %q, want %q", k, env[k], v)
		}
	}
}
