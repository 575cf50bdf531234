//go:build integration

package provisioning_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/vmtelemetry/libvirt-datasource/internal/testenv"
	"github.com/vmtelemetry/libvirt-datasource/pkg/influx"
	"github.com/vmtelemetry/libvirt-datasource/pkg/plugin"
)

// TestRollupsAsTheReader runs the compose stack's init scripts in their order
// on a real InfluxDB 2.7 (10-dbrp.sh's mapping is start.sh's): 15-rollups.sh
// makes the rollup buckets and their tasks, then 20-least-privilege.sh grants
// Grafana's reader the raw bucket and every tier's bucket (the tiers the
// backend reads), and the provisioned data source, as that reader, answers a
// long range from each tier. The grant is checked in the authorization itself:
// 2.7's InfluxQL reads a retention policy of the reader's database without a
// grant of its bucket (measured), so the answers alone would not show it; Flux
// would need it.
func TestRollupsAsTheReader(t *testing.T) {
	server := testenv.StartInflux(t, testenv.InfluxV27)
	server.SetUpRollups(t)
	reader, password := "vmt-rollup-reader", "rollup-reader-password"
	if _, err := testenv.RunScript(time.Minute, []string{
		"INFLUX_HOST=" + server.URL, "DOCKER_INFLUXDB_INIT_ADMIN_TOKEN=" + server.Token,
		"DOCKER_INFLUXDB_INIT_ORG_ID=" + server.Env["INFLUX_ORG_ID"], "DOCKER_INFLUXDB_INIT_BUCKET_ID=" + server.Env["INFLUX_BUCKET_ID"],
		"INFLUX_WRITER_USER=vmt-rollup-writer", "INFLUX_WRITER_PASSWORD=rollup-writer-password",
		"INFLUX_READER_USER=" + reader, "INFLUX_READER_PASSWORD=" + password,
	}, "../provisioning/influxdb/init/20-least-privilege.sh"); err != nil {
		t.Fatal(err)
	}
	suffixes := rollupSuffixes()
	if steps, err := exec.Command("influxdb/init/15-rollups.sh", "steps").Output(); err != nil {
		t.Fatalf("15-rollups.sh steps: %v", err)
	} else if got := strings.Fields(string(steps)); !slices.Equal(got, suffixes) {
		t.Errorf("15-rollups.sh sets up the tiers %v; the backend reads %v", got, suffixes)
	}
	want := []string{server.Bucket}
	for _, suffix := range suffixes {
		want = append(want, server.Bucket+"_"+suffix)
	}
	if got := readableBuckets(t, server, reader); !slices.Equal(got, want) {
		t.Errorf("the reader may read buckets %v, want %v", got, want)
	}

	start := time.Date(2025, 12, 8, 0, 0, 0, 0, time.UTC)
	var lines strings.Builder
	for i := 0; i < 3600; i++ {
		fmt.Fprintf(&lines, "vm_telemetry,vm=rollup-web,host=kvm1,uuid=u-r cpu_usage_percent=%d,domain_id=1i %d\n", i%60, start.Add(time.Duration(i)*time.Second).UnixNano())
	}
	server.Write(t, lines.String())
	server.BackfillRollups(t, start, start.Add(time.Hour))

	instance := provisionedInstance(t, map[string]string{"INFLUX_READER_USER": reader, "INFLUX_READER_PASSWORD": password}, server.URL)
	created, err := plugin.NewDatasource(context.Background(), instance)
	if err != nil {
		t.Fatal(err)
	}
	ds := created.(*plugin.Datasource)
	defer ds.Dispose()
	model, _ := json.Marshal(map[string]any{"refId": "A", "schemaVersion": 1, "metrics": []string{"cpu_usage_percent"}, "outputs": []string{"value"}})
	// An hour into 12 points: 5-min buckets, from the 1-minute rollups; into
	// 6: 10-min buckets, the 10-minute rollups' points.
	for points, rollups := range map[int64]string{12: "rollup_1m", 6: "rollup_10m"} {
		response, err := ds.QueryData(context.Background(), &backend.QueryDataRequest{
			PluginContext: backend.PluginContext{DataSourceInstanceSettings: &instance},
			Queries: []backend.DataQuery{{RefID: "A", JSON: model, MaxDataPoints: points, Interval: time.Second,
				TimeRange: backend.TimeRange{From: start, To: start.Add(time.Hour)}}},
		})
		if err != nil {
			t.Fatal(err)
		}
		answer := response.Responses["A"]
		if answer.Error != nil || len(answer.Frames) != 1 || answer.Frames[0].Rows() != int(points) {
			t.Fatalf("the reader's long range in %d buckets: %v, %d frames", points, answer.Error, len(answer.Frames))
		}
		if executed := answer.Frames[0].Meta.ExecutedQueryString; !strings.Contains(executed, `FROM "`+rollups+`"."vm_telemetry"`) {
			t.Errorf("%d buckets: not read from %s:\n%s", points, rollups, executed)
		}
		// The mean of 0..59 in every bucket.
		if !framesHold(answer, 29.5) {
			t.Errorf("%d buckets: rollup buckets hold no mean 29.5: %v", points, answer.Frames[0].Fields[1])
		}
	}
}

// rollupSuffixes are the tiers the backend reads, as the scripts name them (1m, 10m).
func rollupSuffixes() []string {
	var suffixes []string
	for _, step := range influx.RollupSteps {
		suffixes = append(suffixes, influx.RollupSuffix(step))
	}
	return suffixes
}

// readableBuckets lists, in the order granted, the buckets user's v1
// authorization may read.
func readableBuckets(t *testing.T, server *testenv.InfluxServer, user string) []string {
	t.Helper()
	status, body := call(t, http.MethodGet, server.URL+"/private/legacy/authorizations?token="+user, "", server.Token, "")
	var answer struct {
		Authorizations []struct {
			Permissions []struct {
				Action   string
				Resource struct{ Type, Name string }
			}
		}
	}
	if err := json.Unmarshal([]byte(body), &answer); status != http.StatusOK || err != nil || len(answer.Authorizations) != 1 {
		t.Fatalf("the authorization of %s: HTTP %d %v: %s", user, status, err, body)
	}
	var buckets []string
	for _, p := range answer.Authorizations[0].Permissions {
		if p.Action == "read" && p.Resource.Type == "buckets" {
			buckets = append(buckets, p.Resource.Name)
		}
	}
	return buckets
}
