package testenv

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/vmtelemetry/libvirt-datasource/internal/grafanahost"
)

// pluginBuild is the one build of the plugin executable per test binary.
var pluginBuild struct {
	once sync.Once
	exe  string
	err  error
}

// PluginExecutable is the plugin executable the tests launch:
// $VMT_PLUGIN_EXECUTABLE when set (scripts/test-all.sh builds one with the
// SDK's mage target for the whole run), else ./pkg built once per test binary
// (grafanahost.Build).
func PluginExecutable(t testing.TB) string {
	t.Helper()
	pluginBuild.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		defer cancel()
		pluginBuild.exe, pluginBuild.err = grafanahost.Build(ctx, grafanahost.BuildOptions{})
	})
	if pluginBuild.err != nil {
		t.Fatalf("building the plugin executable: %v", pluginBuild.err)
	}
	return pluginBuild.exe
}

// LaunchPlugin launches the plugin executable as Grafana does
// (grafanahost.Launch; opts.Executable defaults to PluginExecutable) and
// stops it when the test ends.
func LaunchPlugin(t testing.TB, opts grafanahost.Options) *grafanahost.Plugin {
	t.Helper()
	if opts.Executable == "" {
		opts.Executable = PluginExecutable(t)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	p, err := grafanahost.Launch(ctx, opts)
	if err != nil {
		t.Fatalf("launching %s: %v", opts.Executable, err)
	}
	t.Cleanup(p.Close)
	return p
}
