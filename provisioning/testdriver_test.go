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
	"regexp"
	"slices"
	"strings"
	"syscall"
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

// TestTestDriverSidecarSharesOnlyTheReadOnlySocket runs the sidecar's
// start script (provisioning/libvirt-test/start.sh, the image's command) as
// the container would, in mount and network namespaces of its own: /run a
// fresh tmpfs, libvirtd.conf as the Dockerfile writes it, and the shared
// volume a folder of this test. Once the daemon is up, the folder holds the
// read-only socket alone; through it the test driver's VMs can be listed but
// not changed.
func TestTestDriverSidecarSharesOnlyTheReadOnlySocket(t *testing.T) {
	for _, tool := range []string{"libvirtd", "virtlogd", "virsh", "unshare"} {
		if _, err := exec.LookPath(tool); err != nil {
			testenv.Unavailable(t, tool, "not installed (scripts/install-deps.sh)")
		}
	}
	if os.Geteuid() != 0 {
		testenv.Unavailable(t, "root", "the sidecar's libvirtd runs as root in its namespaces")
	}
	dockerfile, err := os.ReadFile(filepath.Join("libvirt-test", "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	confLine := regexp.MustCompile(`echo '(unix_sock_dir = "[^"]+")' >>/etc/libvirt/libvirtd.conf`).FindSubmatch(dockerfile)
	if confLine == nil {
		t.Fatal("the sidecar's Dockerfile no longer writes unix_sock_dir into libvirtd.conf")
	}
	dir := t.TempDir()
	shared := filepath.Join(dir, "shared")
	for _, sub := range []string{shared, filepath.Join(dir, "no-drivers")} {
		if err := os.MkdirAll(sub, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	// A socket left by a run before must not end the script's wait early.
	if err := os.WriteFile(filepath.Join(shared, "libvirt-sock"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	conf := filepath.Join(dir, "libvirtd.conf")
	if err := os.WriteFile(conf, append(confLine[1], '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
	// In the namespaces: the container's /run, the volume at
	// /run/libvirt-shared, its libvirtd.conf; no driver modules (the test
	// driver is built in). virtlogd, which the script starts as a daemon,
	// is stopped when the script ends.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	sidecar := exec.CommandContext(ctx, "unshare", "--mount", "--net", "--propagation", "private", "bash", "-c", `
		set -e
		mount -t tmpfs tmpfs /run
		mkdir -p /run/libvirt /run/libvirt-shared
		mount --bind "$1" /run/libvirt-shared
		mount --bind "$2" /etc/libvirt/libvirtd.conf
		sh "$3" & script=$!
		trap 'kill -TERM $script' TERM
		status=0; wait $script || status=$?
		wait $script 2>/dev/null || true
		kill "$(cat /run/virtlogd.pid)" 2>/dev/null || true
		exit $status`, "sidecar", shared, conf, mustAbs(t, filepath.Join("libvirt-test", "start.sh")))
	sidecar.Env = append(os.Environ(), "LIBVIRT_DRIVER_DIR="+filepath.Join(dir, "no-drivers"))
	var logs syncBuffer
	sidecar.Stdout, sidecar.Stderr = &logs, &logs
	if err := sidecar.Start(); err != nil {
		t.Fatal(err)
	}
	stopped := false
	stop := func() {
		if !stopped {
			stopped = true
			_ = sidecar.Process.Signal(syscall.SIGTERM)
			_ = sidecar.Wait()
		}
	}
	defer stop()
	for !strings.Contains(logs.String(), "is shared") {
		if ctx.Err() != nil {
			t.Fatalf("the sidecar did not come up:\n%s", logs.String())
		}
		time.Sleep(100 * time.Millisecond)
	}

	entries, err := os.ReadDir(shared)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, entry := range entries {
		names = append(names, entry.Name())
	}
	if !slices.Equal(names, []string{"libvirt-sock-ro"}) {
		t.Errorf("the shared folder holds %v, want libvirt-sock-ro alone", names)
	}
	uri := "test+unix://" + mustAbs(t, filepath.Join("libvirt-test", "node.xml")) + "?socket=" + filepath.Join(shared, "libvirt-sock-ro")
	virsh := func(args ...string) (string, error) {
		out, err := exec.CommandContext(ctx, "virsh", append([]string{"-q", "-c", uri}, args...)...).CombinedOutput()
		return string(out), err
	}
	if out, err := virsh("-r", "list", "--name"); err != nil || !strings.Contains(out, "demo-web") || !strings.Contains(out, "demo-db") {
		t.Errorf("listing through the shared socket: %v\n%s", err, out)
	}
	if out, err := virsh("destroy", "demo-web"); err == nil || !strings.Contains(out, "read only") {
		t.Errorf("stopping a VM through the shared socket: %v\n%s, want a read-only refusal", err, out)
	}
	stop()
	if !strings.Contains(logs.String(), "only /run/libvirt-shared/libvirt-sock-ro is shared") {
		t.Errorf("sidecar output:\n%s", logs.String())
	}
}
