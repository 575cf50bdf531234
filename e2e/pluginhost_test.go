//go:build e2e

package e2e

import (
	"context"
	"errors"
	"io"
	"os"
	"testing"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/vmtelemetry/libvirt-datasource/internal/grafanahost"
	"github.com/vmtelemetry/libvirt-datasource/internal/testenv"
)

// pluginHost is the launched backend (internal/grafanahost: go-plugin with
// Grafana's handshake, the SDK's gRPC clients) with the plugin context
// Grafana would attach for the provisioned data source.
type pluginHost struct {
	plugin    *grafanahost.Plugin
	pluginCtx backend.PluginContext
}

// launchPlugin launches the plugin executable (testenv.PluginExecutable:
// $VMT_PLUGIN_EXECUTABLE, e.g. dist/'s, or one build per test binary), its
// log lines also going to logFile. The plugin context is grafanahost's (org,
// plugin id, Grafana's user agent, no user) carrying the instance settings
// read from provisioning/.
func launchPlugin(t *testing.T, settings *backend.DataSourceInstanceSettings, logFile string) *pluginHost {
	t.Helper()
	logOut, err := os.Create(logFile)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { logOut.Close() }) // after the plugin's Close, registered later
	p := testenv.LaunchPlugin(t, grafanahost.Options{LogOutput: logOut})
	pc := grafanahost.DataSource{UID: settings.UID, Name: settings.Name}.PluginContext()
	pc.DataSourceInstanceSettings = settings
	return &pluginHost{plugin: p, pluginCtx: pc}
}

func (h *pluginHost) checkHealth(ctx context.Context) (*backend.CheckHealthResult, error) {
	return h.plugin.CheckHealth(ctx, h.pluginCtx)
}

func (h *pluginHost) queryData(ctx context.Context, headers map[string]string, queries []backend.DataQuery) (*backend.QueryDataResponse, error) {
	return h.plugin.QueryData(ctx, &backend.QueryDataRequest{PluginContext: h.pluginCtx, Headers: headers, Queries: queries})
}

// callResource sends GET <path>?<rawQuery> as Grafana's resource route does.
func (h *pluginHost) callResource(ctx context.Context, path, rawQuery string) (*backend.CallResourceResponse, error) {
	url := path
	if rawQuery != "" {
		url += "?" + rawQuery
	}
	return h.plugin.CallResource(ctx, &backend.CallResourceRequest{PluginContext: h.pluginCtx, Path: path, Method: "GET", URL: url})
}

func (h *pluginHost) subscribe(ctx context.Context, path string, data []byte) (*backend.SubscribeStreamResponse, error) {
	return h.plugin.SubscribeStream(ctx, &backend.SubscribeStreamRequest{PluginContext: h.pluginCtx, Path: path, Data: data})
}

// runStream starts RunStream as Grafana's Live does (once per channel) and
// hands every packet to the callback until ctx ends.
func (h *pluginHost) runStream(ctx context.Context, path string, data []byte, packet func(*backend.StreamPacket)) error {
	stream, err := h.plugin.RunStream(ctx, &backend.RunStreamRequest{PluginContext: h.pluginCtx, Path: path, Data: data})
	if err != nil {
		return err
	}
	for {
		p, err := stream.Recv()
		if err != nil {
			// Grafana ends a stream by cancelling its context; gRPC may report
			// that as Canceled/DeadlineExceeded a moment before ctx.Err() is set.
			code := status.Code(err)
			if ctx.Err() != nil || errors.Is(err, io.EOF) || code == codes.Canceled || code == codes.DeadlineExceeded {
				return nil
			}
			return err
		}
		packet(p)
	}
}
