package plugin

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestStreamPathVectors holds the canonical encoding and the path to the
// shared vectors that the frontend's tests also read.
func TestStreamPathVectors(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "..", "testdata", "stream-key-vectors.json"))
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Vectors []struct {
			Data      json.RawMessage `json:"data"`
			Canonical string          `json:"canonical"`
			Path      string          `json:"path"`
		} `json:"vectors"`
	}
	if err := json.Unmarshal(raw, &file); err != nil {
		t.Fatal(err)
	}
	if len(file.Vectors) == 0 {
		t.Fatal("no vectors")
	}
	for _, v := range file.Vectors {
		canonical, err := streamCanonical(v.Data)
		if err != nil || canonical != v.Canonical {
			t.Errorf("canonical of %s = %q (%v), want %q", v.Data, canonical, err, v.Canonical)
		}
		path, err := StreamPath(v.Data)
		if err != nil || path != v.Path {
			t.Errorf("path of %s = %q (%v), want %q", v.Data, path, err, v.Path)
		}
		if len("ds/"+strings.Repeat("u", 40)+"/"+path) > 160 {
			t.Errorf("path %q makes a channel longer than Grafana's 160 characters", path)
		}
	}
}

// TestStreamPathSeparatesEveryOption: two data that differ in anything but
// the panel-side keys never share a channel, including keys this test does
// not know (a field added to the query model later); the panel-side keys
// (which VMs and fields a panel picks) never split it.
func TestStreamPathSeparatesEveryOption(t *testing.T) {
	base := `{"schemaVersion":1,"host":"","liveIntervalMs":1000,"gapLimitSeconds":0,"rateScales":{}}`
	basePath, err := StreamPath(json.RawMessage(base))
	if err != nil {
		t.Fatal(err)
	}
	for _, changed := range []string{
		`{"schemaVersion":1,"host":"kvm1","liveIntervalMs":1000,"gapLimitSeconds":0,"rateScales":{}}`,
		`{"schemaVersion":1,"host":"","liveIntervalMs":500,"gapLimitSeconds":0,"rateScales":{}}`,
		`{"schemaVersion":1,"host":"","liveIntervalMs":1000,"gapLimitSeconds":30,"rateScales":{}}`,
		`{"schemaVersion":1,"host":"","liveIntervalMs":1000,"gapLimitSeconds":0,"rateScales":{"disk_read_bytes":1}}`,
		`{"schemaVersion":1,"host":"","liveIntervalMs":1000,"gapLimitSeconds":0,"rateScales":{},"rateWindowSeconds":60}`,
		`{"schemaVersion":1,"host":"","liveIntervalMs":1000,"gapLimitSeconds":0,"rateScales":{},"anyFutureOption":"x"}`,
	} {
		path, err := StreamPath(json.RawMessage(changed))
		if err != nil || path == basePath {
			t.Errorf("%s shares the channel of %s (%v)", changed, base, err)
		}
	}
	same := `{"refId":"B","queryType":"fleet","vmMode":"list","vms":["kvm1/a"],"metrics":["cpu_usage_percent"],"outputs":["rate"],` +
		`"live":true,"aggregation":"max","rateScales":{},"gapLimitSeconds":0,"liveIntervalMs":1000,"host":"","schemaVersion":1}`
	if path, err := StreamPath(json.RawMessage(same)); err != nil || path != basePath {
		t.Errorf("a panel's own VMs, fields and key order split the channel: %s vs %s (%v)", path, basePath, err)
	}
	if _, err := StreamPath(json.RawMessage(`[1]`)); err == nil {
		t.Error("an array was accepted as stream data")
	}
}
