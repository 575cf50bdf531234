package provisioning_test

import (
	"bytes"
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"go.yaml.in/yaml/v3"

	"github.com/vmtelemetry/libvirt-datasource/pkg/models"
)

const datasourceFile = "datasources/vm-telemetry.yaml"

// datasourcesFile is Grafana's data source provisioning format, apiVersion 1
// (the keys Grafana's provisioning reads; any other key is refused here,
// because Grafana would silently ignore it).
type datasourcesFile struct {
	APIVersion        int                     `yaml:"apiVersion"`
	Datasources       []provisionedDatasource `yaml:"datasources"`
	DeleteDatasources []struct {
		Name  string `yaml:"name"`
		OrgID int64  `yaml:"orgId"`
	} `yaml:"deleteDatasources"`
	Prune bool `yaml:"prune"`
}

type provisionedDatasource struct {
	OrgID           int64             `yaml:"orgId"`
	Version         int               `yaml:"version"`
	Name            string            `yaml:"name"`
	Type            string            `yaml:"type"`
	UID             string            `yaml:"uid"`
	Access          string            `yaml:"access"`
	URL             string            `yaml:"url"`
	User            string            `yaml:"user"`
	Database        string            `yaml:"database"`
	BasicAuth       bool              `yaml:"basicAuth"`
	BasicAuthUser   string            `yaml:"basicAuthUser"`
	WithCredentials bool              `yaml:"withCredentials"`
	IsDefault       bool              `yaml:"isDefault"`
	Editable        bool              `yaml:"editable"`
	JSONData        map[string]any    `yaml:"jsonData"`
	SecureJSONData  map[string]string `yaml:"secureJsonData"`
}

// jsonDataKeys and secureKeys are the settings of docs/PLUGIN-API.md.
var (
	jsonDataKeys = []string{"authType", "username", "database", "retentionPolicy", "measurement", "queryLanguage",
		"organization", "bucket", "rollups", "rollupBucket", "timeoutSeconds", "tlsSkipVerify", "tlsWithCACert", "streamIntervalMs", "maxPointsPerQuery"}
	secureKeys = []string{"token", "password", "tlsCACert"}
)

// wholeEnvReference is a value that is nothing but one environment variable.
var wholeEnvReference = regexp.MustCompile(`^\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))$`)

// envReference finds $NAME and ${NAME} inside a value.
var envReference = regexp.MustCompile(`\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))`)

func loadDatasources(t *testing.T) datasourcesFile {
	t.Helper()
	raw, err := os.ReadFile(datasourceFile)
	if err != nil {
		t.Fatal(err)
	}
	var file datasourcesFile
	decoder := yaml.NewDecoder(bytes.NewReader(raw))
	decoder.KnownFields(true)
	if err := decoder.Decode(&file); err != nil {
		t.Fatalf("%s is not Grafana's data source provisioning format: %v", datasourceFile, err)
	}
	return file
}

// datasourceEnvVariables lists the environment variables the data source file
// reads in its values; docker-compose.yml must hand each of them to Grafana.
func datasourceEnvVariables(t *testing.T) []string {
	t.Helper()
	var values []string
	for _, ds := range loadDatasources(t).Datasources {
		values = append(values, ds.Name, ds.Type, ds.UID, ds.URL, ds.User, ds.Database, ds.BasicAuthUser)
		for _, value := range ds.JSONData {
			if text, ok := value.(string); ok {
				values = append(values, text)
			}
		}
		for _, value := range ds.SecureJSONData {
			values = append(values, value)
		}
	}
	var names []string
	for _, value := range values {
		for _, match := range envReference.FindAllStringSubmatch(strings.ReplaceAll(value, "$$", ""), -1) {
			if name := match[1] + match[2]; !slices.Contains(names, name) {
				names = append(names, name)
			}
		}
	}
	slices.Sort(names)
	return names
}

// expandLikeGrafana mirrors how Grafana's provisioning expands a string value:
// `$$` is a literal `$`, `$NAME` and `${NAME}` are environment variables.
func expandLikeGrafana(value string, env map[string]string) string {
	parts := strings.Split(value, "$$")
	for i, part := range parts {
		parts[i] = os.Expand(part, func(name string) string { return env[name] })
	}
	return strings.Join(parts, "$")
}

