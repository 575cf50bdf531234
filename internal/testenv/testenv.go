// Package testenv gives Go tests the project's real test environments
// (InfluxDB servers, private libvirtd daemons), all started and stopped
// through scripts/ (docs/TESTING.md), which print sourceable KEY=value
// lines. A component that cannot start here skips the test, except under
// CI=true, where the test fails: CI must not pass by skipping.
package testenv

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// Scripts is the absolute path of the repository's scripts/ folder
// (VMT_SCRIPTS when set, as scripts/test-all.sh exports it).
func Scripts() string {
	if dir := os.Getenv("VMT_SCRIPTS"); dir != "" {
		return dir
	}
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "scripts")
}

// ParseScriptEnv reads the KEY=value lines of a script's output (keys of
// capitals, digits and underscores); other lines are progress.
func ParseScriptEnv(out string) map[string]string {
	env := map[string]string{}
	scanner := bufio.NewScanner(strings.NewReader(out))
	for scanner.Scan() {
		key, value, ok := strings.Cut(strings.TrimSpace(scanner.Text()), "=")
		if ok && key != "" && strings.Trim(key, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") == "" {
			env[key] = value
		}
	}
	return env
}

// RunScript runs scripts/<script> with the test's environment plus extra
// (KEY=value entries) and returns its KEY=value lines; an error carries its
// stderr.
func RunScript(timeout time.Duration, extra []string, script string, args ...string) (map[string]string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(Scripts(), script), args...)
	cmd.Env = append(os.Environ(), extra...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("scripts/%s %s: %v\n%s", script, strings.Join(args, " "), err, stderr.String())
	}
	return ParseScriptEnv(string(out)), nil
}

// Unavailable skips the test because what cannot start or run here, or
// fails it under CI=true.
func Unavailable(t testing.TB, what, why string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s is required under CI=true but unavailable: %s", what, why)
	}
	t.Skipf("%s unavailable here (CI=true would fail): %s", what, why)
}
