package provisioning

import (
	"encoding/json"
	"os"
	"testing"

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
