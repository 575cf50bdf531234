package sse

import (
	"fmt"

	"github.com/grafana/grafana-plugin-sdk-go/data"
)

// State is an alert instance's evaluation state.
type State string

const (
	Normal   State = "Normal"
	Alerting State = "Alerting"
	NoData   State = "NoData"
)

// Instance is one alert instance: its label set and state.
type Instance struct {
	Labels data.Labels
	State  State
	Value  *float64
}

// Instances mirrors ngalert's evaluation of the condition's Numbers: null
// is NoData, 0 is Normal, anything else (NaN included) is Alerting, and
// two results with the same labels fail the whole rule with Grafana's
// error text.
func Instances(condition []Number) ([]Instance, error) {
	seen := map[string]bool{}
	out := make([]Instance, 0, len(condition))
	for _, n := range condition {
		key := n.Labels.String()
		if seen[key] {
			return nil, fmt.Errorf("invalid format of evaluation results for the alert definition : frame cannot uniquely be identified by its labels: has duplicate results with labels {%s}", key)
		}
		seen[key] = true
		inst := Instance{Labels: n.Labels, Value: n.Value}
		switch {
		case n.Value == nil:
			inst.State = NoData
		case *n.Value == 0:
			inst.State = Normal
		default:
			inst.State = Alerting
		}
		out = append(out, inst)
	}
	return out, nil
}
