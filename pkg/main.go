// Command gpx_vmtelemetry is the backend of the vmtelemetry-libvirt-datasource
// Grafana plugin; Grafana starts it and talks to it over gRPC.
//
// `gpx_vmtelemetry -version` prints the release version and `-buildinfo` the
// whole build info (the SDK's flags, answered inside datasource.Manage).
package main

import (
	"os"
	"runtime/debug"

	"github.com/grafana/grafana-plugin-sdk-go/backend/datasource"
	"github.com/grafana/grafana-plugin-sdk-go/backend/log"

	"github.com/vmtelemetry/libvirt-datasource/pkg/plugin"
)

// memoryLimit is the process's soft memory limit unless GOMEMLIMIT sets
// one. A long range's frames and their Arrow encoding are alive together
// while the SDK answers; with no limit the collector lets the heap grow to
// twice that live data before it runs. Near the limit it runs sooner
// instead, so the backend stays about this size beside Grafana; an answer
// larger than the limit still gets its memory (the limit is soft).
const memoryLimit = 112 << 20

// version is set by the SDK's build targets (`mage`: -X main.version from
// package.json's "version", the project's one version number); a plain
// `go build` leaves it empty.
var version string

func main() {
	if version == "" {
		version = "unreleased build"
	}
	log.DefaultLogger.Info("starting the VM Telemetry backend", "version", version)
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(memoryLimit)
	}
	// Manage runs one Datasource per settings version and disposes the old one.
	if err := datasource.Manage(plugin.PluginID, plugin.NewDatasource, datasource.ManageOpts{}); err != nil {
		log.DefaultLogger.Error("serving the plugin", "error", err.Error())
		os.Exit(1)
	}
}
