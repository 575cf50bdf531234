package packaging_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vmtelemetry/libvirt-datasource/internal/testenv"
)

// versionFiles are the files scripts/version.mjs reads or writes.
var versionFiles = []string{
	"package.json", "package-lock.json", "CHANGELOG.md", "src/plugin.json",
	"exporter/package.json", "exporter/package-lock.json", "exporter/src/version.ts", "exporter/Dockerfile",
	"scripts/version.mjs",
}

func runVersionScript(t *testing.T, root string, args ...string) (string, error) {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		testenv.Unavailable(t, "node", "not installed")
	}
	out, err := exec.Command(node, append([]string{filepath.Join(root, "scripts", "version.mjs")}, args...)...).CombinedOutput()
	return string(out), err
}

// TestOneVersion: every place that names the release version agrees with
// package.json's, and CHANGELOG.md has its section.
func TestOneVersion(t *testing.T) {
	if out, err := runVersionScript(t, repoRoot, "check"); err != nil {
		t.Fatalf("scripts/version.mjs check: %v\n%s", err, out)
	}
}

// TestVersionSync: in a copy of the files, a version set only in package.json
// is reported everywhere it is missing, and sync writes it there.
func TestVersionSync(t *testing.T) {
	copyRoot := t.TempDir()
	for _, file := range versionFiles {
		raw, err := os.ReadFile(filepath.Join(repoRoot, file))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Dir(filepath.Join(copyRoot, file)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(copyRoot, file), raw, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	pkgPath := filepath.Join(copyRoot, "package.json")
	var pkg map[string]any
	raw, _ := os.ReadFile(pkgPath)
	if err := json.Unmarshal(raw, &pkg); err != nil {
		t.Fatal(err)
	}
	pkg["version"] = "9.8.7"
	raw, _ = json.MarshalIndent(pkg, "", "  ")
	if err := os.WriteFile(pkgPath, raw, 0o644); err != nil {
		t.Fatal(err)
	}

	out, err := runVersionScript(t, copyRoot, "check")
	if err == nil {
		t.Fatalf("check passed with package.json at 9.8.7 and nothing else changed:\n%s", out)
	}
	for _, place := range []string{"package-lock.json", "exporter/package.json", "exporter/package-lock.json", "exporter/src/version.ts", "exporter/Dockerfile", `CHANGELOG.md: no "## 9.8.7" section`} {
		if !strings.Contains(out, place) {
			t.Errorf("check does not name %s:\n%s", place, out)
		}
	}

	if out, err := runVersionScript(t, copyRoot, "sync"); err != nil {
		t.Fatalf("sync: %v\n%s", err, out)
	}
	changelog := filepath.Join(copyRoot, "CHANGELOG.md")
	raw, _ = os.ReadFile(changelog)
	if err := os.WriteFile(changelog, append([]byte("# Changelog\n\n## 9.8.7\n\n- next\n\n"), raw...), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := runVersionScript(t, copyRoot, "check"); err != nil {
		t.Fatalf("check after sync: %v\n%s", err, out)
	}
	version, _ := os.ReadFile(filepath.Join(copyRoot, "exporter/src/version.ts"))
	if !strings.Contains(string(version), "export const VERSION = '9.8.7';") {
		t.Errorf("exporter/src/version.ts after sync:\n%s", version)
	}
	dockerfile, _ := os.ReadFile(filepath.Join(copyRoot, "exporter/Dockerfile"))
	if !strings.Contains(string(dockerfile), `LABEL org.opencontainers.image.version="9.8.7"`) {
		t.Errorf("exporter/Dockerfile after sync lacks the 9.8.7 label")
	}
}
