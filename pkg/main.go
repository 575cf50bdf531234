// Command gpx_vmtelemetry is the backend of the vmtelemetry-libvirt-datasource
// Grafana plugin; Grafana starts it and talks to it over gRPC.
package main

import (
	"os"

	"github.com/grafana/grafana-plugin-sdk-go/backend/datasource"
	"github.com/grafana/grafana-plugin-sdk-go/backend/log"

	"github.com/vmtelemetry/libvirt-datasource/pkg/plugin"
)

func main() {
	// Manage runs one Datasource per settings version and disposes the old one.
	if err := datasource.Manage(plugin.PluginID, plugin.NewDatasource, datasource.ManageOpts{}); err != nil {
		log.DefaultLogger.Error("serving the plugin", "error", err.Error())
		os.Exit(1)
	}
}
