package influx

import (
	"testing"
	"time"
)

func TestParseVMRef(t *testing.T) {
	for ref, want := range map[string]VMID{
		"web":            {Name: "web"},
		"kvm1/web":       {Host: "kvm1", Name: "web"},
		"kvm1/a/b c":     {Host: "kvm1", Name: "a/b c"},
		"kvm1/":          {Host: "kvm1", Name: ""},
		"":               {},
		"émoji/☃ vm 'x'": {Host: "émoji", Name: "☃ vm 'x'"},
	} {
		if got := ParseVMRef(ref); got != want {
			t.Errorf("ParseVMRef(%q) = %+v, want %+v", ref, got, want)
		}
		if want.Host != "" && want.Ref() != ref {
			t.Errorf("%+v.Ref() = %q, want %q", want, want.Ref(), ref)
		}
	}
}

// TestSeriesBuilderKeepsHostsApart: two VMs of one name on two hosts are
// two series, each with its own points, uuid and order by name then host.
func TestSeriesBuilderKeepsHostsApart(t *testing.T) {
	b := newSeriesBuilder([]string{"cpu_usage_percent"}, "")
	t0 := time.Unix(1_700_000_000, 0)
	for i := range 3 {
		for _, host := range []string{"kvm2", "kvm1"} {
			value := float64(i)
			if host == "kvm2" {
				value += 50
			}
			vm := b.vm("web", host, nil)
			ns := t0.Add(time.Duration(i) * time.Second).UnixNano()
			vm.seen("uuid-"+host, ns)
			vm.add(0, ns, value)
		}
	}
	series := b.build(0)
	if len(series) != 2 {
		t.Fatalf("%d series, want 2 (web on kvm1, web on kvm2)", len(series))
	}
	for i, host := range []string{"kvm1", "kvm2"} {
		s := series[i]
		if s.VM != "web" || s.Host != host || s.UUID != "uuid-"+host || len(s.Times) != 3 {
			t.Fatalf("series %d = %s/%s uuid %s with %d points, want %s/web uuid-%s with 3", i, s.Host, s.VM, s.UUID, len(s.Times), host, host)
		}
		if first := *s.Values["cpu_usage_percent"][0]; (host == "kvm1") != (first == 0) {
			t.Errorf("%s: first value %v: points of the other host merged in", host, first)
		}
	}
}

// TestSeriesBuilderKeepsDevicesApart: with a device tag, each device of a
// VM is its own series, ordered by VM, then device.
func TestSeriesBuilderKeepsDevicesApart(t *testing.T) {
	b := newSeriesBuilder([]string{"read_bytes"}, "device")
	t0 := time.Unix(1_700_000_000, 0)
	for i, device := range []string{"vdb", "vda", "vdb"} {
		tags := map[string]string{"device": device}
		vm := b.vm("web", "kvm1", func(tag string) string { return tags[tag] })
		ns := t0.Add(time.Duration(i) * time.Second).UnixNano()
		vm.seen("uuid-web", ns)
		vm.add(0, ns, float64(i))
	}
	series := b.build(0)
	if len(series) != 2 || series[0].Device != "vda" || series[1].Device != "vdb" {
		t.Fatalf("series %+v, want web's vda, then vdb", series)
	}
	if len(series[0].Times) != 1 || len(series[1].Times) != 2 || series[1].VM != "web" || series[1].Host != "kvm1" {
		t.Errorf("vda has %d points, vdb %d, want 1 and 2 of web on kvm1", len(series[0].Times), len(series[1].Times))
	}
}

// TestInventoryPerHost: the inventory lists one entry per (host, name),
// with the uuid of its newest sample.
func TestInventoryPerHost(t *testing.T) {
	inv := newInventory()
	t0 := time.Unix(1_700_000_000, 0)
	inv.add(VMInfo{Name: "web", Host: "kvm1", UUID: "old", LastSeen: t0})
	inv.add(VMInfo{Name: "web", Host: "kvm1", UUID: "new", LastSeen: t0.Add(time.Minute)})
	inv.add(VMInfo{Name: "web", Host: "kvm2", UUID: "new", LastSeen: t0.Add(2 * time.Minute)})
	inv.add(VMInfo{Name: "db", Host: "kvm2", UUID: "db", LastSeen: t0})
	got := inv.list()
	want := []VMID{{Host: "kvm2", Name: "db"}, {Host: "kvm1", Name: "web"}, {Host: "kvm2", Name: "web"}}
	if len(got) != len(want) {
		t.Fatalf("inventory %+v, want %v", got, want)
	}
	for i := range want {
		if got[i].ID() != want[i] {
			t.Errorf("entry %d = %+v, want %v", i, got[i].ID(), want[i])
		}
	}
	if got[1].UUID != "new" {
		t.Errorf("web on kvm1 has uuid %q, want that of its newest sample", got[1].UUID)
	}
}

// TestMergeNewestKeepsEachFieldsNewestSamples: a field read every 10 s
// keeps its two newest samples across reads that lack it; a sample before
// since is dropped; the uuid is the newest point's.
func TestMergeNewestKeepsEachFieldsNewestSamples(t *testing.T) {
	at := func(s int) time.Time { return time.Unix(1_700_000_000+int64(s), 0).UTC() }
	v := func(x float64) *float64 { return &x }
	fields := []string{"cpu", "state"}
	earlier := VMSeries{VM: "a", Host: "h", UUID: "u1", Times: []time.Time{at(0), at(10)},
		Values: map[string][]*float64{"cpu": {v(20), v(30)}, "state": {nil, nil}},
		Texts:  map[string][]string{"state": {"running", "running"}}}
	later := VMSeries{VM: "a", Host: "h", UUID: "u2", Times: []time.Time{at(18), at(19)},
		Values: map[string][]*float64{"cpu": {nil, nil}, "state": {nil, nil}},
		Texts:  map[string][]string{"state": {"running", "paused"}}}
	got := MergeNewest(fields, 2, at(0), earlier, later)
	if len(got.Times) != 4 || !got.Times[0].Equal(at(0)) || !got.Times[3].Equal(at(19)) || got.UUID != "u2" {
		t.Fatalf("times %v uuid %s, want cpu's 0 and 10 s and state's 18 and 19 s, uuid u2", got.Times, got.UUID)
	}
	if cpu := got.Values["cpu"]; cpu[0] == nil || *cpu[0] != 20 || cpu[1] == nil || *cpu[1] != 30 || cpu[3] != nil {
		t.Errorf("cpu %v, want 20 and 30 at 0 and 10 s", cpu)
	}
	if states := got.Texts["state"]; states[2] != "running" || states[3] != "paused" || states[0] != "" {
		t.Errorf("state %q, want running and paused at 18 and 19 s only", states)
	}
	if dropped := MergeNewest(fields, 2, at(5), earlier, later); len(dropped.Times) != 3 || dropped.Values["cpu"][0] == nil || *dropped.Values["cpu"][0] != 30 {
		t.Errorf("since 5 s: %v %v, want cpu's 10 s sample and state's two", dropped.Times, dropped.Values["cpu"])
	}
}
