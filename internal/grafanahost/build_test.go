package grafanahost_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/vmtelemetry/libvirt-datasource/internal/grafanahost"
	"github.com/vmtelemetry/libvirt-datasource/pkg/plugin"
)

// TestNamesMatchPluginJSON: Grafana finds the executable through
// src/plugin.json's "executable" (+ _<os>_<arch>) and sends its "id" in every
// plugin context; the harness, the Magefile's output and the backend must
// agree with it.
func TestNamesMatchPluginJSON(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "..", "src", "plugin.json"))
	if err != nil {
		t.Fatal(err)
	}
	var manifest struct {
		ID         string `json:"id"`
		Executable string `json:"executable"`
		Backend    bool   `json:"backend"`
		Streaming  bool   `json:"streaming"`
	}
	if err := json.Unmarshal(raw, &manifest); err != nil {
		t.Fatal(err)
	}
	if manifest.Executable != grafanahost.Executable {
		t.Errorf("plugin.json executable %q, the harness launches %q", manifest.Executable, grafanahost.Executable)
	}
	if want := manifest.Executable + "_" + runtime.GOOS + "_" + runtime.GOARCH; runtime.GOOS != "windows" && grafanahost.ExecutableName() != want {
		t.Errorf("ExecutableName() = %q, the SDK's build targets write %q", grafanahost.ExecutableName(), want)
	}
	if manifest.ID != grafanahost.PluginID {
		t.Errorf("plugin.json id %q, the harness sends %q", manifest.ID, grafanahost.PluginID)
	}
	if manifest.ID != plugin.PluginID {
		t.Errorf("plugin.json id %q, the backend serves %q", manifest.ID, plugin.PluginID)
	}
	if !manifest.Backend || !manifest.Streaming {
		t.Errorf("plugin.json backend %v, streaming %v: Grafana launches the executable and runs its streams only when both are true", manifest.Backend, manifest.Streaming)
	}
}
