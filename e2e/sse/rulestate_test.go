package sse

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"
)

// states runs one instance through a sequence of condition results (1 true,
// 0 false, -1 no data at all, -2 an evaluation error), one per interval,
// and returns the state after each.
func states(timing RuleTiming, interval time.Duration, results ...int) string {
	r := NewRuleState(timing)
	start := time.Unix(0, 0)
	labels := data.Labels{"vm": "a"}
	var out []string
	for i, res := range results {
		now := start.Add(time.Duration(i) * interval)
		switch res {
		case -1:
			r.Evaluate(now, nil, nil)
		case -2:
			r.Evaluate(now, nil, errors.New("broken"))
		default:
			r.Evaluate(now, []Instance{{Labels: labels, State: map[int]State{0: Normal, 1: Alerting}[res]}}, nil)
		}
		var present []string
		for _, inst := range r.Instances() {
			state := string(inst.State)
			if inst.Labels.String() != labels.String() {
				state = "rule:" + state
			}
			present = append(present, state)
		}
		out = append(out, strings.Join(present, "+"))
	}
	return strings.Join(out, " ")
}

func TestRuleStateForAndKeepFiringFor(t *testing.T) {
	timing := RuleTiming{For: 20 * time.Second, KeepFiringFor: 20 * time.Second}
	got := states(timing, 10*time.Second, 0, 1, 1, 1, 0, 1, 0, 0, 0, 0)
	want := "Normal Pending Pending Alerting Recovering Alerting Recovering Recovering Normal Normal"
	if got != want {
		t.Errorf("states\n got %s\nwant %s", got, want)
	}
	// A condition that breaks while Pending starts again from Normal.
	got = states(timing, 10*time.Second, 1, 1, 0, 1, 1, 1)
	want = "Pending Pending Normal Pending Pending Alerting"
	if got != want {
		t.Errorf("states\n got %s\nwant %s", got, want)
	}
}

func TestRuleStateNoDataErrorAndMissingSeries(t *testing.T) {
	timing := RuleTiming{NoDataState: "NoData", ExecErrState: "Error"}
	// The VM's instance disappears with the data: resolved after two
	// evaluations; the rule-level NoData instance lives while data is missing.
	got := states(timing, 10*time.Second, 1, -1, -1, -1, 0)
	want := "Alerting rule:NoData+Alerting rule:NoData rule:NoData Normal"
	if got != want {
		t.Errorf("states\n got %s\nwant %s", got, want)
	}
	got = states(timing, 10*time.Second, 0, -2, 0)
	want = "Normal rule:Error+Normal Normal"
	if got != want {
		t.Errorf("states\n got %s\nwant %s", got, want)
	}
}

func TestHysteresisKeepsLoadedInstancesUntilRecovery(t *testing.T) {
	a, b := data.Labels{"vm": "a"}, data.Labels{"vm": "b"}
	numbers := []Number{{Labels: a, Value: ptr(20)}, {Labels: b, Value: ptr(20)}, {Labels: data.Labels{"vm": "c"}}}
	out, err := Hysteresis(numbers, "gt", []float64{25}, "lt", []float64{15}, map[string]bool{a.String(): true})
	if err != nil {
		t.Fatal(err)
	}
	// a fires and 20 is not below the recovery 15: stays 1; b does not fire and 20 ≤ 25: 0; c null.
	if *out[0].Value != 1 || *out[1].Value != 0 || out[2].Value != nil {
		t.Errorf("hysteresis gave %v %v %v, want 1 0 null", *out[0].Value, *out[1].Value, out[2].Value)
	}
	out, _ = Hysteresis([]Number{{Labels: a, Value: ptr(10)}}, "gt", []float64{25}, "lt", []float64{15}, map[string]bool{a.String(): true})
	if *out[0].Value != 0 {
		t.Errorf("a firing instance below the recovery threshold gave %v, want 0", *out[0].Value)
	}
}
