//go:build e2e

package e2e

import (
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/vmtelemetry/libvirt-datasource/internal/testenv"
)

func virsh(t *testing.T, lv *testenv.Libvirtd, args ...string) string {
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

// exporterBuild builds exporter/dist once per test binary: every test runs
// the CLI of the tree under test.
var exporterBuild struct {
	once sync.Once
	err  error
}

// startExporter runs the exporter's CLI (exporter/dist/src/cli.js) on driver driverURI through the daemon's read-only socket,
// writing to InfluxDB through the v2 write API, its HTTP port on loopback, its
// output in test-artifacts/e2e/logName.
func startExporter(t *testing.T, repo string, lv *testenv.Libvirtd, driverURI string, influx *testenv.InfluxServer, logName string) *exporterProcess {
	t.Helper()
	cli := filepath.Join(repo, "exporter/dist/src/cli.js")
	exporterBuild.once.Do(func() {
		build := exec.Command("npm", "run", "build")
		build.Dir = filepath.Join(repo, "exporter")
		if out, err := build.CombinedOutput(); err != nil {
			exporterBuild.err = fmt.Errorf("building the exporter: %v\n%s", err, out)
		}
	})
	if exporterBuild.err != nil {
		t.Fatal(exporterBuild.err)
	}
	listen := freeLoopbackAddr(t)
	args := []string{cli,
		"--libvirt-uri", driverURI, "--libvirt-socket", lv.SocketRO,
		"--influx-url", influx.URL, "--influx-api", "v2", "--influx-database", influx.Database,
		"--interval", "1s", "--listen", listen, "--log-level", "info"}
	if influx.Token != "" {
		args = append(args, "--influx-org", influx.Org, "--influx-bucket", influx.Bucket)
	}
	cmd := exec.Command("node", args...)
	if influx.Token != "" {
		// The token goes through the environment, never the command line.
		cmd.Env = append(os.Environ(), "VMT_INFLUX_TOKEN="+influx.Token)
	}
	logFile, err := os.Create(filepath.Join(artifactDir(t, repo), logName))
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
			t.Fatalf("exporter did not answer on %s: %v (log test-artifacts/e2e/%s)", listen, err, logName)
		}
		if cmd.ProcessState != nil {
			t.Fatalf("exporter exited: %v", cmd.ProcessState)
		}
		time.Sleep(300 * time.Millisecond)
	}
}
