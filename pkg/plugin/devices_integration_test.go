//go:build integration

package plugin

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
)

// hostileDevices are device names that try to leave their quotes.
var hostileDevices = []string{`vd"a`, `tap' OR 'a'='a`, `eth0") |> drop() //`, `ens 3,=x`}

// knownDevices writes per-device series (vm_disk, vm_interface of
// docs/CONTRACT.md): one-71 has two disks and the hostile interfaces; each
// counter grows 1 MiB/s (1 op, 1 packet per second) from its own base.
func knownDevices() string {
	var b strings.Builder
	for i := 0; i < 3; i++ {
		at := t0.Add(time.Duration(i) * time.Second).UnixNano()
		for d, disk := range []string{"vda", "vdb"} {
			base := int64(d+1) * 10 << 20
			fmt.Fprintf(&b, "vm_disk,vm=one-71,host=kvm1,uuid=uuid-71,device=%s read_bytes=%di,write_bytes=%di,read_ops=%di,write_ops=0i %d\n",
				disk, base+int64(i)<<20, base, int64(i), at)
		}
		for n, nic := range append([]string{"vnet0"}, hostileDevices...) {
			fmt.Fprintf(&b, "vm_interface,vm=one-71,host=kvm1,uuid=uuid-71,interface=%s rx_bytes=%di,tx_bytes=%di,rx_packets=%di,tx_packets=0i,rx_errors=0i,tx_errors=0i,rx_drops=0i,tx_drops=0i %d\n",
				escapeTag(nic), int64(n)<<20+int64(i)<<20, int64(n), int64(i), at)
		}
	}
	fmt.Fprintf(&b, "vm_disk,vm=one-72,host=kvm2,uuid=uuid-72,device=vda read_bytes=0i,write_bytes=0i,read_ops=0i,write_ops=0i %d\n", t0.UnixNano())
	return b.String()
}

// testDevices: a devices query answers one frame per VM and device of the
// per-device measurement, labelled by the device, with the counters' rates;
// device names are matched as written, whatever they hold.
func testDevices(t *testing.T, tg target) {
	d := tg.datasource(t, nil)
	from, to := t0.Add(-time.Minute), t0.Add(time.Minute)
	frames := func(model string) []string {
		t.Helper()
		dr := run(t, d, nil, dataQuery("A", model, from, to, 1000, time.Second)).Responses["A"]
		if dr.Error != nil {
			t.Fatalf("%s: %v", model, dr.Error)
		}
		var names []string
		for _, frame := range dr.Frames {
			names = append(names, frame.Name)
		}
		return names
	}
	if got := strings.Join(frames(`{"schemaVersion":1,"queryType":"devices","deviceKind":"disk"}`), "|"); got != "kvm1/one-71 device=vda|kvm1/one-71 device=vdb|kvm2/one-72 device=vda" {
		t.Errorf("disks: %s", got)
	}
	dr := run(t, d, nil, dataQuery("A", `{"schemaVersion":1,"queryType":"devices","deviceKind":"disk","vmMode":"list","vms":["kvm1/one-71"],"devices":["vdb"],"metrics":["read_bytes","read_ops"],"alias":"{{vm}} {{device}} {{field}}"}`, from, to, 1000, time.Second)).Responses["A"]
	if dr.Error != nil || len(dr.Frames) != 1 {
		t.Fatalf("vdb of one-71: %v, %d frames", dr.Error, len(dr.Frames))
	}
	vdb := dr.Frames[0]
	if got := strings.Join(fieldNames(vdb), ","); got != "time,read_bytes,read_bytes_rate,read_bytes_per_second,read_ops,read_ops_rate,read_ops_per_second" {
		t.Fatalf("fields of vdb: %s", got)
	}
	wantValues(t, fieldByName(t, vdb, "read_bytes"), f(20<<20), f(21<<20), f(22<<20))
	wantValues(t, fieldByName(t, vdb, "read_bytes_rate"), nil, f(45), f(45))
	wantValues(t, fieldByName(t, vdb, "read_ops_per_second"), nil, f(1), f(1))
	field := fieldByName(t, vdb, "read_ops_per_second")
	if field.Labels["device"] != "vdb" || field.Config.Unit != "iops" || field.Config.DisplayNameFromDS != "one-71 vdb read_ops_per_second" {
		t.Errorf("read_ops_per_second: labels %v, config %+v", field.Labels, field.Config)
	}
	if executed := vdb.Meta.ExecutedQueryString; !strings.Contains(executed, "vm_disk") || !strings.Contains(executed, "vdb") {
		t.Errorf("executedQueryString %q", executed)
	}
	for n, nic := range hostileDevices {
		model, _ := json.Marshal(map[string]any{"schemaVersion": 1, "queryType": "devices", "deviceKind": "interface", "devices": []string{nic}, "metrics": []string{"rx_bytes"}, "outputs": []string{"value"}})
		dr := run(t, d, nil, dataQuery("A", string(model), from, to, 1000, time.Second)).Responses["A"]
		if dr.Error != nil || len(dr.Frames) != 1 || dr.Frames[0].Name != "kvm1/one-71 interface="+nic || dr.Frames[0].Rows() != 3 {
			t.Errorf("interface %q: %v, frames %v", nic, dr.Error, dr.Frames)
			continue
		}
		rx := fieldByName(t, dr.Frames[0], "rx_bytes")
		wantValues(t, rx, f(float64(n+1)*(1<<20)), f(float64(n+2)*(1<<20)), f(float64(n+3)*(1<<20)))
		if rx.Labels["interface"] != nic {
			t.Errorf("interface label %q, want %q", rx.Labels["interface"], nic)
		}
	}
	none := run(t, d, nil, dataQuery("A", `{"schemaVersion":1,"queryType":"devices","deviceKind":"interface","devices":["vnet9"]}`, from, to, 1000, time.Second)).Responses["A"]
	if none.Error == nil || !strings.Contains(none.Error.Error(), `with interface ["vnet9"]`) {
		t.Errorf("unknown interface: %v", none.Error)
	}
}