func TestDatasourceProvisioning(t *testing.T) {
	file := loadDatasources(t)
	if file.APIVersion != 1 {
		t.Errorf("apiVersion %d, want 1", file.APIVersion)
	}
	if len(file.Datasources) != 1 {
		t.Fatalf("%d data sources, want exactly ours", len(file.Datasources))
	}
	ds := file.Datasources[0]
	if ds.Type != pluginID {
		t.Errorf("type %q, want %s", ds.Type, pluginID)
	}
	// The dashboard's default and every alert rule name this uid.
	if ds.UID != "vm-telemetry" {
		t.Errorf("uid %q, want the fixed uid vm-telemetry", ds.UID)
	}
	if ds.Access != "proxy" {
		t.Errorf("access %q: a backend data source is reached through Grafana's server (proxy)", ds.Access)
	}
	if ds.URL != "http://influxdb:8086" {
		t.Errorf("url %q, want the compose service http://influxdb:8086", ds.URL)
	}
	if ds.User != "" || ds.Database != "" || ds.BasicAuth || ds.BasicAuthUser != "" {
		t.Errorf("top-level user/database/basicAuth are Grafana's built-in fields, unused by this plugin: settings go to jsonData")
	}

	for key := range ds.JSONData {
		if !slices.Contains(jsonDataKeys, key) {
			t.Errorf("jsonData.%s is not a setting of docs/PLUGIN-API.md", key)
		}
		lower := strings.ToLower(key)
		if strings.Contains(lower, "token") || strings.Contains(lower, "password") || strings.Contains(lower, "secret") {
			t.Errorf("jsonData.%s looks like a secret: jsonData reaches the browser", key)
		}
	}
	// The compose stack's read-only v1 user (provisioning/influxdb/init/20-least-privilege.sh).
	expectJSON := map[string]any{"authType": "basic", "username": "${INFLUX_READER_USER}", "queryLanguage": "influxql",
		"database": "vm_telemetry", "measurement": "vm_telemetry"}
	for key, want := range expectJSON {
		if ds.JSONData[key] != want {
			t.Errorf("jsonData.%s = %v, want %v (InfluxDB 2.x, InfluxQL through DBRP, the read-only user)", key, ds.JSONData[key], want)
		}
	}

	secretVariables := map[string]bool{}
	for key, value := range ds.SecureJSONData {
		if !slices.Contains(secureKeys, key) {
			t.Errorf("secureJsonData.%s is not a secure setting of docs/PLUGIN-API.md", key)
		}
		match := wholeEnvReference.FindStringSubmatch(value)
		if match == nil {
			t.Errorf("secureJsonData.%s = %q: a secret must come from an environment variable ($NAME), never be written in the file", key, value)
			continue
		}
		secretVariables[match[1]+match[2]] = true
	}
	if !slices.Equal(mapsKeys(ds.SecureJSONData), []string{"password"}) {
		t.Errorf("secureJsonData holds %v, want the reader's password alone (no admin token)", mapsKeys(ds.SecureJSONData))
	}
	for key, value := range ds.JSONData {
		text, _ := value.(string)
		for _, match := range envReference.FindAllStringSubmatch(text, -1) {
			if secretVariables[match[1]+match[2]] {
				t.Errorf("jsonData.%s reads the secret variable %s", key, match[1]+match[2])
			}
		}
	}
}

// TestDatasourceSettingsLoadInBackend expands the file the way Grafana does and
// hands the result to the backend's settings loader, as Grafana would on the
// first query.
func TestDatasourceSettingsLoadInBackend(t *testing.T) {
	env := map[string]string{"INFLUX_READER_USER": "reader-from-env", "INFLUX_READER_PASSWORD": "password-from-env-3f9a"}
	instance := provisionedInstance(t, env, "")
	settings, err := models.LoadSettings(instance)
	if err != nil {
		t.Fatalf("the backend refuses the provisioned settings: %v", err)
	}
	if err := settings.Validate(); err != nil {
		t.Fatalf("the backend's validation refuses the provisioned settings: %v", err)
	}
	printed, err := json.Marshal(settings)
	if err != nil {
		t.Fatal(err)
	}
	if settings.AuthType != models.AuthBasic || settings.Username != env["INFLUX_READER_USER"] || settings.QueryLanguage != models.LanguageInfluxQL {
		t.Errorf("authType %q, username %q, queryLanguage %q: want basic, $INFLUX_READER_USER and influxql", settings.AuthType, settings.Username, settings.QueryLanguage)
	}
	if strings.Contains(string(printed), env["INFLUX_READER_PASSWORD"]) {
		t.Errorf("the password shows in the settings' JSON: %s", printed)
	}
	if settings.Secrets.Password != env["INFLUX_READER_PASSWORD"] {
		t.Errorf("the password from $INFLUX_READER_PASSWORD did not reach the backend's secrets")
	}
}

// provisionedInstance expands the data source file the way Grafana does, with
// env as Grafana's environment, into the settings Grafana hands the backend
// (url, when set, replaces the compose host's).
func provisionedInstance(t *testing.T, env map[string]string, url string) backend.DataSourceInstanceSettings {
	t.Helper()
	ds := loadDatasources(t).Datasources[0]
	for _, name := range datasourceEnvVariables(t) {
		if _, ok := env[name]; !ok {
			t.Errorf("the file reads $%s, which this test (and docker-compose.yml) must provide", name)
		}
	}
	jsonData := map[string]any{}
	for key, value := range ds.JSONData {
		if text, ok := value.(string); ok {
			value = expandLikeGrafana(text, env)
		}
		jsonData[key] = value
	}
	secure := map[string]string{}
	for key, value := range ds.SecureJSONData {
		secure[key] = expandLikeGrafana(value, env)
	}
	rawJSONData, err := json.Marshal(jsonData)
	if err != nil {
		t.Fatal(err)
	}
	if url == "" {
		url = ds.URL
	}
	return backend.DataSourceInstanceSettings{UID: ds.UID, Name: ds.Name, URL: url, JSONData: rawJSONData, DecryptedSecureJSONData: secure}
}

func mapsKeys(m map[string]string) []string {
	return slices.Sorted(maps.Keys(m))
}

func TestDatasourceFileIsUnderProvisioningDatasources(t *testing.T) {
	matches, err := filepath.Glob("datasources/*")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(matches, []string{datasourceFile}) {
		t.Errorf("datasources/ holds %v: Grafana loads every file there", matches)
	}
}
