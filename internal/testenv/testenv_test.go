package testenv

import (
	"reflect"
	"testing"
)

func TestParseScriptEnv(t *testing.T) {
	env := ParseScriptEnv(`[10:00:00 start.sh] starting influxd...
INFLUX_URL=http://127.0.0.1:8086
INFLUX_TOKEN=tok=en
lower=ignored
 LIBVIRT_NETNS=
not a line
`)
	want := map[string]string{"INFLUX_URL": "http://127.0.0.1:8086", "INFLUX_TOKEN": "tok=en", "LIBVIRT_NETNS": ""}
	if !reflect.DeepEqual(env, want) {
		t.Errorf("parsed %v, want %v", env, want)
	}
}
