package provisioning

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"go.yaml.in/yaml/v3"
)

// DataSource is one entry of a data source provisioning file after
// substitution.
type DataSource struct {
	Name           string
	Type           string
	UID            string
	URL            string
	User           string
	Database       string
	BasicAuth      bool
	BasicAuthUser  string
	JSONData       map[string]any
	SecureJSONData map[string]string
}

type dataSourceFile struct {
	APIVersion  int              `yaml:"apiVersion"`
	DataSources []map[string]any `yaml:"datasources"`
}

// ReadDataSources reads every *.yaml/*.yml of dir (Grafana reads both, in
// name order) and returns the data sources with their values substituted
// from lookup (os.LookupEnv in Grafana).
func ReadDataSources(dir string, lookup func(string) (string, bool)) ([]DataSource, error) {
	var files []string
	for _, pattern := range []string{"*.yaml", "*.yml"} {
		matches, err := filepath.Glob(filepath.Join(dir, pattern))
		if err != nil {
			return nil, err
		}
		files = append(files, matches...)
	}
	sort.Strings(files)
	if len(files) == 0 {
		return nil, fmt.Errorf("no data source provisioning file in %s", dir)
	}
	var out []DataSource
	for _, file := range files {
		raw, err := os.ReadFile(file)
		if err != nil {
			return nil, err
		}
		var parsed dataSourceFile
		if err := yaml.Unmarshal(raw, &parsed); err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
		for i, entry := range parsed.DataSources {
			value, err := interpolateTree(entry, lookup)
			if err != nil {
				return nil, fmt.Errorf("%s: data source %d: %w", file, i, err)
			}
			ds, err := dataSourceFrom(value.(map[string]any))
			if err != nil {
				return nil, fmt.Errorf("%s: data source %d: %w", file, i, err)
			}
			out = append(out, ds)
		}
	}
	return out, nil
}

func dataSourceFrom(m map[string]any) (DataSource, error) {
	ds := DataSource{
		Name:           str(m["name"]),
		Type:           str(m["type"]),
		UID:            str(m["uid"]),
		URL:            str(m["url"]),
		User:           str(m["user"]),
		Database:       str(m["database"]),
		BasicAuthUser:  str(m["basicAuthUser"]),
		JSONData:       map[string]any{},
		SecureJSONData: map[string]string{},
	}
	if b, ok := m["basicAuth"].(bool); ok {
		ds.BasicAuth = b
	}
	if ds.Name == "" || ds.Type == "" {
		return ds, fmt.Errorf("a data source needs a name and a type")
	}
	if jd, ok := m["jsonData"].(map[string]any); ok {
		ds.JSONData = jd
	}
	if sd, ok := m["secureJsonData"].(map[string]any); ok {
		for k, v := range sd {
			ds.SecureJSONData[k] = fmt.Sprint(v)
		}
	}
	return ds, nil
}

func str(v any) string {
	if v == nil {
		return ""
	}
	return fmt.Sprint(v)
}

// InstanceSettings is what Grafana hands the plugin for this data source:
// jsonData as JSON, secureJsonData decrypted (Grafana stores it encrypted
// and decrypts it for the plugin only).
func (ds DataSource) InstanceSettings(id int64, updated time.Time) (*backend.DataSourceInstanceSettings, error) {
	jsonData, err := json.Marshal(ds.JSONData)
	if err != nil {
		return nil, fmt.Errorf("jsonData of %s: %w", ds.Name, err)
	}
	return &backend.DataSourceInstanceSettings{
		ID:                      id,
		UID:                     ds.UID,
		Type:                    ds.Type,
		Name:                    ds.Name,
		URL:                     ds.URL,
		User:                    ds.User,
		Database:                ds.Database,
		BasicAuthEnabled:        ds.BasicAuth,
		BasicAuthUser:           ds.BasicAuthUser,
		JSONData:                jsonData,
		DecryptedSecureJSONData: ds.SecureJSONData,
		Updated:                 updated,
	}, nil
}

// FindDataSource returns the data source with a uid.
func FindDataSource(all []DataSource, uid string) (DataSource, error) {
	var uids []string
	for _, ds := range all {
		if ds.UID == uid {
			return ds, nil
		}
		uids = append(uids, ds.UID)
	}
	return DataSource{}, fmt.Errorf("no provisioned data source has uid %q (have %s)", uid, strings.Join(uids, ", "))
}
