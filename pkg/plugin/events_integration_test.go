//go:build integration

package plugin

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
)

// knownEvents writes lifecycle events (measurement vm_event, docs/CONTRACT.md).
func knownEvents() string {
	var b strings.Builder
	event := func(vm, host, event string, offset time.Duration, fields string) {
		fmt.Fprintf(&b, "vm_event,vm=%s,host=%s,uuid=uuid-%s,event=%s %s %d\n", escapeTag(vm), host, escapeTag(vm), event, fields, t0.Add(offset).UnixNano())
	}
	event("one-71", "kvm1", "started", -time.Second, `source="libvirt",detail="booted"`)
	event("one-71", "kvm1", "rebooted", 2*time.Second, `source="libvirt"`)
	event("one-72", "kvm2", "stopped", 3*time.Second, `source="reconciled",detail="destroyed"`)
	event(hostileNames[4], "kvm3", "suspended", 4*time.Second, `source="libvirt",detail="paused"`)
	event("one-71", "kvm1", "stopped", 10*time.Minute, `source="libvirt",detail="shutdown"`) // outside the range
	return b.String()
}

func testEvents(t *testing.T, tg target) {
	d := tg.datasource(t, nil)
	from, to := t0.Add(-time.Minute), t0.Add(time.Minute)
	titles := func(model string) ([]string, error) {
		dr := run(t, d, nil, dataQuery("A", model, from, to, 1000, time.Second)).Responses["A"]
		if dr.Error != nil {
			return nil, dr.Error
		}
		if len(dr.Frames) != 1 {
			t.Fatalf("%s: %d frames, want one annotation frame", model, len(dr.Frames))
		}
		var out []string
		field := fieldByName(t, dr.Frames[0], "title")
		for i := 0; i < field.Len(); i++ {
			out = append(out, field.At(i).(string))
		}
		return out, nil
	}
	for model, want := range map[string][]string{
		`{"schemaVersion":1,"queryType":"events"}`:                                          {"one-71 started (booted)", "one-71 rebooted", "one-72 stopped (destroyed)", hostileNames[4] + " suspended (paused)"},
		`{"schemaVersion":1,"queryType":"events","events":["rebooted","stopped"]}`:          {"one-71 rebooted", "one-72 stopped (destroyed)"},
		`{"schemaVersion":1,"queryType":"events","host":"kvm2"}`:                            {"one-72 stopped (destroyed)"},
		`{"schemaVersion":1,"queryType":"events","vmMode":"list","vms":["x' OR 'a'='a"]}`:   {hostileNames[4] + " suspended (paused)"},
		`{"schemaVersion":1,"queryType":"events","vmMode":"regex","vmRegex":"^one-7[12]$"}`: {"one-71 started (booted)", "one-71 rebooted", "one-72 stopped (destroyed)"},
		`{"schemaVersion":1,"queryType":"events","vmMode":"list","vms":["nobody"]}`:         nil,
	} {
		got, err := titles(model)
		if err != nil {
			t.Errorf("%s: %v", model, err)
			continue
		}
		if strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("%s:\n got %q\nwant %q", model, got, want)
		}
	}
	if _, err := titles(`{"schemaVersion":1,"queryType":"events","events":["exploded"]}`); err == nil || !strings.Contains(err.Error(), `event "exploded" is unknown`) {
		t.Errorf("unknown event: %v", err)
	}
	dr := run(t, d, nil, dataQuery("A", `{"schemaVersion":1,"queryType":"events","host":"kvm2"}`, from, to, 1000, time.Second)).Responses["A"]
	frame := dr.Frames[0]
	if got := fieldByName(t, frame, "time").At(0).(time.Time); !got.Equal(t0.Add(3 * time.Second)) {
		t.Errorf("time %v", got)
	}
	if text := fieldByName(t, frame, "text").At(0).(string); !strings.Contains(text, "on host kvm2") || !strings.Contains(text, "Reconciled") {
		t.Errorf("text %q", text)
	}
}

// testAdhocFiltersAndAlias: the dashboard's ad hoc filters narrow a metrics
// query on real InfluxDB whatever their values hold (frames are named
// <host>/<vm>); the alias names the series.
func testAdhocFiltersAndAlias(t *testing.T, tg target) {
	d := tg.datasource(t, nil)
	from, to := t0.Add(-time.Minute), t0.Add(time.Minute)
	vmsOf := func(model string) ([]string, backend.DataResponse) {
		dr := run(t, d, nil, dataQuery("A", model, from, to, 1000, time.Second)).Responses["A"]
		var vms []string
		for _, frame := range dr.Frames {
			vms = append(vms, frame.Name)
		}
		return vms, dr
	}
	for model, want := range map[string]string{
		`{"schemaVersion":1,"metrics":["cpu_usage_percent"],"adhocFilters":[{"key":"host","operator":"=","value":"kvm2"}]}`:                                                    "kvm2/one-72",
		`{"schemaVersion":1,"metrics":["cpu_usage_percent"],"adhocFilters":[{"key":"host","operator":"!=","value":"kvm3"},{"key":"vm","operator":"!~","value":"2$"}]}`:         "kvm1/one-71",
		`{"schemaVersion":1,"metrics":["cpu_usage_percent"],"adhocFilters":[{"key":"vm","operator":"=","value":"x' OR 'a'='a"}]}`:                                              "kvm3/" + hostileNames[4],
		`{"schemaVersion":1,"metrics":["cpu_usage_percent"],"adhocFilters":[{"key":"vm","operator":"=~","value":"^one-7[12]$"},{"key":"host","operator":"=","value":"kvm1"}]}`: "kvm1/one-71",
	} {
		vms, dr := vmsOf(model)
		if dr.Error != nil || strings.Join(vms, ",") != want {
			t.Errorf("%s: VMs %q (error %v), want %q", model, vms, dr.Error, want)
		}
	}
	if _, dr := vmsOf(`{"schemaVersion":1,"adhocFilters":[{"key":"uuid","operator":"=","value":"x"}]}`); dr.Error == nil || !strings.Contains(dr.Error.Error(), "only host and vm") {
		t.Errorf("filter on uuid: %v", dr.Error)
	}
	_, dr := vmsOf(`{"schemaVersion":1,"metrics":["cpu_usage_percent"],"outputs":["value"],"vmMode":"list","vms":["one-72"],"alias":"{{vm}}@{{host}} {{field}}"}`)
	if dr.Error != nil || len(dr.Frames) != 1 {
		t.Fatalf("alias query: %v", dr.Error)
	}
	if got := dr.Frames[0].Fields[1].Config.DisplayNameFromDS; got != "one-72@kvm2 cpu_usage_percent" {
		t.Errorf("alias gave %q", got)
	}
	if executed := dr.Frames[0].Meta.ExecutedQueryString; !strings.Contains(executed, "one-72") {
		t.Errorf("executedQueryString %q does not show the query sent", executed)
	}
}
