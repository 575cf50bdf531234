package grafanahost

import (
	"encoding/json"
	"runtime"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/backend/useragent"
)

// PluginID is the id of src/plugin.json; Grafana puts it in every plugin
// context.
const PluginID = "vmtelemetry-libvirt-datasource"

// DataSource is a configured data source as Grafana stores it: the fields of
// the data source's settings page and the decrypted secure fields.
type DataSource struct {
	UID  string
	Name string
	URL  string
	// JSONData is marshalled to the settings' jsonData.
	JSONData map[string]any
	// SecureJSONData is what Grafana decrypts before each call (token,
	// password, tlsCACert).
	SecureJSONData map[string]string
	// Updated is the settings' version: Grafana's instance manager (and the
	// SDK's in the plugin) builds a new instance when it changes. Zero means
	// a fixed time, so that calls share one instance.
	Updated time.Time
	// User is the signed-in user; nil as for alert evaluations, which carry
	// no user.
	User *backend.User
}

// settingsEpoch is the Updated time of data sources that set none.
var settingsEpoch = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

// PluginContext is the context Grafana attaches to each call for this data
// source: org, plugin id, instance settings, user and Grafana's user agent.
func (ds DataSource) PluginContext() backend.PluginContext {
	jsonData, err := json.Marshal(ds.JSONData)
	if err != nil {
		// JSONData holds values a test wrote; one that cannot be marshalled
		// is a bug of that test.
		panic("grafanahost: jsonData cannot be marshalled: " + err.Error())
	}
	updated := ds.Updated
	if updated.IsZero() {
		updated = settingsEpoch
	}
	name := ds.Name
	if name == "" {
		name = ds.UID
	}
	agent, _ := useragent.New("13.2.0", runtime.GOOS, runtime.GOARCH)
	return backend.PluginContext{
		//lint:ignore SA1019 Grafana 13 still sends OrgID (Namespace beside it); the harness sends what Grafana sends.
		OrgID:    1,
		PluginID: PluginID,
		User:     ds.User,
		DataSourceInstanceSettings: &backend.DataSourceInstanceSettings{
			ID:                      1,
			UID:                     ds.UID,
			Type:                    PluginID,
			Name:                    name,
			URL:                     ds.URL,
			JSONData:                jsonData,
			DecryptedSecureJSONData: ds.SecureJSONData,
			Updated:                 updated,
		},
		UserAgent: agent,
	}
}
