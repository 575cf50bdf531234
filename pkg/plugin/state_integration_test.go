//go:build integration

package plugin

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// knownStates: one-91 goes running, paused, running, shut off, then a state
// newer than the exporter ("unknown(9)"), one sample a second; in its own
// measurement m, so that the other tests' VM counts stay.
func knownStates(m string) string {
	var b strings.Builder
	for i, state := range []string{"running", "paused", "running", "shutoff", "unknown(9)"} {
		fmt.Fprintf(&b, "%s,vm=one-91,host=kvm9,uuid=uuid-91 domain_id=91i,state=%q %d\n", m, state, t0.Add(time.Duration(i)*time.Second).UnixNano())
	}
	return b.String()
}

// testState: a metrics query naming state answers libvirt's state codes
// with value mappings to the names, raw and aggregated (last per bucket).
func testState(t *testing.T, tg target) {
	d := tg.datasource(t, map[string]any{"measurement": "state_telemetry"})
	from, to := t0.Add(-time.Minute), t0.Add(time.Minute)
	model := `{"schemaVersion":1,"vmMode":"list","vms":["kvm9/one-91"],"metrics":["state"]}`
	dr := run(t, d, nil, dataQuery("A", model, from, to, 1000, time.Second)).Responses["A"]
	if dr.Error != nil || len(dr.Frames) != 1 {
		t.Fatalf("state query: %v, %d frames", dr.Error, len(dr.Frames))
	}
	if got := strings.Join(fieldNames(dr.Frames[0]), ","); got != "time,state" {
		t.Fatalf("fields %s, want time and state (no rate of a state)", got)
	}
	state := fieldByName(t, dr.Frames[0], "state")
	wantValues(t, state, f(1), f(3), f(1), f(5), f(9))
	mapper := state.Config.Mappings[0]
	if text := fmt.Sprint(mapper); !strings.Contains(text, "paused") || !strings.Contains(text, "crashed") {
		t.Errorf("value mappings %s", text)
	}
	// Two 3-s buckets (epoch-aligned): the last state of each.
	aggregated := run(t, d, nil, dataQuery("A", model, t0, t0.Add(5*time.Second), 2, 3*time.Second)).Responses["A"]
	if aggregated.Error != nil || len(aggregated.Frames) != 1 {
		t.Fatalf("aggregated state: %v", aggregated.Error)
	}
	codes := fieldByName(t, aggregated.Frames[0], "state")
	if last := codes.At(codes.Len() - 1).(*float64); last == nil || *last != 9 {
		t.Errorf("newest bucket's state %v, want the last sample's 9", last)
	}
}
