package provisioning_test

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/dotenv"
	"github.com/compose-spec/compose-go/v2/types"
)

// The compose file and its .env example sit at the repository root; this
// package's tests run in provisioning/.
const (
	repoRoot       = ".."
	composeFile    = "../docker-compose.yml"
	envExampleFile = "../.env.example"
)

var allProfiles = []string{"host-libvirt", "test-driver"}

// loadCompose loads the compose file with compose-go, the loader of Docker
// Compose v2, taking variables from .env.example only (not from this process).
func loadCompose(t *testing.T, envFiles []string, profiles []string) (*types.Project, error) {
	t.Helper()
	options, err := cli.NewProjectOptions([]string{composeFile},
		cli.WithWorkingDirectory(repoRoot),
		cli.WithEnvFiles(envFiles...),
		cli.WithDotEnv,
		cli.WithProfiles(profiles),
	)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return options.LoadProject(ctx)
}

func exampleEnv(t *testing.T) map[string]string {
	t.Helper()
	env, err := dotenv.Read(envExampleFile)
	if err != nil {
		t.Fatal(err)
	}
	return env
}

func environmentOf(s types.ServiceConfig) map[string]string {
	env := map[string]string{}
	for key, value := range s.Environment {
		if value != nil {
			env[key] = *value
		}
	}
	return env
}

func TestComposeServices(t *testing.T) {
	project, err := loadCompose(t, []string{envExampleFile}, allProfiles)
	if err != nil {
		t.Fatalf("compose-go refuses docker-compose.yml with .env.example: %v", err)
	}
	env := exampleEnv(t)
	if project.Name != env["COMPOSE_PROJECT_NAME"] || project.Name == "" {
		t.Errorf("project name %q, want COMPOSE_PROJECT_NAME from .env", project.Name)
	}

	want := []string{"exporter", "exporter-test-driver", "grafana", "influxdb", "libvirtd-test", "secrets-check"}
	if got := project.ServiceNames(); !slices.Equal(got, want) {
		t.Fatalf("services %v, want %v", got, want)
	}
	for name, service := range project.Services {
		if name == "secrets-check" {
			continue // a one-shot, checked in TestComposeRefusesPlaceholderSecrets
		}
		if service.Restart != types.RestartPolicyUnlessStopped {
			t.Errorf("%s: restart %q, want unless-stopped", name, service.Restart)
		}
		hc := service.HealthCheck
		if hc == nil || hc.Disable || len(hc.Test) < 2 || hc.Test[0] != "CMD" || hc.Interval == nil || hc.Retries == nil {
			t.Errorf("%s: healthcheck %+v: want a CMD test with interval and retries", name, hc)
		}
		if service.Image == "" || strings.HasSuffix(service.Image, ":latest") || !strings.Contains(service.Image, ":") {
			t.Errorf("%s: image %q is not pinned", name, service.Image)
		}
	}

	wantDependencies := map[string][]string{
		"influxdb":             {"secrets-check"},
		"grafana":              {"influxdb", "secrets-check"},
		"exporter":             {"influxdb", "secrets-check"},
		"exporter-test-driver": {"influxdb", "libvirtd-test", "secrets-check"},
	}
	for name, service := range project.Services {
		var deps []string
		for dep, config := range service.DependsOn {
			deps = append(deps, dep)
			if dep == "secrets-check" {
				if config.Condition != types.ServiceConditionCompletedSuccessfully {
					t.Errorf("%s waits for secrets-check to be %q, want service_completed_successfully", name, config.Condition)
				}
			} else if config.Condition != types.ServiceConditionHealthy {
				t.Errorf("%s waits for %s to be %q, want service_healthy", name, dep, config.Condition)
			}
		}
		slices.Sort(deps)
		if !slices.Equal(deps, wantDependencies[name]) {
			t.Errorf("%s depends on %v, want %v", name, deps, wantDependencies[name])
		}
	}

	profiles := map[string][]string{"exporter": {"host-libvirt"}, "libvirtd-test": {"test-driver"}, "exporter-test-driver": {"test-driver"}}
	for name, service := range project.Services {
		if !slices.Equal(service.Profiles, profiles[name]) {
			t.Errorf("%s: profiles %v, want %v", name, service.Profiles, profiles[name])
		}
	}
	if !slices.Contains(allProfiles, env["COMPOSE_PROFILES"]) {
		t.Errorf(".env.example selects profile %q, want one of %v", env["COMPOSE_PROFILES"], allProfiles)
	}

	for _, volume := range []string{"influxdb-data", "influxdb-config", "grafana-data", "libvirt-test-run", "exporter-spill"} {
		if _, ok := project.Volumes[volume]; !ok {
			t.Errorf("named volume %s is not declared", volume)
		}
	}
}

