//go:build integration

package provisioning_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/vmtelemetry/libvirt-datasource/internal/testenv"
)

// exporterConfigProbe prints the exporter's parsed configuration, the token
// reduced to whether it is set.
const exporterConfigProbe = `
import { parseCommandLine } from %q;
const { config } = parseCommandLine([], process.env);
console.log(JSON.stringify({ ...config, influx: { ...config.influx, token: config.influx.token ? 'set' : '', password: config.influx.password ? 'set' : '' } }));
`

// TestComposeExporterEnvironmentParses hands each exporter service's
// environment, as compose-go resolved it, to the exporter's own configuration
// parser (exporter/src/config.ts, run with the exporter's tsx).
func TestComposeExporterEnvironmentParses(t *testing.T) {
	exporterDir := mustAbs(t, filepath.Join(repoRoot, "exporter"))
	node, err := exec.LookPath("node")
	if err != nil {
		testenv.Unavailable(t, "node", "not installed: the exporter's parser cannot run (the variable names were checked by TestComposeExporters)")
	}
	if _, err := os.Stat(filepath.Join(exporterDir, "node_modules", "tsx")); err != nil {
		testenv.Unavailable(t, "the exporter's modules", "exporter/node_modules/tsx is missing (npm ci in exporter/): the exporter's parser cannot run")
	}
	probe := filepath.Join(t.TempDir(), "probe.mts")
	source := []byte(fmt.Sprintf(exporterConfigProbe, filepath.Join(exporterDir, "src", "config.ts")))
	if err := os.WriteFile(probe, source, 0o600); err != nil {
		t.Fatal(err)
	}

	project, err := loadCompose(t, []string{envExampleFile}, allProfiles)
	if err != nil {
		t.Fatal(err)
	}
	env := exampleEnv(t)
	for _, name := range []string{"exporter", "exporter-test-driver"} {
		t.Run(name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, node, "--import", "tsx", probe)
			cmd.Dir = exporterDir
			cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}
			for key, value := range environmentOf(project.Services[name]) {
				cmd.Env = append(cmd.Env, key+"="+value)
			}
			out, err := cmd.Output()
			if err != nil {
				stderr := ""
				if exit, ok := err.(*exec.ExitError); ok {
					stderr = string(exit.Stderr)
				}
				t.Fatalf("the exporter refuses its compose environment: %v\n%s", err, stderr)
			}
			var config struct {
				Libvirt struct {
					URI      string `json:"uri"`
					Socket   string `json:"socket"`
					ReadOnly bool   `json:"readOnly"`
				} `json:"libvirt"`
				IntervalMs float64 `json:"intervalMs"`
				Host       string  `json:"host"`
				Influx     struct {
					URL      string `json:"url"`
					API      string `json:"api"`
					Database string `json:"database"`
					Username string `json:"username"`
					Password string `json:"password"`
				} `json:"influx"`
				Listen string `json:"listen"`
			}
			if err := json.Unmarshal(out, &config); err != nil {
				t.Fatalf("probe output %q: %v", out, err)
			}
			if !config.Libvirt.ReadOnly || config.Libvirt.Socket != "/run/libvirt/libvirt-sock-ro" {
				t.Errorf("libvirt socket %q read-only %v: want the read-only socket", config.Libvirt.Socket, config.Libvirt.ReadOnly)
			}
			if config.IntervalMs != 1000 {
				t.Errorf("interval %v ms, want 1000", config.IntervalMs)
			}
			if config.Host != env["VM_HOST_NAME"] {
				t.Errorf("host tag %q, want VM_HOST_NAME %q", config.Host, env["VM_HOST_NAME"])
			}
			// The write-only user of provisioning/influxdb/init/20-least-privilege.sh, on
			// the 1.x /write endpoint of the compose InfluxDB (its v1 authorizations).
			if config.Influx.URL != "http://influxdb:8086" || config.Influx.API != "v1" || config.Influx.Database != env["INFLUX_BUCKET"] ||
				config.Influx.Username != env["INFLUX_WRITER_USER"] || config.Influx.Password != "set" {
				t.Errorf("influx settings %+v: want /write of the compose InfluxDB as the .env writer user, database = the bucket", config.Influx)
			}
			if config.Listen != "0.0.0.0:9479" {
				t.Errorf("listen %q, want 0.0.0.0:9479 (the healthcheck's port)", config.Listen)
			}
		})
	}
}
