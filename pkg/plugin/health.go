package plugin

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/vmtelemetry/libvirt-datasource/pkg/influx"
	"github.com/vmtelemetry/libvirt-datasource/pkg/models"
)

// HealthDetails are the JSON details of a passing health check.
type HealthDetails struct {
	InfluxDBVersion        string  `json:"influxdbVersion"`
	QueryLanguage          string  `json:"queryLanguage"`
	VMs                    int     `json:"vms"`
	NewestSampleAgeSeconds float64 `json:"newestSampleAgeSeconds"`
}

// Health thresholds. The exporter writes every second: a newest sample
// older than staleSampleAge means it (or its host's libvirtd) stopped, and
// the dashboard's live panels show every VM as stale.
const (
	staleSampleAge = time.Minute
	// healthWindow bounds the inventory the check reads, so that it costs
	// the same on a year of data as on a day.
	healthWindow = 24 * time.Hour
)

// CheckHealth connects, runs the inventory query over the last healthWindow
// and reports how many VMs sent samples and how old the newest is. It fails
// with what to do when InfluxDB cannot be read, when nothing was written in
// the window, and when the newest sample is older than staleSampleAge.
func (d *Datasource) CheckHealth(ctx context.Context, _ *backend.CheckHealthRequest) (*backend.CheckHealthResult, error) {
	if d.SettingsErr != nil {
		return healthError(d.SettingsErr.Error()), nil
	}
	version, err := d.Client.Ping(ctx)
	if err != nil {
		return healthError(d.describeFailure(err)), nil
	}
	now := time.Now()
	vms, err := d.Source.Inventory(ctx, influx.InventoryRequest{From: now.Add(-healthWindow), To: now})
	if err != nil {
		return healthError(d.describeFailure(err)), nil
	}
	if len(vms) == 0 {
		return healthError(fmt.Sprintf("connected to InfluxDB at %s, but measurement %q in %s holds no sample of the last %s: is the exporter writing there?",
			d.Client.URL(), d.Settings.Measurement, d.storageName(), formatAge(healthWindow))), nil
	}
	newest := vms[0].LastSeen
	for _, vm := range vms[1:] {
		if vm.LastSeen.After(newest) {
			newest = vm.LastSeen
		}
	}
	age := now.Sub(newest)
	details, _ := json.Marshal(HealthDetails{
		InfluxDBVersion: version, QueryLanguage: d.Settings.QueryLanguage,
		VMs: len(vms), NewestSampleAgeSeconds: age.Seconds(),
	})
	summary := fmt.Sprintf("InfluxDB %s at %s (%s): %d VMs in the last %s, newest sample %s old",
		orUnknown(version), d.Client.URL(), languageName(d.Settings.QueryLanguage), len(vms), formatAge(healthWindow), formatAge(age))
	if age > staleSampleAge {
		return &backend.CheckHealthResult{
			Status: backend.HealthStatusError,
			Message: fmt.Sprintf("%s: data is stale (older than the %s threshold): is the exporter running and writing to %s?",
				summary, formatAge(staleSampleAge), d.storageName()),
			JSONDetails: details,
		}, nil
	}
	return &backend.CheckHealthResult{Status: backend.HealthStatusOk, Message: summary, JSONDetails: details}, nil
}

// describeFailure says what to fix for each kind of InfluxDB failure.
func (d *Datasource) describeFailure(err error) string {
	switch influx.KindOf(err) {
	case influx.ErrUnreachable:
		return fmt.Sprintf("%v: check the URL and that InfluxDB is running", err)
	case influx.ErrTimeout:
		return fmt.Sprintf("%v: InfluxDB is slow or the timeout (%s) is too short", err, d.Settings.Timeout)
	case influx.ErrUnauthorized:
		return fmt.Sprintf("%v: check the %s", err, d.credentialName())
	case influx.ErrDatabaseNotFound:
		return fmt.Sprintf("database %q not found on InfluxDB at %s (on InfluxDB 2.x, map it to a bucket with a DBRP mapping): %v",
			d.Settings.Database, d.Client.URL(), err)
	case influx.ErrBucketNotFound:
		return fmt.Sprintf("bucket %q not found on InfluxDB at %s: %v", d.Settings.Bucket, d.Client.URL(), err)
	}
	if d.Settings.QueryLanguage == models.LanguageFlux && d.Settings.Organization == "" && strings.Contains(err.Error(), "org") {
		return fmt.Sprintf("%v: set the organization (InfluxDB 2.x needs it for Flux)", err)
	}
	return err.Error()
}

func (d *Datasource) credentialName() string {
	switch d.Settings.AuthType {
	case models.AuthToken:
		return "token"
	case models.AuthBasic:
		return "user name and password"
	}
	return "authentication: InfluxDB requires credentials and none are configured"
}

// storageName names where the samples are looked for.
func (d *Datasource) storageName() string {
	if d.Settings.QueryLanguage == models.LanguageFlux {
		return fmt.Sprintf("bucket %q", d.Settings.Bucket)
	}
	return fmt.Sprintf("database %q", d.Settings.Database)
}

// formatAge writes a sample's age in the unit a reader takes in at a glance.
func formatAge(age time.Duration) string {
	switch {
	case age < time.Minute:
		return fmt.Sprintf("%.1f s", age.Seconds())
	case age < time.Hour:
		return fmt.Sprintf("%.1f min", age.Minutes())
	case age < 48*time.Hour:
		return fmt.Sprintf("%.1f h", age.Hours())
	}
	return fmt.Sprintf("%.1f days", age.Hours()/24)
}

func healthError(message string) *backend.CheckHealthResult {
	return &backend.CheckHealthResult{Status: backend.HealthStatusError, Message: message}
}

func orUnknown(version string) string {
	if version == "" || version == "unknown" {
		return "(version unknown)"
	}
	return version
}

func languageName(language string) string {
	if language == models.LanguageFlux {
		return "Flux"
	}
	return "InfluxQL"
}
