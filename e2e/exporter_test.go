//go:build e2e

package e2e

import (
	"cmp"
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
	// URI and SockRO name the test's own daemon; Netns is its network
	// namespace (the guests' taps and traffic stay there). DriverURI is
	// what the exporter opens on it; empty: qemu:///system.
	URI, SockRO, Netns, DriverURI string
}

// startLibvirt starts the test's own libvirtd with the qemu driver inside
// the network namespace vmt-e2e (scripts/libvirt/start.sh --private DIR
// --netns): other tests' guests on the system daemon are not seen, and
// nothing of the test reaches the host's network.
func startLibvirt(t *testing.T, repo string) *libvirtDaemon {
	t.Helper()
	if _, err := exec.LookPath("libvirtd"); err != nil {
		if _, err := runScript(t, nil, 15*time.Minute, "install-deps.sh"); err != nil {
			prerequisite(t, "libvirtd is not installed and install-deps.sh failed: %v", err)
		}
	}
	dir := t.TempDir()
	env, err := runScript(t, nil, 3*time.Minute, "libvirt/start.sh", "--private", dir, "--netns", netnsName)
	if err != nil {
		prerequisite(t, "a private libvirtd in network namespace %s: %v", netnsName, err)
	}
	t.Cleanup(func() { _ = exec.Command(filepath.Join(repo, "scripts/libvirt/stop.sh"), "--private", dir).Run() })
	return &libvirtDaemon{URI: env["LIBVIRT_URI"], SockRO: env["LIBVIRT_SOCK_RO"], Netns: env["LIBVIRT_NETNS"]}
}

// scriptEnv is what scripts/guest needs to find the test's daemon.
func (lv *libvirtDaemon) scriptEnv() map[string]string {
	return map[string]string{"LIBVIRT_URI": lv.URI, "LIBVIRT_NETNS": lv.Netns}
}

type guestSet struct {
	lv   *libvirtDaemon
	repo string
}

// startGuests boots one real QEMU guest per name with scripts/guest/start.sh
// on the test's daemon: the first one idle, the others with a CPU loop,
// disk traffic and pings to their peer address inside the namespace.
func startGuests(t *testing.T, repo string, lv *libvirtDaemon, names []string) *guestSet {
	t.Helper()
	for i, name := range names {
		load := "idle"
		if i > 0 {
			load = "all"
		}
		stop := exec.Command(filepath.Join(repo, "scripts/guest/stop.sh"), name)
		stop.Env = withEnv(lv.scriptEnv())
		_ = stop.Run() // a guest left by an interrupted run; nothing there is fine
		if _, err := runScript(t, lv.scriptEnv(), 20*time.Minute, "guest/start.sh", "--dir", t.TempDir(), name, load); err != nil {
			prerequisite(t, "guest %s (scripts/guest/start.sh): %v", name, err)
		}
		t.Cleanup(func() {
			stop := exec.Command(filepath.Join(repo, "scripts/guest/stop.sh"), name)
			stop.Env = withEnv(lv.scriptEnv())
			_ = stop.Run()
		})
	}
	return &guestSet{lv: lv, repo: repo}
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
		"--libvirt-uri", cmp.Or(lv.DriverURI, "qemu:///system"), "--libvirt-socket", lv.SockRO,
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
