//go:build e2e

package e2e

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"testing"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/backend/grpcplugin"
	"github.com/grafana/grafana-plugin-sdk-go/genproto/pluginv2"
	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// pluginHost launches the backend executable as Grafana's plugin manager
// does (hashicorp/go-plugin, protocol version 2, magic cookie
// grafana_plugin_type=datasource, gRPC only) and talks the SDK's protocol
// to it through the SDK's own gRPC clients.
type pluginHost struct {
	client      *plugin.Client
	data        grpcplugin.DataClient
	diagnostics grpcplugin.DiagnosticsClient
	resource    grpcplugin.ResourceClient
	stream      grpcplugin.StreamClient
	pluginCtx   backend.PluginContext
}

func launchPlugin(t *testing.T, executable string, settings *backend.DataSourceInstanceSettings, logFile string) *pluginHost {
	t.Helper()
	logOut, err := os.Create(logFile)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(executable)
	cmd.Env = append(os.Environ(), "GF_PLUGIN_ID=vmtelemetry-libvirt-datasource")
	client := plugin.NewClient(&plugin.ClientConfig{
		HandshakeConfig: plugin.HandshakeConfig{
			ProtocolVersion:  grpcplugin.ProtocolVersion,
			MagicCookieKey:   grpcplugin.MagicCookieKey,
			MagicCookieValue: grpcplugin.MagicCookieValue,
		},
		VersionedPlugins: map[int]plugin.PluginSet{grpcplugin.ProtocolVersion: {
			"diagnostics": &grpcplugin.DiagnosticsGRPCPlugin{},
			"resource":    &grpcplugin.ResourceGRPCPlugin{},
			"data":        &grpcplugin.DataGRPCPlugin{},
			"stream":      &grpcplugin.StreamGRPCPlugin{},
		}},
		Cmd:              cmd,
		AllowedProtocols: []plugin.Protocol{plugin.ProtocolGRPC},
		Logger:           hclog.New(&hclog.LoggerOptions{Name: "plugin", Output: logOut, Level: hclog.Debug}),
		SyncStdout:       logOut,
		SyncStderr:       logOut,
	})
	t.Cleanup(func() { client.Kill(); logOut.Close() })
	rpc, err := client.Client()
	if err != nil {
		t.Fatalf("launching %s through go-plugin: %v (log %s)", executable, err, logFile)
	}
	h := &pluginHost{client: client, pluginCtx: backend.PluginContext{
		OrgID:                      1,
		PluginID:                   settings.Type,
		DataSourceInstanceSettings: settings,
	}}
	for name, target := range map[string]any{"data": &h.data, "diagnostics": &h.diagnostics, "resource": &h.resource, "stream": &h.stream} {
		raw, err := rpc.Dispense(name)
		if err != nil {
			t.Fatalf("dispense %s: %v", name, err)
		}
		switch p := target.(type) {
		case *grpcplugin.DataClient:
			*p = raw.(grpcplugin.DataClient)
		case *grpcplugin.DiagnosticsClient:
			*p = raw.(grpcplugin.DiagnosticsClient)
		case *grpcplugin.ResourceClient:
			*p = raw.(grpcplugin.ResourceClient)
		case *grpcplugin.StreamClient:
			*p = raw.(grpcplugin.StreamClient)
		}
	}
	return h
}

func (h *pluginHost) checkHealth(ctx context.Context) (*backend.CheckHealthResult, error) {
	res, err := h.diagnostics.CheckHealth(ctx, &pluginv2.CheckHealthRequest{PluginContext: backend.ToProto().PluginContext(h.pluginCtx)})
	if err != nil {
		return nil, err
	}
	return backend.FromProto().CheckHealthResponse(res), nil
}

func (h *pluginHost) queryData(ctx context.Context, headers map[string]string, queries []backend.DataQuery) (*backend.QueryDataResponse, error) {
	req := &backend.QueryDataRequest{PluginContext: h.pluginCtx, Headers: headers, Queries: queries}
	res, err := h.data.QueryData(ctx, backend.ToProto().QueryDataRequest(req))
	if err != nil {
		return nil, err
	}
	return backend.FromProto().QueryDataResponse(res)
}

// callResource sends GET <path> and gathers the streamed answer.
func (h *pluginHost) callResource(ctx context.Context, path, rawQuery string) (*backend.CallResourceResponse, error) {
	url := path
	if rawQuery != "" {
		url += "?" + rawQuery
	}
	req := &backend.CallResourceRequest{PluginContext: h.pluginCtx, Path: path, Method: "GET", URL: url}
	stream, err := h.resource.CallResource(ctx, backend.ToProto().CallResourceRequest(req))
	if err != nil {
		return nil, err
	}
	var out *backend.CallResourceResponse
	for {
		chunk, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		part := backend.FromProto().CallResourceResponse(chunk)
		if out == nil {
			out = part
		} else {
			out.Body = append(out.Body, part.Body...)
		}
	}
	if out == nil {
		return nil, fmt.Errorf("resource %s: empty answer", path)
	}
	return out, nil
}

func (h *pluginHost) subscribe(ctx context.Context, path string, data []byte) (*backend.SubscribeStreamResponse, error) {
	res, err := h.stream.SubscribeStream(ctx, backend.ToProto().SubscribeStreamRequest(&backend.SubscribeStreamRequest{
		PluginContext: h.pluginCtx, Path: path, Data: data}))
	if err != nil {
		return nil, err
	}
	return backend.FromProto().SubscribeStreamResponse(res), nil
}

// runStream starts RunStream as Grafana's Live does (once per channel) and
// hands every packet to the callback until ctx ends.
func (h *pluginHost) runStream(ctx context.Context, path string, data []byte, packet func(*backend.StreamPacket)) error {
	stream, err := h.stream.RunStream(ctx, backend.ToProto().RunStreamRequest(&backend.RunStreamRequest{
		PluginContext: h.pluginCtx, Path: path, Data: data}))
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
		packet(backend.FromProto().StreamPacket(p))
	}
}
