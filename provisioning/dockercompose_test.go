//go:build integration

package provisioning_test

import (
	"context"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/vmtelemetry/libvirt-datasource/internal/testenv"
)

// TestComposeWithDockerCompose also validates the file with Debian's
// docker-compose (1.29), which needs no Docker engine for `config`.
func TestComposeWithDockerCompose(t *testing.T) {
	binary, err := exec.LookPath("docker-compose")
	if err != nil {
		testenv.Unavailable(t, "docker-compose", "not installed (Debian package docker-compose, scripts/install-deps.sh); compose-go checked the file")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, "--project-directory", repoRoot, "-f", composeFile, "--env-file", envExampleFile, "config", "-q")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("docker-compose config -q: %v\n%s", err, out)
	}
}