// mountAt finds the volume mounted at target.
func mountAt(s types.ServiceConfig, target string) *types.ServiceVolumeConfig {
	for i := range s.Volumes {
		if s.Volumes[i].Target == target {
			return &s.Volumes[i]
		}
	}
	return nil
}

func checkMount(t *testing.T, s types.ServiceConfig, target, kind, source string, readOnly bool) {
	t.Helper()
	m := mountAt(s, target)
	if m == nil {
		t.Errorf("%s: nothing mounted at %s", s.Name, target)
		return
	}
	want := source
	if kind == types.VolumeTypeBind && strings.HasPrefix(source, "./") {
		want = mustAbs(t, filepath.Join(repoRoot, source))
	}
	if m.Type != kind || m.Source != want || m.ReadOnly != readOnly {
		t.Errorf("%s: %s is %s %s (read-only %v), want %s %s (read-only %v)", s.Name, target, m.Type, m.Source, m.ReadOnly, kind, want, readOnly)
	}
	// Files of this folder must be there; dist/ is built (npm run build).
	if strings.HasPrefix(source, "./provisioning/") {
		if _, err := os.Stat(want); err != nil {
			t.Errorf("%s: mount source %s: %v", s.Name, source, err)
		}
	}
}

func TestComposeGrafana(t *testing.T) {
	project, err := loadCompose(t, []string{envExampleFile}, allProfiles)
	if err != nil {
		t.Fatal(err)
	}
	env := exampleEnv(t)
	grafana := project.Services["grafana"]

	// A pinned release that satisfies plugin.json's grafanaDependency.
	match := regexp.MustCompile(`^grafana/grafana:(\d+)\.(\d+)\.(\d+)$`).FindStringSubmatch(grafana.Image)
	if match == nil {
		t.Fatalf("grafana image %q is not a pinned grafana/grafana:X.Y.Z", grafana.Image)
	}
	var plugin struct {
		Dependencies struct {
			GrafanaDependency string `json:"grafanaDependency"`
		} `json:"dependencies"`
	}
	raw, err := os.ReadFile(filepath.Join(repoRoot, "src", "plugin.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &plugin); err != nil {
		t.Fatal(err)
	}
	minimum := regexp.MustCompile(`^>=\s*(\d+)\.(\d+)\.(\d+)$`).FindStringSubmatch(plugin.Dependencies.GrafanaDependency)
	if minimum == nil {
		t.Fatalf("plugin.json grafanaDependency %q is not of the form >=X.Y.Z", plugin.Dependencies.GrafanaDependency)
	}
	if compareVersions(match[1:], minimum[1:]) < 0 {
		t.Errorf("grafana image %s is older than plugin.json's grafanaDependency %s", grafana.Image, plugin.Dependencies.GrafanaDependency)
	}

	genv := environmentOf(grafana)
	if genv["GF_PLUGINS_ALLOW_LOADING_UNSIGNED_PLUGINS"] != pluginID {
		t.Errorf("GF_PLUGINS_ALLOW_LOADING_UNSIGNED_PLUGINS=%q, want exactly %s", genv["GF_PLUGINS_ALLOW_LOADING_UNSIGNED_PLUGINS"], pluginID)
	}
	for _, name := range datasourceEnvVariables(t) {
		value, ok := genv[name]
		if !ok {
			t.Errorf("the data source file reads $%s, which Grafana's environment lacks", name)
		} else if value != env[name] {
			t.Errorf("Grafana's %s is %q, want the .env value %q", name, value, env[name])
		}
	}
	if genv["GF_SECURITY_ADMIN_PASSWORD"] != env["GRAFANA_ADMIN_PASSWORD"] {
		t.Error("Grafana's admin password does not come from .env")
	}

	checkMount(t, grafana, "/var/lib/grafana/plugins/"+pluginID, types.VolumeTypeBind, "./dist", true)
	for _, dir := range []string{"datasources", "dashboards", "alerting"} {
		checkMount(t, grafana, "/etc/grafana/provisioning/"+dir, types.VolumeTypeBind, "./provisioning/"+dir, true)
	}
	checkMount(t, grafana, "/var/lib/grafana", types.VolumeTypeVolume, "grafana-data", false)
	// The dashboard provider reads the folder Grafana sees.
	provider, err := os.ReadFile(filepath.Join("dashboards", "vm-telemetry.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(provider), "path: /etc/grafana/provisioning/dashboards\n") {
		t.Error("the dashboard provider does not read /etc/grafana/provisioning/dashboards, where compose mounts the dashboards")
	}
}

func compareVersions(a, b []string) int {
	for i := range a {
		var x, y int
		fmt.Sscan(a[i], &x)
		fmt.Sscan(b[i], &y)
		if x != y {
			return x - y
		}
	}
	return 0
}

func TestComposeInfluxDB(t *testing.T) {
	project, err := loadCompose(t, []string{envExampleFile}, allProfiles)
	if err != nil {
		t.Fatal(err)
	}
	env := exampleEnv(t)
	influx := project.Services["influxdb"]
	if !regexp.MustCompile(`^influxdb:2\.7\.\d+$`).MatchString(influx.Image) {
		t.Errorf("influxdb image %q, want a pinned influxdb:2.7.x", influx.Image)
	}
	ienv := environmentOf(influx)
	for key, want := range map[string]string{
		"DOCKER_INFLUXDB_INIT_MODE":        "setup",
		"DOCKER_INFLUXDB_INIT_ORG":         env["INFLUX_ORG"],
		"DOCKER_INFLUXDB_INIT_BUCKET":      env["INFLUX_BUCKET"],
		"DOCKER_INFLUXDB_INIT_ADMIN_TOKEN": env["INFLUX_ADMIN_TOKEN"],
		"INFLUX_WRITER_USER":               env["INFLUX_WRITER_USER"],
		"INFLUX_WRITER_PASSWORD":           env["INFLUX_WRITER_PASSWORD"],
		"INFLUX_READER_USER":               env["INFLUX_READER_USER"],
		"INFLUX_READER_PASSWORD":           env["INFLUX_READER_PASSWORD"],
		"DOCKER_INFLUXDB_INIT_USERNAME":    env["INFLUX_ADMIN_USER"],
		"DOCKER_INFLUXDB_INIT_PASSWORD":    env["INFLUX_ADMIN_PASSWORD"],
	} {
		if want == "" || ienv[key] != want {
			t.Errorf("influxdb %s=%q, want %q from .env", key, ienv[key], want)
		}
	}
	checkMount(t, influx, "/var/lib/influxdb2", types.VolumeTypeVolume, "influxdb-data", false)
	checkMount(t, influx, "/docker-entrypoint-initdb.d", types.VolumeTypeBind, "./provisioning/influxdb/init", true)

	// The image runs executable *.sh files of that folder after setup; the
	// script must map the database the data source queries.
	scripts, err := filepath.Glob(filepath.Join("influxdb", "init", "*.sh"))
	if err != nil || len(scripts) == 0 {
		t.Fatalf("no init scripts in provisioning/influxdb/init (%v)", err)
	}
	var mapped bool
	for _, script := range scripts {
		info, err := os.Stat(script)
		if err != nil {
			t.Fatal(err)
		}
		if info.Mode()&0o111 == 0 {
			t.Errorf("%s is not executable: the image's run-parts skips it", script)
		}
		text, err := os.ReadFile(script)
		if err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command("bash", "-n", script).CombinedOutput(); err != nil {
			t.Errorf("%s: %s", script, out)
		}
		database := loadDatasources(t).Datasources[0].JSONData["database"]
		if strings.Contains(string(text), "influx v1 dbrp create") && strings.Contains(string(text), fmt.Sprintf("--db %v ", database)) &&
			strings.Contains(string(text), "DOCKER_INFLUXDB_INIT_BUCKET_ID") {
			mapped = true
		}
	}
	if !mapped {
		t.Error("no init script maps the data source's database to the bucket (influx v1 dbrp create --db … --bucket-id $DOCKER_INFLUXDB_INIT_BUCKET_ID)")
	}
	// The one script that creates the writer and the reader runs after the
	// DBRP mapping (run-parts order) and is what scripts/influxdb/start.sh
	// runs on every 2.7 test server (see TestLeastPrivilegeUsers).
	if !slices.Contains(scripts, filepath.Join("influxdb", "init", "20-least-privilege.sh")) ||
		slices.Index(scripts, filepath.Join("influxdb", "init", "20-least-privilege.sh")) < slices.Index(scripts, filepath.Join("influxdb", "init", "10-dbrp.sh")) {
		t.Errorf("init scripts %v: want 20-least-privilege.sh after 10-dbrp.sh", scripts)
	}
	start, err := os.ReadFile(filepath.Join(repoRoot, "scripts", "influxdb", "start.sh"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(start), "provisioning/influxdb/init/20-least-privilege.sh") {
		t.Error("scripts/influxdb/start.sh does not run 20-least-privilege.sh: the test servers would not have the compose stack's users")
	}
}

// TestComposeKeepsTheAdminTokenInInfluxDB: only InfluxDB (and the check of
// placeholders) sees the admin token; the exporter writes and Grafana reads as
// v1 users of their own (provisioning/influxdb/init/20-least-privilege.sh).
func TestComposeKeepsTheAdminTokenInInfluxDB(t *testing.T) {
	project, err := loadCompose(t, []string{envExampleFile}, allProfiles)
	if err != nil {
		t.Fatal(err)
	}
	env := exampleEnv(t)
	for name, service := range project.Services {
		if name == "influxdb" || name == "secrets-check" {
			continue
		}
		for key, value := range environmentOf(service) {
			for _, secret := range []string{"INFLUX_ADMIN_TOKEN", "INFLUX_ADMIN_PASSWORD"} {
				if value == env[secret] {
					t.Errorf("%s: %s holds the value of %s", name, key, secret)
				}
			}
		}
	}
	genv := environmentOf(project.Services["grafana"])
	if genv["INFLUX_READER_USER"] != env["INFLUX_READER_USER"] || genv["INFLUX_READER_PASSWORD"] != env["INFLUX_READER_PASSWORD"] {
		t.Error("Grafana does not get the read-only user from .env")
	}
	for _, secret := range []string{"INFLUX_WRITER_PASSWORD"} {
		for key, value := range genv {
			if value == env[secret] {
				t.Errorf("grafana: %s holds the value of %s", key, secret)
			}
		}
	}
}

// TestComposeRefusesPlaceholderSecrets runs the compose stack's
// secrets-check service script with .env.example (refused, naming every
// placeholder) and with real secrets (accepted).
func TestComposeRefusesPlaceholderSecrets(t *testing.T) {
	project, err := loadCompose(t, []string{envExampleFile}, allProfiles)
	if err != nil {
		t.Fatal(err)
	}
	check := project.Services["secrets-check"]
	if check.Restart != types.RestartPolicyNo && check.Restart != "" {
		t.Errorf("secrets-check: restart %q, want no (a one-shot)", check.Restart)
	}
	checkMount(t, check, "/secrets-check.sh", types.VolumeTypeBind, "./provisioning/secrets-check.sh", true)
	if !slices.Equal(check.Entrypoint, types.ShellCommand{"bash", "/secrets-check.sh"}) {
		t.Errorf("secrets-check: entrypoint %v, want bash /secrets-check.sh", check.Entrypoint)
	}
	if check.Image != project.Services["influxdb"].Image {
		t.Errorf("secrets-check: image %q, want InfluxDB's %q (no extra image to pull)", check.Image, project.Services["influxdb"].Image)
	}
	checked := environmentOf(check)
	env := exampleEnv(t)
	var placeholders []string
	for key, value := range env {
		if strings.HasPrefix(value, "change-this-") {
			placeholders = append(placeholders, key)
			if checked[key] != value {
				t.Errorf("secrets-check does not see %s: its placeholder would pass", key)
			}
		}
	}
	if len(placeholders) < 5 {
		t.Fatalf("placeholders %v in .env.example: want every secret to be one", placeholders)
	}

	run := func(environment map[string]string) (string, error) {
		cmd := exec.Command("bash", filepath.Join("secrets-check.sh"))
		cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
		for key, value := range environment {
			cmd.Env = append(cmd.Env, key+"="+value)
		}
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	out, err := run(checked)
	if err == nil {
		t.Errorf("secrets-check accepts the placeholders of .env.example: %s", out)
	}
	for _, key := range placeholders {
		if !strings.Contains(out, key) {
			t.Errorf("secrets-check's refusal does not name %s: %s", key, out)
		}
	}
	real := map[string]string{}
	for key := range checked {
		real[key] = "s3cret-" + strings.ToLower(key)
	}
	if out, err := run(real); err != nil {
		t.Errorf("secrets-check refuses real secrets: %v: %s", err, out)
	}
	real["INFLUX_READER_PASSWORD"] = env["INFLUX_READER_PASSWORD"]
	if out, err := run(real); err == nil || !strings.Contains(out, "INFLUX_READER_PASSWORD") || strings.Contains(out, "GRAFANA_ADMIN_PASSWORD") {
		t.Errorf("one placeholder left: %v: %s, want a refusal naming INFLUX_READER_PASSWORD alone", err, out)
	}
}

// exporterOptionNames reads the VMT_* variables the exporter understands
// from the settings table of exporter/README.md, which the exporter's own
// test (exporter/test/config.test.ts) holds to its settings: one row per
// flag, its variable in the second column.
func exporterOptionNames(t *testing.T) []string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(repoRoot, "exporter", "README.md"))
	if err != nil {
		t.Fatalf("the exporter's settings table: %v", err)
	}
	var names []string
	for _, match := range regexp.MustCompile("(?m)^\\| `--[a-z0-9-]+` \\| `(VMT_[A-Z0-9_]+)` \\|").FindAllStringSubmatch(string(raw), -1) {
		names = append(names, match[1])
	}
	if len(names) < 10 {
		t.Fatalf("found only %d settings in exporter/README.md: the table's form changed", len(names))
	}
	return names
}

func TestComposeExporters(t *testing.T) {
	project, err := loadCompose(t, []string{envExampleFile}, allProfiles)
	if err != nil {
		t.Fatal(err)
	}
	env := exampleEnv(t)
	known := exporterOptionNames(t)
	uris := map[string]string{"exporter": "qemu:///system", "exporter-test-driver": "test:///etc/vm-telemetry/node.xml"}
	for name, uri := range uris {
		exporter := project.Services[name]
		if exporter.Build == nil || exporter.Build.Context != mustAbs(t, filepath.Join(repoRoot, "exporter")) || exporter.Build.Dockerfile != "Dockerfile" {
			t.Errorf("%s: build %+v, want exporter/Dockerfile", name, exporter.Build)
		}
		eenv := environmentOf(exporter)
		for key := range eenv {
			if !slices.Contains(known, key) {
				t.Errorf("%s: %s is not a setting of the exporter (exporter/src/config.ts)", name, key)
			}
		}
		for key, want := range map[string]string{
			"VMT_INFLUX_URL": "http://influxdb:8086", "VMT_INFLUX_API": "v1", "VMT_INFLUX_DATABASE": "vm_telemetry",
			"VMT_INFLUX_USERNAME": env["INFLUX_WRITER_USER"], "VMT_INFLUX_PASSWORD": env["INFLUX_WRITER_PASSWORD"],
			"VMT_LIBVIRT_URI": uri, "VMT_LIBVIRT_SOCKET": "/run/libvirt/libvirt-sock-ro", "VMT_INTERVAL": "1s",
		} {
			if eenv[key] != want {
				t.Errorf("%s: %s=%q, want %q", name, key, eenv[key], want)
			}
		}
		port := regexp.MustCompile(`:(\d+)$`).FindStringSubmatch(eenv["VMT_LISTEN"])
		if port == nil || !strings.Contains(strings.Join(exporter.HealthCheck.Test, " "), "127.0.0.1:"+port[1]+"/healthz") {
			t.Errorf("%s: the healthcheck does not ask /healthz on the port of VMT_LISTEN %q", name, eenv["VMT_LISTEN"])
		}
	}
	// The read-only socket and nothing else of libvirt: the host's socket file,
	// or the sidecar's volume, from which the sidecar removes the read-write
	// and admin sockets (provisioning/libvirt-test/start.sh).
	checkMount(t, project.Services["exporter"], "/run/libvirt/libvirt-sock-ro", types.VolumeTypeBind, "/run/libvirt/libvirt-sock-ro", true)
	checkMount(t, project.Services["exporter-test-driver"], "/run/libvirt", types.VolumeTypeVolume, "libvirt-test-run", true)
	checkMount(t, project.Services["libvirtd-test"], "/run/libvirt-shared", types.VolumeTypeVolume, "libvirt-test-run", false)
	for name := range uris {
		for _, volume := range project.Services[name].Volumes {
			if strings.Contains(volume.Source, "libvirt") && volume.Source != "/run/libvirt/libvirt-sock-ro" && volume.Source != "libvirt-test-run" {
				t.Errorf("%s mounts %s: want the read-only socket alone", name, volume.Source)
			}
		}
	}
	sidecar, err := os.ReadFile(filepath.Join("libvirt-test", "start.sh"))
	if err != nil {
		t.Fatal(err)
	}
	sidecarDockerfile, err := os.ReadFile(filepath.Join("libvirt-test", "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(sidecarDockerfile), `unix_sock_dir = "/run/libvirt-shared"`) ||
		!strings.Contains(string(sidecar), `rm -f "$shared/libvirt-sock" "$shared/libvirt-admin-sock"`) {
		t.Error("the sidecar does not keep its read-write and admin sockets out of the volume the exporter mounts")
	}
	if hc := strings.Join(project.Services["libvirtd-test"].HealthCheck.Test, " "); !strings.Contains(hc, "socket=/run/libvirt-shared/libvirt-sock-ro") {
		t.Errorf("the sidecar's healthcheck %q does not use the read-only socket (the read-write one is gone)", hc)
	}
	// The image's spill folder (VMT_BUFFER_SPILL_DIR) outlives the container.
	for name := range uris {
		checkMount(t, project.Services[name], "/var/lib/vm-telemetry-exporter", types.VolumeTypeVolume, "exporter-spill", false)
	}

	dockerfile, err := os.ReadFile(filepath.Join(repoRoot, "exporter", "Dockerfile"))
	if err != nil {
		t.Fatalf("the exporter's image is built from exporter/Dockerfile: %v", err)
	}
	spill := regexp.MustCompile(`VMT_BUFFER_SPILL_DIR=(\S+)`).FindSubmatch(dockerfile)
	if spill == nil || !strings.HasPrefix(string(spill[1]), "/var/lib/vm-telemetry-exporter/") {
		t.Errorf("exporter/Dockerfile spills to %q, outside the exporter-spill volume /var/lib/vm-telemetry-exporter", spill)
	}
}

func mustAbs(t *testing.T, path string) string {
	t.Helper()
	abs, err := filepath.Abs(path)
	if err != nil {
		t.Fatal(err)
	}
	return abs
}

// TestLibvirtTestDriverNode checks the test driver's node file: two running
// VMs (so the dashboard repeats), unique names and UUIDs.
func TestLibvirtTestDriverNode(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("libvirt-test", "node.xml"))
	if err != nil {
		t.Fatal(err)
	}
	var node struct {
		Domains []struct {
			Type string `xml:"type,attr"`
			Name string `xml:"name"`
			UUID string `xml:"uuid"`
		} `xml:"domain"`
	}
	if err := xml.Unmarshal(raw, &node); err != nil {
		t.Fatalf("node.xml: %v", err)
	}
	if len(node.Domains) < 2 {
		t.Errorf("%d test domains, want at least two so that the per-VM rows repeat", len(node.Domains))
	}
	seen := map[string]bool{}
	for _, d := range node.Domains {
		if d.Type != "test" || d.Name == "" || d.UUID == "" || seen[d.Name] || seen[d.UUID] {
			t.Errorf("domain %+v: want type test with a unique name and uuid", d)
		}
		seen[d.Name], seen[d.UUID] = true, true
	}
	dockerfile, err := os.ReadFile(filepath.Join("libvirt-test", "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(dockerfile), "COPY node.xml /etc/vm-telemetry/node.xml") {
		t.Error("the sidecar's Dockerfile does not put node.xml where the exporter's URI points")
	}
}

func TestComposeNeedsTheEnvFile(t *testing.T) {
	// Without .env the secrets are missing: loading must stop and say which.
	empty := filepath.Join(t.TempDir(), "empty.env")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := loadCompose(t, []string{empty}, allProfiles)
	if err == nil || !strings.Contains(err.Error(), "in .env (see .env.example)") {
		t.Errorf("loading without .env gave %v, want an error naming the missing variable", err)
	}
}

func TestComposeKeepsSecretsInTheEnvFile(t *testing.T) {
	raw, err := os.ReadFile(composeFile)
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"INFLUX_ADMIN_TOKEN", "INFLUX_ADMIN_PASSWORD", "INFLUX_WRITER_PASSWORD", "INFLUX_READER_PASSWORD", "GRAFANA_ADMIN_PASSWORD"} {
		value := exampleEnv(t)[key]
		if value == "" {
			t.Errorf(".env.example has no %s", key)
			continue
		}
		if strings.Contains(string(raw), value) {
			t.Errorf("docker-compose.yml contains the value of %s", key)
		}
	}
	ignore, err := os.ReadFile(filepath.Join(repoRoot, ".gitignore"))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(strings.Split(string(ignore), "\n"), ".env") {
		t.Error(".gitignore does not keep .env (the real secrets) out of git")
	}
}

// TestEnvExampleDocumentsEveryVariable: every ${VARIABLE} of the compose file
// is in .env.example, so a user sees every knob (those with defaults too).
func TestEnvExampleDocumentsEveryVariable(t *testing.T) {
	raw, err := os.ReadFile(composeFile)
	if err != nil {
		t.Fatal(err)
	}
	env := exampleEnv(t)
	for _, match := range regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)`).FindAllStringSubmatch(string(raw), -1) {
		if _, ok := env[match[1]]; !ok {
			t.Errorf("docker-compose.yml reads ${%s}, which .env.example does not set", match[1])
		}
	}
}
