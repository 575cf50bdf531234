//go:build integration

package plugin_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/vmtelemetry/libvirt-datasource/internal/grafanahost"
	"github.com/vmtelemetry/libvirt-datasource/internal/testenv"
	"github.com/vmtelemetry/libvirt-datasource/pkg/models"
)

// launchedDataSource configures a data source of the launched plugin for
// server in language (token auth on 2.x).
func launchedDataSource(uid string, server *testenv.InfluxServer, language string) grafanahost.DataSource {
	ds := grafanahost.DataSource{
		UID:      uid,
		URL:      server.URL,
		JSONData: map[string]any{"database": server.Database, "queryLanguage": language, "timeoutSeconds": 20},
	}
	if server.IsV2() {
		ds.JSONData["authType"] = "token"
		ds.JSONData["organization"] = server.Org
		ds.JSONData["bucket"] = server.Bucket
		ds.SecureJSONData = map[string]string{"token": server.Token}
	}
	return ds
}

// TestTimeBoundsThroughLaunchedPlugin: the health check, the resources and
// a variable query sent without a time range read a recent window, never
// the whole retention: a VM whose newest sample is 30 days old is in none of
// their answers, a VM of a few seconds ago is in all of them. On InfluxDB 1.8
// (InfluxQL and Flux) and 2.7 (both), through the launched executable.
func TestTimeBoundsThroughLaunchedPlugin(t *testing.T) {
	p := testenv.LaunchPlugin(t, grafanahost.Options{})
	for _, version := range []string{testenv.InfluxV18, testenv.InfluxV27} {
		server := testenv.StartInflux(t, version)
		now := time.Now().Truncate(time.Second)
		ancient := now.Add(-30 * 24 * time.Hour)
		server.Write(t, hostSampleLine("kvm1", "bounds-ancient", ancient, 10, 0)+hostSampleLine("kvm1", "bounds-ancient", ancient.Add(time.Second), 11, 1<<20)+
			hostSampleLine("kvm1", "bounds-recent", now.Add(-3*time.Second), 20, 0)+hostSampleLine("kvm1", "bounds-recent", now.Add(-2*time.Second), 21, 1<<20))
		for _, language := range []string{models.LanguageInfluxQL, models.LanguageFlux} {
			t.Run(version+"/"+language, func(t *testing.T) {
				ds := launchedDataSource(fmt.Sprintf("bounds-%s-%s", strings.ReplaceAll(version, ".", ""), language), server, language)
				checkRecentOnly(t, p, ds)
			})
		}
	}
}

func checkRecentOnly(t *testing.T, p *grafanahost.Plugin, ds grafanahost.DataSource) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	seen := func(what, answer string) {
		t.Helper()
		if !strings.Contains(answer, "bounds-recent") {
			t.Errorf("%s lacks the recent VM: %s", what, answer)
		}
		if strings.Contains(answer, "bounds-ancient") {
			t.Errorf("%s read back 30 days: it holds the ancient VM: %s", what, answer)
		}
	}

	health, err := p.CheckHealth(ctx, ds.PluginContext())
	if err != nil || health.Status != backend.HealthStatusOk {
		t.Fatalf("health: %v %+v", err, health)
	}
	var details struct {
		VMs int `json:"vms"`
	}
	if err := json.Unmarshal(health.JSONDetails, &details); err != nil || details.VMs != 1 {
		t.Errorf("health counts %d VMs (%v) in %s, want the recent one alone", details.VMs, err, health.JSONDetails)
	}

	for _, path := range []string{"vms", "vm-telemetry"} {
		resp, err := p.CallResource(ctx, &backend.CallResourceRequest{PluginContext: ds.PluginContext(), Path: path, Method: "GET", URL: path})
		if err != nil || resp.Status != 200 {
			t.Fatalf("resource %s: %v %+v", path, err, resp)
		}
		seen("resource "+path, string(resp.Body))
	}

	resp, err := p.QueryData(ctx, &backend.QueryDataRequest{PluginContext: ds.PluginContext(), Queries: []backend.DataQuery{{
		RefID: "V", JSON: json.RawMessage(`{"queryType":"variable","variable":"vm"}`),
	}}})
	if err != nil || resp.Responses["V"].Error != nil {
		t.Fatalf("variable query: %v %v", err, resp.Responses["V"].Error)
	}
	var values []string
	for _, frame := range resp.Responses["V"].Frames {
		if field, _ := frame.FieldByName("value"); field != nil {
			for i := 0; i < field.Len(); i++ {
				values = append(values, fmt.Sprint(field.At(i)))
			}
		}
	}
	seen("the vm variable", strings.Join(values, ","))
}
