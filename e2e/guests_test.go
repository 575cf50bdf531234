//go:build e2e

package e2e

import (
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

const netnsName = "vmt-e2e"

type libvirtDaemon struct {
	URI, SockRO, Netns string
}

// startLibvirt starts libvirtd inside the network namespace vmt-e2e (so
// the guests' taps and traffic stay there) through scripts/libvirt.
func startLibvirt(t *testing.T, repo string) *libvirtDaemon {
	t.Helper()
	if _, err := exec.LookPath("libvirtd"); err != nil {
		if _, err := runScript(t, repo, 15*time.Minute, "install-deps.sh"); err != nil {
			prerequisite(t, "libvirtd is not installed and install-deps.sh failed: %v", err)
		}
	}
	env, err := runScript(t, repo, 2*time.Minute, "libvirt/start.sh", "--netns", netnsName)
	if err != nil && os.Getenv("E2E_SHARED_LIBVIRT") == "1" && os.Getenv("CI") != "true" {
		// A developer's machine where another test's daemon already runs
		// outside the namespace: use it; the guests' taps then get no
		// address and their pings stay unanswered (little network data).
		t.Logf("E2E NOTE: using the running libvirtd outside a network namespace (E2E_SHARED_LIBVIRT=1): %v", err)
		env, err = runScript(t, repo, 2*time.Minute, "libvirt/start.sh")
	}
	if err != nil {
		prerequisite(t, "libvirtd in network namespace %s: %v", netnsName, err)
	}
	if env["LIBVIRT_STARTED"] == "1" {
		stopArgs := []string{}
		if env["LIBVIRT_NETNS"] != "" {
			stopArgs = []string{"--netns", env["LIBVIRT_NETNS"]}
		}
		t.Cleanup(func() { _ = exec.Command(filepath.Join(repo, "scripts/libvirt/stop.sh"), stopArgs...).Run() })
	}
	return &libvirtDaemon{URI: env["LIBVIRT_URI"], SockRO: env["LIBVIRT_SOCK_RO"], Netns: env["LIBVIRT_NETNS"]}
}

type guestSet struct {
	lv   *libvirtDaemon
	repo string
}

// startGuests boots one real QEMU guest per name with scripts/guest/start.sh:
// the first one idle, the others with a CPU loop, disk traffic and (when
// libvirtd runs in the test's network namespace) pings to their peer.
func startGuests(t *testing.T, repo string, lv *libvirtDaemon, names []string) *guestSet {
	t.Helper()
	for i, name := range names {
		load := "idle"
		if i > 0 {
			load = "cpu,disk"
			if lv.Netns != "" {
				load = "all"
			}
		}
		stop := filepath.Join(repo, "scripts/guest/stop.sh")
		_ = exec.Command(stop, name).Run() // a guest left by an interrupted run
		if _, err := runScript(t, repo, 20*time.Minute, "guest/start.sh", "--dir", t.TempDir(), name, load); err != nil {
			prerequisite(t, "guest %s (scripts/guest/start.sh): %v", name, err)
		}
		t.Cleanup(func() { _ = exec.Command(stop, name).Run() })
	}
	return &guestSet{lv: lv, repo: repo}
}

// spikeCPU pauses a CPU-loop guest for 3 s and resumes it: its CPU use
// drops to 0 % and jumps back to about 100 % within one sample.
func (g *guestSet) spikeCPU(t *testing.T, name string) {
	t.Helper()
	virsh(t, g.lv, "suspend", name)
	time.Sleep(3 * time.Second)
	virsh(t, g.lv, "resume", name)
}

func virsh(t *testing.T, lv *libvirtDaemon, args ...string) string {
	t.Helper()
	out, err := exec.Command("virsh", append([]string{"-c", lv.URI}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("virsh %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

type exporterProcess struct {
	URL string
	cmd *exec.Cmd
}

// startExporter runs the exporter's CLI (exporter/dist/src/cli.js, built
// when missing) against the read-only libvirt socket, writing to InfluxDB
// through the v2 write API, its HTTP port on loopback.
func startExporter(t *testing.T, repo string, lv *libvirtDaemon, influx *influxServer) *exporterProcess {
	t.Helper()
	cli := filepath.Join(repo, "exporter/dist/src/cli.js")
	build := exec.Command("npm", "run", "build")
	build.Dir = filepath.Join(repo, "exporter")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the exporter: %v\n%s", err, out)
	}
	listen := freeLoopbackAddr(t)
	args := []string{cli,
		"--libvirt-uri", "qemu:///system", "--libvirt-socket", lv.SockRO,
		"--influx-url", influx.URL, "--influx-api", "v2", "--influx-database", influx.DB,
		"--interval", "1s", "--listen", listen, "--log-level", "info"}
	if influx.Token != "" {
		args = append(args, "--influx-org", influx.Org, "--influx-bucket", influx.Bucket)
	}
	cmd := exec.Command("node", args...)
	if influx.Token != "" {
		// The token goes through the environment, never the command line.
		cmd.Env = append(os.Environ(), "VMT_INFLUX_TOKEN="+influx.Token)
	}
	logFile, err := os.Create(filepath.Join(artifactDir(t, repo), "exporter.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
		logFile.Close()
	})
	e := &exporterProcess{URL: "http://" + listen, cmd: cmd}
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(e.URL + "/healthz")
		if err == nil {
			resp.Body.Close()
			return e
		}
		if time.Now().After(deadline) {
			t.Fatalf("exporter did not answer on %s: %v (log test-artifacts/e2e/exporter.log)", listen, err)
		}
		if cmd.ProcessState != nil {
			t.Fatalf("exporter exited: %v", cmd.ProcessState)
		}
		time.Sleep(300 * time.Millisecond)
	}
}
