// Package packaging_test checks what operators install: the plugin archive of
// `npm run package` (scripts/package-plugin.sh) against the offline rules of
// Grafana's plugin validator, loaded through internal/grafanahost; the
// exporter's systemd unit and environment file (packaging/systemd/); and the
// one version number (scripts/version.mjs).
package packaging_test

import (
	"os"
	"testing"
)

// repoRoot is the checkout: this package's tests run in packaging/.
const repoRoot = ".."

// unavailable skips a test whose tool or component cannot run here, except
// under CI=true, where it fails.
func unavailable(t *testing.T, why string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("required under CI=true: %s", why)
	}
	t.Skipf("%s (CI=true would fail)", why)
}
