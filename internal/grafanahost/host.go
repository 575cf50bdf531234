// Package grafanahost launches a backend plugin executable the way Grafana's
// server does and calls it over the same wire, for end-to-end tests and
// benchmarks where no Grafana server can run.
//
// Grafana starts a backend plugin through hashicorp/go-plugin: it runs the
// executable with the magic cookie grafana_plugin_type=datasource in its
// environment, negotiates protocol version 2 over gRPC, and dispenses the
// "diagnostics", "resource", "data" and "stream" services of the SDK's
// grpcplugin package. Every call carries a plugin context holding the data
// source's instance settings (uid, url, jsonData, decrypted secureJsonData,
// updated time), from which the plugin's instance manager builds or reuses an
// instance. This package does the same, with the SDK's own handshake
// constants, gRPC plugin types and protobuf conversions, so a plugin that
// works here speaks Grafana's protocol.
//
// Typical use:
//
//	exe, err := grafanahost.Build(ctx, grafanahost.BuildOptions{})
//	p, err := grafanahost.Launch(ctx, grafanahost.Options{Executable: exe})
//	defer p.Close()
//	ds := grafanahost.DataSource{UID: "vmt", URL: influxURL, JSONData: map[string]any{"database": "vm_telemetry"}}
//	health, err := p.CheckHealth(ctx, ds.PluginContext())
//	resp, err := p.QueryData(ctx, &backend.QueryDataRequest{PluginContext: ds.PluginContext(), Queries: ...})
//	stream, err := p.RunStream(ctx, &backend.RunStreamRequest{PluginContext: ds.PluginContext(), Path: ..., Data: ...})
//	packet, err := stream.Recv()
package grafanahost

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/backend/grpcplugin"
	"github.com/grafana/grafana-plugin-sdk-go/genproto/pluginv2"
	"github.com/hashicorp/go-hclog"
	goplugin "github.com/hashicorp/go-plugin"
)

// handshake is Grafana's: protocol version 2 and the data source magic cookie.
var handshake = goplugin.HandshakeConfig{
	ProtocolVersion:  grpcplugin.ProtocolVersion,
	MagicCookieKey:   grpcplugin.MagicCookieKey,
	MagicCookieValue: grpcplugin.MagicCookieValue,
}

// pluginSet lists the services Grafana dispenses from a protocol-2 plugin.
func pluginSet() goplugin.PluginSet {
	return goplugin.PluginSet{
		"diagnostics": &grpcplugin.DiagnosticsGRPCPlugin{},
		"resource":    &grpcplugin.ResourceGRPCPlugin{},
		"data":        &grpcplugin.DataGRPCPlugin{},
		"stream":      &grpcplugin.StreamGRPCPlugin{},
	}
}

// Options say which executable to launch and how.
type Options struct {
	// Executable is the path of the built plugin, e.g.
	// dist/gpx_vmtelemetry_linux_amd64.
	Executable string
	// Env is added to the plugin's environment. Grafana passes its own
	// environment plus GF_* variables; so does Launch (GF_VERSION,
	// GF_EDITION, GF_PLUGIN_VERSION unless Env sets them).
	Env []string
	// LogOutput, when set, also receives the plugin's log lines (Grafana
	// writes them to its own log); Logs keeps them either way.
	LogOutput io.Writer
	// StartTimeout bounds the handshake; 0 means 1 minute.
	StartTimeout time.Duration
}

// Plugin is a launched plugin process and its gRPC clients.
type Plugin struct {
	client      *goplugin.Client
	diagnostics pluginv2.DiagnosticsClient
	resource    pluginv2.ResourceClient
	data        pluginv2.DataClient
	stream      pluginv2.StreamClient
	logs        *LogBuffer
	pid         int
}

// Launch starts the executable and completes Grafana's handshake (bounded
// by Options.StartTimeout; ctx is checked before it starts). The process
// lives until Close, whatever happens to the contexts of later calls.
func Launch(ctx context.Context, opts Options) (*Plugin, error) {
	if _, err := os.Stat(opts.Executable); err != nil {
		return nil, fmt.Errorf("plugin executable: %w", err)
	}
	logs := &LogBuffer{}
	var sink io.Writer = logs
	if opts.LogOutput != nil {
		sink = io.MultiWriter(logs, opts.LogOutput)
	}
	timeout := opts.StartTimeout
	if timeout == 0 {
		timeout = time.Minute
	}
	cmd := exec.Command(opts.Executable)
	cmd.Env = append(append(os.Environ(), "GF_VERSION=13.2.0", "GF_EDITION=oss", "GF_PLUGIN_VERSION=dev"), opts.Env...)
	client := goplugin.NewClient(&goplugin.ClientConfig{
		Cmd:              cmd,
		HandshakeConfig:  handshake,
		VersionedPlugins: map[int]goplugin.PluginSet{grpcplugin.ProtocolVersion: pluginSet()},
		AllowedProtocols: []goplugin.Protocol{goplugin.ProtocolGRPC},
		StartTimeout:     timeout,
		Logger: hclog.New(&hclog.LoggerOptions{
			Name:       "plugin",
			Output:     sink,
			Level:      hclog.Trace,
			JSONFormat: true,
		}),
	})
	p := &Plugin{client: client, logs: logs}
	if err := p.connect(ctx); err != nil {
		client.Kill()
		return nil, fmt.Errorf("launching %s: %w", opts.Executable, err)
	}
	return p, nil
}

