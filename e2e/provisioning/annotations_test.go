package provisioning

import (
	"encoding/json"
	"os"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/vmtelemetry/libvirt-datasource/pkg/models"
)

// TestDashboardAnnotatesVMEvents: the provisioned dashboard has an
// annotation query of this data source, enabled (so every panel shows its
// marks), reading the events of the VMs in view ($vm on $host), and the
// backend accepts its query.
func TestDashboardAnnotatesVMEvents(t *testing.T) {
	raw, err := os.ReadFile("../../provisioning/dashboards/vm-telemetry.json")
	if err != nil {
		t.Fatal(err)
	}
	var dashboard struct {
		Annotations struct {
			List []struct {
				Name       string `json:"name"`
				Enable     bool   `json:"enable"`
				Datasource struct {
					Type string `json:"type"`
					UID  string `json:"uid"`
				} `json:"datasource"`
				Target json.RawMessage `json:"target"`
			} `json:"list"`
		} `json:"annotations"`
	}
	if err := json.Unmarshal(raw, &dashboard); err != nil {
		t.Fatal(err)
	}
	found := 0
	for _, a := range dashboard.Annotations.List {
		if a.Datasource.Type != "vmtelemetry-libvirt-datasource" {
			continue
		}
		found++
		if !a.Enable || a.Datasource.UID != "${datasource}" {
			t.Errorf("annotation %q: enable %v, data source %q: want enabled on ${datasource}", a.Name, a.Enable, a.Datasource.UID)
		}
		q, err := models.ParseQuery(a.Target)
		if err != nil {
			t.Fatalf("annotation %q: the backend refuses its query: %v", a.Name, err)
		}
		if q.QueryType != models.QueryTypeEvents || q.VMMode != models.VMModeList || len(q.VMs) != 1 || q.VMs[0] != "$vm" || q.Host != "$host" {
			t.Errorf("annotation %q reads %+v: want the events of $vm on $host", a.Name, q)
		}
	}
	if found != 1 {
		t.Errorf("%d annotation queries of the data source, want 1", found)
	}
}

// TestAnnotationQueriesAsGrafanaSendsThem: the dashboard's "VM events"
// annotation becomes one query of the data source with $vm and $host
// substituted and Grafana's annotation refId; the built-in Grafana
// annotation is not the data source's.
func TestAnnotationQueriesAsGrafanaSendsThem(t *testing.T) {
	d, err := ReadDashboard("../../provisioning/dashboards/vm-telemetry.json")
	if err != nil {
		t.Fatal(err)
	}
	tr := backend.TimeRange{From: time.Unix(1000, 0), To: time.Unix(2000, 0)}
	annotations, queries, err := d.AnnotationQueries("vmtelemetry-libvirt-datasource", map[string]string{"datasource": "uid-1", "vm": "web-1", "host": "kvm1"}, tr)
	if err != nil {
		t.Fatal(err)
	}
	if len(queries) != 1 || annotations[0].Name != "VM events" {
		t.Fatalf("%d queries (%v): want the one of \"VM events\"", len(queries), annotations)
	}
	q := queries[0]
	parsed, err := models.ParseQuery(q.JSON)
	if err != nil {
		t.Fatal(err)
	}
	if q.RefID != "Anno" || q.TimeRange != tr || parsed.QueryType != models.QueryTypeEvents || len(parsed.VMs) != 1 || parsed.VMs[0] != "web-1" || parsed.Host != "kvm1" {
		t.Errorf("query %s (refId %s, range %v): want the events of web-1 on kvm1, refId Anno, the range asked", q.JSON, q.RefID, q.TimeRange)
	}
	if _, _, err := d.AnnotationQueries("vmtelemetry-libvirt-datasource", map[string]string{"datasource": "uid-1"}, tr); err == nil {
		t.Error("an annotation keeping $vm unresolved must be an error")
	}
}
