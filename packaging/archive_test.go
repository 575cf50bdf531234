//go:build integration

package packaging_test

import (
	"archive/zip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vmtelemetry/libvirt-datasource/internal/grafanahost"
	"github.com/vmtelemetry/libvirt-datasource/internal/testenv"
)

// PluginZipEnv names an archive to check instead of building one, e.g. the
// release/ archive of `npm run package`, which must then hold every platform.
const PluginZipEnv = "VMT_PLUGIN_ZIP"

// sdkPlatforms are the executable suffixes of the SDK's BuildAll (mage -v).
var sdkPlatforms = []string{"_linux_amd64", "_linux_arm64", "_linux_arm", "_darwin_amd64", "_darwin_arm64", "_windows_amd64.exe"}

// archiveBound is ours, not the validator's (it sets none): six static Go
// executables and the frontend compress to ~60 MB; a much larger archive
// means something was packed by mistake.
const archiveBound = 150 << 20

type pluginJSON struct {
	ID         string `json:"id"`
	Type       string `json:"type"`
	Backend    bool   `json:"backend"`
	Alerting   bool   `json:"alerting"`
	Executable string `json:"executable"`
	Info       struct {
		Version string `json:"version"`
		Updated string `json:"updated"`
		Logos   struct {
			Small string `json:"small"`
			Large string `json:"large"`
		} `json:"logos"`
		Screenshots []struct {
			Name string `json:"name"`
			Path string `json:"path"`
		} `json:"screenshots"`
	} `json:"info"`
	Includes []struct {
		Type string `json:"type"`
		Path string `json:"path"`
	} `json:"includes"`
}

// packageCopy packs the plugin the way `npm run package` does, in a copy of
// the checkout (the script rebuilds dist/ from scratch; the checkout's own
// dist/ stays as other tests left it), for the current platform only: six
// platforms take tens of minutes on a loaded 2-core machine (`npm run
// package` builds them all). Returns the zip, the platforms it holds and
// the sources it was built from ("" for a $VMT_PLUGIN_ZIP).
func packageCopy(t *testing.T) (zipFile string, platforms []string, sources string) {
	t.Helper()
	if zipPath := os.Getenv(PluginZipEnv); zipPath != "" {
		return zipPath, sdkPlatforms, ""
	}
	for _, tool := range []string{"git", "node", "npm", "zip", "go"} {
		if _, err := exec.LookPath(tool); err != nil {
			testenv.Unavailable(t, tool, "not installed")
		}
	}
	root, err := filepath.Abs(repoRoot)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "node_modules", ".bin", "webpack")); err != nil {
		testenv.Unavailable(t, "webpack", "node_modules/.bin/webpack is missing (npm ci)")
	}
	listed, err := exec.Command("git", "-C", root, "ls-files", "-z", "--cached", "--others", "--exclude-standard").Output()
	if err != nil {
		testenv.Unavailable(t, "a git work tree", err.Error())
	}
	copyRoot := t.TempDir()
	for _, file := range strings.Split(strings.TrimRight(string(listed), "\x00"), "\x00") {
		info, err := os.Lstat(filepath.Join(root, file))
		if err != nil || !info.Mode().IsRegular() {
			continue // deleted in the work tree, or a symlink/submodule
		}
		raw, err := os.ReadFile(filepath.Join(root, file))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Dir(filepath.Join(copyRoot, file)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(copyRoot, file), raw, info.Mode().Perm()); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(filepath.Join(root, "node_modules"), filepath.Join(copyRoot, "node_modules")); err != nil {
		t.Fatal(err)
	}
	platform := runtime.GOOS + "/" + runtime.GOARCH
	out := filepath.Join(t.TempDir(), "release")
	cmd := exec.Command("bash", filepath.Join(copyRoot, "scripts", "package-plugin.sh"), "--out", out, "--platforms", platform)
	cmd.Dir = copyRoot
	cmd.Env = append(slices.DeleteFunc(os.Environ(), func(v string) bool { return strings.HasPrefix(v, "VMT_SCRIPTS=") }), "GOFLAGS=-buildvcs=false")
	started := time.Now()
	output, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("scripts/package-plugin.sh --platforms %s: %v\n%s", platform, err, output)
	}
	t.Logf("packaged %s in %s (frontend + one backend platform)", platform, time.Since(started).Round(time.Second))
	zipPath := regexp.MustCompile(`(?m)^PLUGIN_ZIP=(.+)$`).FindSubmatch(output)
	if zipPath == nil {
		t.Fatalf("package-plugin.sh printed no PLUGIN_ZIP=:\n%s", output)
	}
	return string(zipPath[1]), []string{"_" + runtime.GOOS + "_" + runtime.GOARCH}, copyRoot
}

