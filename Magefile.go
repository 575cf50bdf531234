//go:build mage

// Build targets of the backend, from grafana-plugin-sdk-go's build package.
// `mage -v` (or, without a global install, `go tool mage -v` or
// `go run github.com/magefile/mage -v`) builds
// dist/gpx_vmtelemetry_<os>_<arch> for every platform Grafana ships on; the
// executable name comes from src/plugin.json's "executable".
//
// `mage -l` lists the single-platform targets (build:linux,
// build:linuxARM64, build:darwin, build:darwinARM64, build:windows,
// build:backend for the current platform).
package main

import (
	// mage:import
	build "github.com/grafana/grafana-plugin-sdk-go/build"
)

// Default builds every platform: linux/amd64, linux/arm64, linux/arm,
// darwin/amd64, darwin/arm64, windows/amd64.
var Default = build.BuildAll
