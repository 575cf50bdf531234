package grafanahost

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
)

// ExecutableEnv names a plugin executable to use instead of building one
// (e.g. the one `mage -v` put into dist/).
const ExecutableEnv = "VMT_PLUGIN_EXECUTABLE"

// BuildOptions say where the module is and where the executable goes.
type BuildOptions struct {
	// ModuleDir is the repository root; "" finds it from this source file.
	ModuleDir string
	// OutputDir receives gpx_vmtelemetry_<os>_<arch>; "" means
	// $VMT_CACHE/plugin (default /root/.cache/vm-telemetry/plugin).
	OutputDir string
}

// Executable is src/plugin.json's "executable": the SDK's build targets
// name the built files after it.
const Executable = "gpx_vmtelemetry"

// ExecutableName is the name the SDK's build targets give the executable
// of the current platform: <plugin.json executable>_<os>_<arch>.
func ExecutableName() string {
	name := fmt.Sprintf("%s_%s_%s", Executable, runtime.GOOS, runtime.GOARCH)
	if runtime.GOOS == "windows" {
		name += ".exe"
	}
	return name
}

// Build returns the plugin executable of $VMT_PLUGIN_EXECUTABLE if set, else
// compiles ./pkg with the flags of the SDK's mage targets (static, tag
// arrow_json_stdlib) for the current platform. The Go build cache makes a
// rebuild of unchanged sources cheap.
func Build(ctx context.Context, opts BuildOptions) (string, error) {
	if exe := os.Getenv(ExecutableEnv); exe != "" {
		if _, err := os.Stat(exe); err != nil {
			return "", fmt.Errorf("%s: %w", ExecutableEnv, err)
		}
		return exe, nil
	}
	moduleDir := opts.ModuleDir
	if moduleDir == "" {
		_, file, _, ok := runtime.Caller(0)
		if !ok {
			return "", fmt.Errorf("cannot locate the repository")
		}
		moduleDir = filepath.Join(filepath.Dir(file), "..", "..")
	}
	outDir := opts.OutputDir
	if outDir == "" {
		cache := os.Getenv("VMT_CACHE")
		if cache == "" {
			cache = "/root/.cache/vm-telemetry"
		}
		outDir = filepath.Join(cache, "plugin")
	}
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return "", err
	}
	// Build to a private name, then rename: test packages running in
	// parallel may build at the same time.
	tmp, err := os.CreateTemp(outDir, ".build-*")
	if err != nil {
		return "", err
	}
	tmp.Close()
	cmd := exec.CommandContext(ctx, "go", "build", "-tags", "arrow_json_stdlib", "-ldflags", "-w -s", "-o", tmp.Name(), "./pkg")
	cmd.Dir = moduleDir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		os.Remove(tmp.Name())
		return "", fmt.Errorf("go build ./pkg: %v\n%s", err, out)
	}
	exe := filepath.Join(outDir, ExecutableName())
	if err := os.Rename(tmp.Name(), exe); err != nil {
		os.Remove(tmp.Name())
		return "", err
	}
	return exe, nil
}