// TestPluginArchive checks the archive against the rules of Grafana's plugin
// validator (github.com/grafana/plugin-validator, pkg/analysis/passes) that
// need no network, then unpacks it into an empty plugins folder and loads
// the backend through internal/grafanahost, as Grafana would.
func TestPluginArchive(t *testing.T) {
	zipPath, platforms, sources := packageCopy(t)
	var rootPkg struct {
		Version string `json:"version"`
	}
	raw, err := os.ReadFile(filepath.Join(repoRoot, "package.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &rootPkg); err != nil {
		t.Fatal(err)
	}

	// Name and checksum beside it.
	info, err := os.Stat(zipPath)
	if err != nil {
		t.Fatal(err)
	}
	if want := "vmtelemetry-libvirt-datasource-" + rootPkg.Version + ".zip"; filepath.Base(zipPath) != want {
		t.Errorf("archive %s, want %s", filepath.Base(zipPath), want)
	}
	if info.Size() > archiveBound {
		t.Errorf("archive is %d bytes, over the bound of %d", info.Size(), archiveBound)
	}
	checkChecksumFile(t, zipPath)

	reader, err := zip.OpenReader(zipPath)
	if err != nil {
		t.Fatal(err)
	}
	defer reader.Close()
	files := map[string]*zip.File{}
	topLevel := map[string]bool{}
	for _, f := range reader.File {
		name := f.Name
		// Grafana's installer refuses entries that leave the plugin folder.
		if path.IsAbs(name) || strings.Contains(name, "..") || strings.Contains(name, `\`) {
			t.Errorf("entry %q escapes the archive", name)
		}
		if f.Mode()&fs.ModeSymlink != 0 {
			t.Errorf("entry %q is a symlink", name)
		}
		topLevel[strings.SplitN(name, "/", 2)[0]] = true
		if !f.Mode().IsDir() {
			files[name] = f
		}
	}
	// archive: exactly one folder at the top; archivename: named after the id.
	if len(topLevel) != 1 {
		t.Fatalf("archive holds %d top-level entries, want one folder: %v", len(topLevel), topLevel)
	}
	var id string
	for name := range topLevel {
		id = name
	}
	manifestFile, ok := files[id+"/plugin.json"]
	if !ok {
		t.Fatalf("no %s/plugin.json (archive: the plugin folder holds the build; no dist/ inside)", id)
	}
	var manifest pluginJSON
	if err := json.Unmarshal(readZipFile(t, manifestFile), &manifest); err != nil {
		t.Fatalf("plugin.json: %v", err)
	}
	if manifest.ID != id {
		t.Errorf("archivename: folder %q, plugin.json id %q", id, manifest.ID)
	}
	if !strings.HasSuffix(manifest.ID, "-"+manifest.Type) {
		t.Errorf("typesuffix: id %q does not end with the type %q", manifest.ID, manifest.Type)
	}
	if manifest.Info.Version != rootPkg.Version {
		t.Errorf("version: plugin.json info.version %q, package.json %q", manifest.Info.Version, rootPkg.Version)
	}
	if _, err := time.Parse("2006-01-02", manifest.Info.Updated); err != nil {
		t.Errorf("plugin.json info.updated %q is not a date", manifest.Info.Updated)
	}
	has := func(rel string) bool { _, ok := files[id+"/"+rel]; return ok }

	// modulejs, jssourcemap (the validator requires module.js.map), readme,
	// changelog, license.
	for _, required := range []string{"module.js", "module.js.map", "README.md", "CHANGELOG.md", "LICENSE", "go_plugin_build_manifest"} {
		if !has(required) {
			t.Errorf("missing %s", required)
		}
	}
	if has("README.md") && strings.Contains(string(readZipFile(t, files[id+"/README.md"])), "%VERSION%") {
		t.Errorf("README.md still holds %%VERSION%%")
	}
	if has("CHANGELOG.md") && !strings.Contains(string(readZipFile(t, files[id+"/CHANGELOG.md"])), "## "+rootPkg.Version) {
		t.Errorf("changelog: CHANGELOG.md has no section %s", rootPkg.Version)
	}
	if has("LICENSE") {
		license := string(readZipFile(t, files[id+"/LICENSE"]))
		if !strings.Contains(license, "Apache License") || !strings.Contains(license, "Version 2.0") {
			t.Errorf("license: LICENSE is not the Apache-2.0 text (the validator accepts Apache-2.0 and AGPL-3.0)")
		}
	}

	// logos, screenshots, metadatapaths: set, relative, inside the archive.
	paths := []string{manifest.Info.Logos.Small, manifest.Info.Logos.Large}
	if len(manifest.Info.Screenshots) == 0 {
		t.Errorf("screenshots: plugin.json lists none (the catalog shows them)")
	}
	for _, s := range manifest.Info.Screenshots {
		paths = append(paths, s.Path)
	}
	for _, include := range manifest.Includes {
		if include.Path != "" {
			paths = append(paths, include.Path)
		}
	}
	for _, p := range paths {
		switch {
		case strings.TrimSpace(p) == "":
			t.Errorf("logos/screenshots: an empty path in plugin.json")
		case strings.Contains(p, "://") || strings.HasPrefix(p, ".") || strings.HasPrefix(p, "/"):
			t.Errorf("metadatapaths: %q must be relative to plugin.json and not start with '.' or '/'", p)
		case !has(p):
			t.Errorf("plugin.json names %s, which is not in the archive", p)
		}
	}

	// unsafesvg: no scripts or event handlers in SVG files.
	unsafeSVG := regexp.MustCompile(`(?i)<script|\son[a-z]+\s*=|javascript:|<foreignObject`)
	for name, f := range files {
		if strings.HasSuffix(name, ".svg") && unsafeSVG.Match(readZipFile(t, f)) {
			t.Errorf("unsafesvg: %s holds script", name)
		}
	}

	// backendbinary, binarypermissions: backend and executable declared
	// together; one executable per platform, 0755 (Windows aside); the
	// embedded build info names this plugin and version (gobuildinfo).
	if !manifest.Backend || manifest.Executable == "" || !manifest.Alerting {
		t.Errorf("backendbinary: backend %v, executable %q, alerting %v", manifest.Backend, manifest.Executable, manifest.Alerting)
	}
	var found []string
	for name, f := range files {
		base := strings.TrimPrefix(name, id+"/")
		if !strings.HasPrefix(base, manifest.Executable) {
			continue
		}
		suffix := strings.TrimPrefix(base, manifest.Executable)
		if !slices.Contains(sdkPlatforms, suffix) {
			t.Errorf("%s is not an executable of a platform the SDK builds", base)
			continue
		}
		found = append(found, suffix)
		if !strings.HasSuffix(suffix, ".exe") && f.Mode().Perm() != 0o755 {
			t.Errorf("binarypermissions: %s has mode %04o, want 0755", base, f.Mode().Perm())
		}
	}
	slices.Sort(found)
	want := slices.Clone(platforms)
	slices.Sort(want)
	if !slices.Equal(found, want) {
		t.Errorf("executables for %v, want %v", found, want)
	}

	// backenddebug and stray files: nothing but what the plugin serves.
	allowed := regexp.MustCompile(`^(module\.js(\.map)?|[0-9a-zA-Z_-]+\.js(\.map)?|plugin\.json|README\.md|CHANGELOG\.md|LICENSE|go_plugin_build_manifest|img/[^/]+\.(svg|png)|dashboards/[^/]+\.json|` + regexp.QuoteMeta(manifest.Executable) + `_[a-z0-9_]+(\.exe)?)$`)
	for name := range files {
		if base := strings.TrimPrefix(name, id+"/"); !allowed.MatchString(base) {
			t.Errorf("stray file %s", base)
		}
	}

	if sources != "" {
		checkGoManifest(t, readZipFile(t, files[id+"/go_plugin_build_manifest"]), sources)
	}

	// Unpacked into an empty plugins folder, the plugin loads.
	pluginsDir := t.TempDir()
	unzip(t, reader, pluginsDir)
	loadUnpacked(t, filepath.Join(pluginsDir, id), rootPkg.Version)
}

func readZipFile(t *testing.T, f *zip.File) []byte {
	t.Helper()
	r, err := f.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	raw, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func checkChecksumFile(t *testing.T, zipPath string) {
	t.Helper()
	sum, err := os.ReadFile(zipPath + ".sha256")
	if err != nil {
		t.Errorf("no checksum beside the archive: %v", err)
		return
	}
	raw, err := os.ReadFile(zipPath)
	if err != nil {
		t.Fatal(err)
	}
	digest := sha256.Sum256(raw)
	if want := hex.EncodeToString(digest[:]) + "  " + filepath.Base(zipPath) + "\n"; string(sum) != want {
		t.Errorf("%s.sha256 = %q, want %q (sha256sum format)", filepath.Base(zipPath), sum, want)
	}
}

// checkGoManifest: the validator's gomanifest rule. Every Go file of the
// sources (node_modules aside) is listed with its SHA-256, and every listed
// file exists with that hash.
func checkGoManifest(t *testing.T, manifest []byte, sources string) {
	t.Helper()
	listed := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(manifest)), "\n") {
		hash, file, ok := strings.Cut(line, ":")
		if !ok {
			t.Errorf("gomanifest: bad line %q", line)
			continue
		}
		listed[file] = hash
	}
	seen := 0
	err := filepath.WalkDir(sources, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == "node_modules" {
			return fs.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(p, ".go") {
			return nil
		}
		rel, _ := filepath.Rel(sources, p)
		raw, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		digest := sha256.Sum256(raw)
		if listed[filepath.ToSlash(rel)] != hex.EncodeToString(digest[:]) {
			t.Errorf("gomanifest: %s is missing or has another hash in go_plugin_build_manifest", rel)
		}
		seen++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if seen != len(listed) {
		t.Errorf("gomanifest: the manifest lists %d files, the sources hold %d", len(listed), seen)
	}
}

// unzip extracts with the modes the archive records, as Grafana's installer does.
func unzip(t *testing.T, reader *zip.ReadCloser, dir string) {
	t.Helper()
	for _, f := range reader.File {
		target := filepath.Join(dir, filepath.FromSlash(f.Name))
		if f.Mode().IsDir() {
			if err := os.MkdirAll(target, 0o755); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(target, readZipFile(t, f), f.Mode().Perm()); err != nil {
			t.Fatal(err)
		}
	}
}

// loadUnpacked starts the unpacked plugin's executable for this platform (the
// name Grafana derives from plugin.json) with grafanahost, and asks it for
// its health against a real InfluxDB (empty, so the answer is an error that
// names the server and the measurement).
func loadUnpacked(t *testing.T, pluginDir, version string) {
	t.Helper()
	var manifest pluginJSON
	raw, err := os.ReadFile(filepath.Join(pluginDir, "plugin.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &manifest); err != nil {
		t.Fatal(err)
	}
	exe := filepath.Join(pluginDir, fmt.Sprintf("%s_%s_%s", manifest.Executable, runtime.GOOS, runtime.GOARCH))
	out, err := exec.Command(exe, "-version").Output()
	if err != nil || strings.TrimSpace(string(out)) != version {
		t.Errorf("%s -version: %q, %v; want %s", filepath.Base(exe), out, err, version)
	}

	// An empty database: the health check's answer names it, which a plugin that
	// loaded, read its settings and reached InfluxDB can give.
	influx := testenv.StartInflux(t, "1.8")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	p, err := grafanahost.Launch(ctx, grafanahost.Options{Executable: exe})
	if err != nil {
		t.Fatalf("launching the unpacked plugin: %v", err)
	}
	defer p.Close()
	ds := grafanahost.DataSource{UID: "archive", URL: influx.URL, JSONData: map[string]any{"database": influx.Database}}
	health, err := p.CheckHealth(ctx, ds.PluginContext())
	if err != nil {
		t.Fatalf("CheckHealth: %v", err)
	}
	if !strings.Contains(health.Message, influx.URL) || !strings.Contains(health.Message, `"vm_telemetry"`) {
		t.Errorf("health %v: %q does not report on the InfluxDB at %s", health.Status, health.Message, influx.URL)
	}
	if !p.Logs().Contains(version) {
		t.Errorf("the plugin's log does not name version %s:\n%s", version, p.Logs().String())
	}
}
