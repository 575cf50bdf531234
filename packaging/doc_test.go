// Package packaging_test checks what operators install: the plugin archive of
// `npm run package` (scripts/package-plugin.sh) against the offline rules of
// Grafana's plugin validator, loaded through internal/grafanahost; the
// exporter's systemd unit and environment file (packaging/systemd/); and the
// one version number (scripts/version.mjs).
package packaging_test

// repoRoot is the checkout: this package's tests run in packaging/.
const repoRoot = ".."
