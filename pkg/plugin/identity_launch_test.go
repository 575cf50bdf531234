//go:build integration

package plugin_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/vmtelemetry/libvirt-datasource/internal/grafanahost"
	"github.com/vmtelemetry/libvirt-datasource/internal/testenv"
)

// TestSameNameOnTwoHostsThroughLaunchedPlugin: two hosts each run a VM
// named web, with other values. Through the launched executable on real
// InfluxDB 1.8: two series (frames), two variable values, two rows of the
// live stream (TestLiveStreamThroughLaunchedPlugin), and two alert
// instances (distinct label sets), never one merged VM.
func TestSameNameOnTwoHostsThroughLaunchedPlugin(t *testing.T) {
	p := testenv.LaunchPlugin(t, grafanahost.Options{})
	server := testenv.StartInflux(t, testenv.InfluxV18)
	ds := grafanahost.DataSource{UID: "twins", URL: server.URL, JSONData: map[string]any{"database": server.Database}}
	now := time.Now().Truncate(time.Second)
	var lines strings.Builder
	for i := 0; i < 5; i++ {
		at := now.Add(time.Duration(i-5) * time.Second)
		lines.WriteString(hostSampleLine("kvm1", "web", at, float64(10+i), int64(i)<<20))
		lines.WriteString(hostSampleLine("kvm2", "web", at, float64(90-i), int64(i)<<21))
	}
	server.Write(t, lines.String())

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	query := func(headers map[string]string, refID, model string) backend.DataResponse {
		t.Helper()
		resp, err := p.QueryData(ctx, &backend.QueryDataRequest{PluginContext: ds.PluginContext(), Headers: headers, Queries: []backend.DataQuery{{
			RefID: refID, JSON: json.RawMessage(model), MaxDataPoints: 1000, Interval: time.Second,
			TimeRange: backend.TimeRange{From: now.Add(-time.Minute), To: now.Add(time.Minute)},
		}}})
		if err != nil {
			t.Fatal(err)
		}
		dr := resp.Responses[refID]
		if dr.Error != nil {
			t.Fatalf("%s: %v", refID, dr.Error)
		}
		return dr
	}

	// Two series, each with its own points.
	dr := query(nil, "series", `{"schemaVersion":1,"vmMode":"list","vms":["web"],"metrics":["cpu_usage_percent"],"outputs":["value"]}`)
	if len(dr.Frames) != 2 || dr.Frames[0].Name != "kvm1/web" || dr.Frames[1].Name != "kvm2/web" {
		t.Fatalf("frames %v, want kvm1/web and kvm2/web", frameNames(dr.Frames))
	}
	for i, want := range []float64{10, 90} {
		f := dr.Frames[i]
		if f.Rows() != 5 || *f.Fields[1].At(0).(*float64) != want {
			t.Errorf("%s: %d rows starting at %v, want 5 starting at %v (no merged points)", f.Name, f.Rows(), *f.Fields[1].At(0).(*float64), want)
		}
	}
	// A reference picks one of them.
	if dr := query(nil, "one", `{"schemaVersion":1,"vmMode":"list","vms":["kvm2/web"],"metrics":["cpu_usage_percent"],"outputs":["value"]}`); len(dr.Frames) != 1 || dr.Frames[0].Name != "kvm2/web" {
		t.Errorf("kvm2/web selects %v", frameNames(dr.Frames))
	}

	// Two variable values.
	dr = query(nil, "variable", `{"queryType":"variable","variable":"vm"}`)
	values, _ := dr.Frames[0].FieldByName("value")
	if values == nil || values.Len() != 2 || values.At(0) != "kvm1/web" || values.At(1) != "kvm2/web" {
		t.Errorf("vm variable %v, want [kvm1/web kvm2/web]", values)
	}

	// Two alert instances: distinct label sets.
	dr = query(map[string]string{backend.FromAlertHeaderName: "true"}, "alert", `{"schemaVersion":1,"vmMode":"all","metrics":["cpu_usage_percent"],"outputs":["rate"]}`)
	var labelSets []string
	for _, f := range dr.Frames {
		for _, field := range f.Fields[1:] {
			labelSets = append(labelSets, field.Labels.String())
		}
	}
	sort.Strings(labelSets)
	if len(labelSets) != 2 || labelSets[0] == labelSets[1] || !strings.Contains(labelSets[0], "host=kvm1") || !strings.Contains(labelSets[1], "host=kvm2") {
		t.Errorf("alert label sets %v, want two, one per host", labelSets)
	}

	// Two rows of the fleet table.
	dr = query(nil, "fleet", `{"schemaVersion":1,"queryType":"fleet"}`)
	refs, _ := dr.Frames[0].FieldByName("ref")
	if refs == nil || refs.Len() != 2 || refs.At(0) != "kvm1/web" || refs.At(1) != "kvm2/web" {
		t.Errorf("fleet rows %v, want kvm1/web and kvm2/web", refs)
	}
}

func frameNames(frames data.Frames) string {
	names := make([]string, len(frames))
	for i, f := range frames {
		names[i] = f.Name
	}
	return fmt.Sprint(names)
}
