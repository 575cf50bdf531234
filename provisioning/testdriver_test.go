//go:build integration

package provisioning_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vmtelemetry/libvirt-datasource/internal/testenv"
)

// TestTestDriverGivesTheExporterData runs what the compose profile
// "test-driver" runs, without containers: a libvirtd of its own that serves
// the test driver (scripts/libvirt/start.sh --private), opened with the node
// file of provisioning/libvirt-test through the read-only socket, and the
// exporter's one-shot mode (`--once`) with the exporter-test-driver service's
// environment. Only the paths differ: the socket is the private daemon's and
// the node file is read where it lies in the repository instead of
// /etc/vm-telemetry in the sidecar.
func TestTestDriverGivesTheExporterData(t *testing.T) {
	exporterDir, node, env := testDriverExporter(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	once := exec.CommandContext(ctx, node, "--import", "tsx", "src/cli.ts", "--once")
	once.Dir = exporterDir
	once.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}
	for key, value := range env {
		once.Env = append(once.Env, key+"="+value)
	}
	var stderr bytes.Buffer
	once.Stderr = &stderr
	samples, err := once.Output()
	if err != nil {
		t.Fatalf("exporter --once: %v\n%s", err, stderr.String())
	}

	seen := map[string]bool{}
	scanner := bufio.NewScanner(bytes.NewReader(samples))
	scanner.Buffer(make([]byte, 1<<20), 1<<20)
	for scanner.Scan() {
		var sample struct {
			VM                 string   `json:"vm"`
			Host               string   `json:"host"`
			State              string   `json:"state"`
			CPUUsagePercent    *float64 `json:"cpuUsagePercent"`
			MemoryUsagePercent *float64 `json:"memoryUsagePercent"`
			DiskReadBytes      *float64 `json:"diskReadBytes"`
			DiskWriteBytes     *float64 `json:"diskWriteBytes"`
			NetworkRxBytes     *float64 `json:"networkRxBytes"`
			NetworkTxBytes     *float64 `json:"networkTxBytes"`
		}
		if err := json.Unmarshal(scanner.Bytes(), &sample); err != nil || sample.VM == "" {
			continue // a log line
		}
		seen[sample.VM] = true
		if sample.State != "running" || sample.Host != env["VMT_HOST"] {
			t.Errorf("%s: state %q host %q, want running on %q", sample.VM, sample.State, sample.Host, env["VMT_HOST"])
		}
		for name, value := range map[string]*float64{
			"cpu %": sample.CPUUsagePercent, "memory %": sample.MemoryUsagePercent,
			"disk read": sample.DiskReadBytes, "disk write": sample.DiskWriteBytes,
			"network rx": sample.NetworkRxBytes, "network tx": sample.NetworkTxBytes,
		} {
			if value == nil {
				t.Errorf("%s: no %s: the dashboard's gauge would stay empty", sample.VM, name)
			}
		}
	}
	for _, vm := range []string{"demo-web", "demo-db"} {
		if !seen[vm] {
			t.Errorf("the exporter sampled no %s (saw %v)\n%s", vm, seen, samples)
		}
	}
}

// testDriverExporter prepares what the exporter-test-driver service runs: a
// private libvirtd serving the test driver (scripts/libvirt/start.sh
// --private), and the service's environment with the sidecar's paths
// replaced by that daemon's read-only socket and the node file where it lies
// in the repository. It returns the exporter's folder, node and that
// environment.
func testDriverExporter(t *testing.T) (string, string, map[string]string) {
	t.Helper()
	exporterDir := mustAbs(t, filepath.Join(repoRoot, "exporter"))
	node, err := exec.LookPath("node")
	if err != nil {
		testenv.Unavailable(t, "node", "not installed: the exporter cannot run")
	}
	if _, err := os.Stat(filepath.Join(exporterDir, "node_modules", "tsx")); err != nil {
		testenv.Unavailable(t, "the exporter's modules", "exporter/node_modules/tsx is missing (npm ci in exporter/)")
	}
	if _, err := exec.LookPath("libvirtd"); err != nil {
		testenv.Unavailable(t, "libvirtd", "not installed (scripts/install-deps.sh)")
	}

	readOnlySocket := testenv.StartLibvirtd(t, "").SocketRO

	project, err := loadCompose(t, []string{envExampleFile}, allProfiles)
	if err != nil {
		t.Fatal(err)
	}
	env := environmentOf(project.Services["exporter-test-driver"])
	const sidecarNodePath = "/etc/vm-telemetry/node.xml"
	if !strings.HasSuffix(env["VMT_LIBVIRT_URI"], sidecarNodePath) {
		t.Fatalf("VMT_LIBVIRT_URI %q does not open the sidecar's %s", env["VMT_LIBVIRT_URI"], sidecarNodePath)
	}
	env["VMT_LIBVIRT_URI"] = strings.TrimSuffix(env["VMT_LIBVIRT_URI"], sidecarNodePath) + mustAbs(t, filepath.Join("libvirt-test", "node.xml"))
	env["VMT_LIBVIRT_SOCKET"] = readOnlySocket
	return exporterDir, node, env
}