func (p *Plugin) connect(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	protocol, err := p.client.Client()
	if err != nil {
		return err
	}
	if p.client.NegotiatedVersion() != grpcplugin.ProtocolVersion {
		return fmt.Errorf("negotiated protocol version %d, Grafana needs %d", p.client.NegotiatedVersion(), grpcplugin.ProtocolVersion)
	}
	dispense := func(name string) (any, error) {
		raw, err := protocol.Dispense(name)
		if err != nil {
			return nil, fmt.Errorf("dispensing %q: %w", name, err)
		}
		return raw, nil
	}
	raw, err := dispense("diagnostics")
	if err != nil {
		return err
	}
	p.diagnostics = raw.(grpcplugin.DiagnosticsClient)
	if raw, err = dispense("resource"); err != nil {
		return err
	}
	p.resource = raw.(grpcplugin.ResourceClient)
	if raw, err = dispense("data"); err != nil {
		return err
	}
	p.data = raw.(grpcplugin.DataClient)
	if raw, err = dispense("stream"); err != nil {
		return err
	}
	p.stream = raw.(grpcplugin.StreamClient)
	if reattach := p.client.ReattachConfig(); reattach != nil {
		p.pid = reattach.Pid
	}
	return nil
}

// PID is the plugin process's id (for /proc/<pid>/status and the like).
func (p *Plugin) PID() int { return p.pid }

// Exited says whether the plugin process has ended.
func (p *Plugin) Exited() bool { return p.client.Exited() }

// Logs are the log lines the plugin wrote so far.
func (p *Plugin) Logs() *LogBuffer { return p.logs }

// Close kills the plugin process (go-plugin first asks it to stop, then
// kills it) and waits for it to end.
func (p *Plugin) Close() {
	p.client.Kill()
}

// CheckHealth calls the plugin's CheckHealth as the data source's "Save &
// test" does.
func (p *Plugin) CheckHealth(ctx context.Context, pc backend.PluginContext) (*backend.CheckHealthResult, error) {
	resp, err := p.diagnostics.CheckHealth(ctx, &pluginv2.CheckHealthRequest{
		PluginContext: backend.ToProto().PluginContext(pc),
	})
	if err != nil {
		return nil, err
	}
	return backend.FromProto().CheckHealthResponse(resp), nil
}

// QueryData runs queries as a panel or an alert rule does. Alert
// evaluations carry the header backend.FromAlertHeaderName in req.Headers.
func (p *Plugin) QueryData(ctx context.Context, req *backend.QueryDataRequest) (*backend.QueryDataResponse, error) {
	resp, err := p.data.QueryData(ctx, backend.ToProto().QueryDataRequest(req))
	if err != nil {
		return nil, err
	}
	return backend.FromProto().QueryDataResponse(resp)
}

// CallResource calls a resource (GET /api/datasources/uid/<uid>/resources/<path>
// in Grafana) and joins the chunks of the streamed answer.
func (p *Plugin) CallResource(ctx context.Context, req *backend.CallResourceRequest) (*backend.CallResourceResponse, error) {
	stream, err := p.resource.CallResource(ctx, backend.ToProto().CallResourceRequest(req))
	if err != nil {
		return nil, err
	}
	var joined *backend.CallResourceResponse
	for {
		chunk, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		part := backend.FromProto().CallResourceResponse(chunk)
		if joined == nil {
			joined = part
			continue
		}
		joined.Body = append(joined.Body, part.Body...)
	}
	if joined == nil {
		return nil, errors.New("the plugin answered the resource call with no response")
	}
	return joined, nil
}

// SubscribeStream asks the plugin whether a Grafana Live subscriber may join
// the channel ds/<uid>/<req.Path>; Grafana calls it for every subscriber.
func (p *Plugin) SubscribeStream(ctx context.Context, req *backend.SubscribeStreamRequest) (*backend.SubscribeStreamResponse, error) {
	resp, err := p.stream.SubscribeStream(ctx, backend.ToProto().SubscribeStreamRequest(req))
	if err != nil {
		return nil, err
	}
	return backend.FromProto().SubscribeStreamResponse(resp), nil
}

// PublishStream forwards a message a client published to the channel.
func (p *Plugin) PublishStream(ctx context.Context, req *backend.PublishStreamRequest) (*backend.PublishStreamResponse, error) {
	resp, err := p.stream.PublishStream(ctx, backend.ToProto().PublishStreamRequest(req))
	if err != nil {
		return nil, err
	}
	return backend.FromProto().PublishStreamResponse(resp), nil
}

// RunStream starts the channel's stream as Grafana does for its first
// subscriber. Cancelling ctx is what Grafana does when the last subscriber
// left: the plugin's RunStream sees its context cancelled.
func (p *Plugin) RunStream(ctx context.Context, req *backend.RunStreamRequest) (*Stream, error) {
	client, err := p.stream.RunStream(ctx, backend.ToProto().RunStreamRequest(req))
	if err != nil {
		return nil, err
	}
	return &Stream{client: client}, nil
}

// Stream receives the packets of a running stream.
type Stream struct {
	client pluginv2.Stream_RunStreamClient
}

// Recv waits for the next packet. It returns io.EOF when the plugin's
// RunStream returned nil, and the plugin's error (a gRPC status) when it
// returned one; Grafana restarts a stream only in the second case.
func (s *Stream) Recv() (*backend.StreamPacket, error) {
	packet, err := s.client.Recv()
	if err != nil {
		return nil, err
	}
	return backend.FromProto().StreamPacket(packet), nil
}
