package packaging_test

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/vmtelemetry/libvirt-datasource/internal/testenv"
)

const (
	unitName = "vm-telemetry-exporter.service"
	unitFile = repoRoot + "/packaging/systemd/" + unitName
)

// unitSettings reads a unit file as key -> values (a key may repeat).
func unitSettings(t *testing.T, path string) map[string][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	settings := map[string][]string{}
	scanner := bufio.NewScanner(f)
	for scanner.Scan() {
		line := strings.TrimSpace(scanner.Text())
		if line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, "[") {
			continue
		}
		key, value, ok := strings.Cut(line, "=")
		if !ok {
			t.Fatalf("%s: not key=value: %q", path, line)
		}
		settings[key] = append(settings[key], value)
	}
	return settings
}

func systemdAnalyze(t *testing.T) string {
	t.Helper()
	tool, err := exec.LookPath("systemd-analyze")
	if err != nil {
		testenv.Unavailable(t, "systemd-analyze", "not installed (Debian package systemd)")
	}
	return tool
}

// verifyInRoot runs `systemd-analyze verify` on unit text inside a folder
// holding the system's own unit files (for the targets it names) and an
// executable at its ExecStart path, as on a host where the exporter is
// installed; it returns what verify said and its error.
func verifyInRoot(t *testing.T, tool, unitText string) (string, error) {
	t.Helper()
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "usr/lib/systemd"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, dir := range []string{"/usr/lib/systemd/system", "/lib/systemd/system"} {
		if _, err := os.Stat(dir); err == nil {
			if out, err := exec.Command("cp", "-a", dir, filepath.Join(root, "usr/lib/systemd/")).CombinedOutput(); err != nil {
				t.Fatalf("copying %s: %v\n%s", dir, err, out)
			}
			break
		}
	}
	execStart := regexp.MustCompile(`(?m)^ExecStart=(\S+)`).FindStringSubmatch(unitText)
	if execStart == nil {
		t.Fatal("the unit has no ExecStart")
	}
	stub := filepath.Join(root, execStart[1])
	if err := os.MkdirAll(filepath.Dir(stub), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(stub, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	unitDir := filepath.Join(root, "etc/systemd/system")
	if err := os.MkdirAll(unitDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(unitDir, unitName), []byte(unitText), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(tool, "verify", "--root="+root, unitName).CombinedOutput()
	return strings.TrimSpace(string(out)), err
}

// TestSystemdUnitVerifies: `systemd-analyze verify` accepts the unit without
// a single remark (verify exits 0 on settings it ignores, so its output must
// be empty too), and does remark on a broken copy, so the check can fail.
func TestSystemdUnitVerifies(t *testing.T) {
	tool := systemdAnalyze(t)
	raw, err := os.ReadFile(unitFile)
	if err != nil {
		t.Fatal(err)
	}
	if out, err := verifyInRoot(t, tool, string(raw)); err != nil || out != "" {
		t.Fatalf("systemd-analyze verify %s: %v\n%s", unitName, err, out)
	}
	broken := strings.Replace(string(raw), "SystemCallFilter=@system-service", "SystemCallFilter=@no-such-group", 1)
	if out, err := verifyInRoot(t, tool, broken); err == nil && out == "" {
		t.Fatal("systemd-analyze verify said nothing about an unknown system call group: the check above proves nothing")
	}
}

// TestSystemdUnitSandbox: the unit runs the exporter as its own user with the
// read-only libvirt socket, writes only to its state folder, restarts on
// failure, and systemd's own security review rates its exposure low.
func TestSystemdUnitSandbox(t *testing.T) {
	settings := unitSettings(t, unitFile)
	want := map[string]string{
		"User":                    "vm-telemetry-exporter",
		"StateDirectory":          "vm-telemetry-exporter",
		"SupplementaryGroups":     "libvirt",
		"Restart":                 "on-failure",
		"ProtectSystem":           "strict",
		"ProtectHome":             "yes",
		"PrivateTmp":              "yes",
		"NoNewPrivileges":         "yes",
		"CapabilityBoundingSet":   "",
		"RestrictAddressFamilies": "AF_UNIX AF_INET AF_INET6",
		"SystemCallFilter":        "@system-service",
	}
	for key, value := range want {
		values, ok := settings[key]
		if !ok || values[0] != value {
			t.Errorf("%s=%q, want %s=%q", key, values, key, value)
		}
	}
	for _, key := range []string{"ReadWritePaths", "DynamicUser", "MemoryDenyWriteExecute"} {
		if values, ok := settings[key]; ok {
			t.Errorf("%s=%q: the state folder is the only writable place, libvirtd refuses a uid without a user record, and Node's JIT needs W+X memory", key, values)
		}
	}
	environment := strings.Join(settings["Environment"], " ")
	for _, variable := range []string{"VMT_LIBVIRT_SOCKET=/run/libvirt/libvirt-sock-ro", "VMT_LIBVIRT_READ_ONLY=true", "VMT_BUFFER_SPILL_DIR=%S/vm-telemetry-exporter/"} {
		if !strings.Contains(environment, variable) {
			t.Errorf("Environment= lacks %s: %s", variable, environment)
		}
	}

	tool := systemdAnalyze(t)
	out, err := exec.Command(tool, "security", "--offline=true", "--no-pager", unitFile).CombinedOutput()
	if err != nil {
		t.Fatalf("systemd-analyze security --offline: %v\n%s", err, out)
	}
	level := regexp.MustCompile(`Overall exposure level for \S+: ([0-9.]+)`).FindSubmatch(out)
	if level == nil {
		t.Fatalf("no overall exposure level in:\n%s", out)
	}
	exposure, _ := strconv.ParseFloat(string(level[1]), 64)
	t.Logf("systemd-analyze security: exposure %.1f of 10", exposure)
	if exposure > 2.0 {
		t.Errorf("exposure %.1f > 2.0 (systemd rates 0-10, lower is safer):\n%s", exposure, out)
	}
}

// TestSysusersFile: systemd-sysusers, in an empty root holding only a libvirt
// group, creates the unit's user and puts it in that group.
func TestSysusersFile(t *testing.T) {
	tool, err := exec.LookPath("systemd-sysusers")
	if err != nil {
		testenv.Unavailable(t, "systemd-sysusers", "not installed (Debian package systemd)")
	}
	file, err := filepath.Abs(filepath.Join(repoRoot, "packaging/systemd/vm-telemetry-exporter.sysusers"))
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "etc"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "etc/group"), []byte("libvirt:x:107:\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(tool, "--root="+root, file).CombinedOutput(); err != nil {
		t.Fatalf("systemd-sysusers: %v\n%s", err, out)
	}
	passwd, _ := os.ReadFile(filepath.Join(root, "etc/passwd"))
	group, _ := os.ReadFile(filepath.Join(root, "etc/group"))
	user := unitSettings(t, unitFile)["User"][0]
	if !regexp.MustCompile(`(?m)^` + user + `:x:\d+:\d+:[^:]*:/var/lib/vm-telemetry-exporter:`).Match(passwd) {
		t.Errorf("no system user %s in:\n%s", user, passwd)
	}
	if !regexp.MustCompile(`(?m)^libvirt:x:107:` + user + `$`).Match(group) {
		t.Errorf("%s is not in the libvirt group:\n%s", user, group)
	}
}
