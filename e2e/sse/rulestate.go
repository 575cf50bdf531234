package sse

import (
	"sort"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"
)

// States of an alert instance over time (ngalert's state manager) beside
// the per-evaluation results Normal, Alerting and NoData.
const (
	Pending    State = "Pending"
	Recovering State = "Recovering"
	Error      State = "Error"
)

// RuleTiming is what a rule says about time and missing data, as Grafana's
// file provisioning reads it.
type RuleTiming struct {
	// For: how long the condition must hold, at every evaluation, before
	// Pending becomes Alerting.
	For time.Duration
	// KeepFiringFor: how long an Alerting instance stays firing (as
	// Recovering) after its condition stopped holding.
	KeepFiringFor time.Duration
	// NoDataState and ExecErrState: "NoData", "Alerting", "OK" or
	// "KeepLast"; "Error", "Alerting", "OK" or "KeepLast".
	NoDataState, ExecErrState string
	// MissingSeriesEvalsToResolve: evaluations an instance may be absent
	// from the results before it is resolved (0: Grafana's default, 2).
	MissingSeriesEvalsToResolve int
}

// Tracked is an alert instance as the state machine holds it.
type Tracked struct {
	Labels data.Labels
	State  State
	// Since is when State began (StartsAt of a Pending or Alerting instance).
	Since   time.Time
	Value   *float64
	missing int
}

// Firing says whether the instance notifies: Alerting, Recovering (kept
// firing), or a NoData/Error instance of a rule that treats them as such.
func (t Tracked) Firing() bool { return t.State == Alerting || t.State == Recovering }

// Transition is one change of an instance's state.
type Transition struct {
	At       time.Time
	Labels   string
	From, To State
	Value    *float64
}

// RuleState mirrors ngalert's state manager for one rule: one evaluation
// per group interval turns the condition's results into instance states.
//
//   - condition true: Normal → Pending (Alerting at once when For is 0);
//     Pending → Alerting once For has passed since it became Pending;
//     Recovering → Alerting.
//   - condition false: Pending → Normal; Alerting → Recovering when
//     KeepFiringFor is set, else Normal; Recovering → Normal once
//     KeepFiringFor has passed since it began.
//   - no data at all (an empty answer): one instance with the rule's own
//     labels (no series labels) in the NoDataState; an evaluation error: the
//     same in the ExecErrState. The next evaluation with data resolves it.
//   - a null condition value: that instance is NoData (NoDataState).
//   - an instance absent from the results is resolved after
//     MissingSeriesEvalsToResolve evaluations.
type RuleState struct {
	timing    RuleTiming
	instances map[string]*Tracked
}

// ruleLevel is the key of the instance a NoData or Error result creates.
const ruleLevel = "{}"

// NewRuleState starts a rule with no instance.
func NewRuleState(timing RuleTiming) *RuleState {
	return &RuleState{timing: timing, instances: map[string]*Tracked{}}
}

// Loaded are the label sets of the instances that fire now: the
// "loaded dimensions" Grafana hands a threshold with a recovery threshold
// (unloadEvaluator), which then keeps them firing until the recovery
// condition holds.
func (r *RuleState) Loaded() map[string]bool {
	out := map[string]bool{}
	for key, inst := range r.instances {
		if inst.Firing() {
			out[key] = true
		}
	}
	return out
}

// Instances returns the tracked instances sorted by labels.
func (r *RuleState) Instances() []Tracked {
	out := make([]Tracked, 0, len(r.instances))
	for _, inst := range r.instances {
		out = append(out, *inst)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Labels.String() < out[j].Labels.String() })
	return out
}

// Evaluate applies one evaluation at now: the condition's instances, or
// evalErr when the evaluation failed. It returns the transitions it made.
func (r *RuleState) Evaluate(now time.Time, results []Instance, evalErr error) []Transition {
	var changes []Transition
	set := func(key string, inst *Tracked, to State) {
		if inst.State != to {
			changes = append(changes, Transition{At: now, Labels: key, From: inst.State, To: to, Value: inst.Value})
			inst.State, inst.Since = to, now
		}
	}
	seen := map[string]bool{}
	apply := func(key string, labels data.Labels, result State, value *float64) {
		seen[key] = true
		inst, ok := r.instances[key]
		if !ok {
			inst = &Tracked{Labels: labels, State: Normal, Since: now}
			r.instances[key] = inst
		}
		inst.missing, inst.Value = 0, value
		switch result {
		case Alerting:
			switch inst.State {
			case Alerting:
			case Pending:
				if now.Sub(inst.Since) >= r.timing.For {
					set(key, inst, Alerting)
				}
			case Recovering:
				set(key, inst, Alerting)
			default:
				if r.timing.For > 0 {
					set(key, inst, Pending)
				} else {
					set(key, inst, Alerting)
				}
			}
		case Normal:
			switch inst.State {
			case Alerting:
				if r.timing.KeepFiringFor > 0 {
					set(key, inst, Recovering)
				} else {
					set(key, inst, Normal)
				}
			case Recovering:
				if now.Sub(inst.Since) >= r.timing.KeepFiringFor {
					set(key, inst, Normal)
				}
			default:
				set(key, inst, Normal)
			}
		case KeepLast:
		default:
			set(key, inst, result)
		}
	}
	switch {
	case evalErr != nil:
		apply(ruleLevel, data.Labels{}, mapped(r.timing.ExecErrState, Error), nil)
	case len(results) == 0:
		apply(ruleLevel, data.Labels{}, mapped(r.timing.NoDataState, NoData), nil)
	default:
		for _, res := range results {
			state := res.State
			if state == NoData {
				state = mapped(r.timing.NoDataState, NoData)
			}
			apply(res.Labels.String(), res.Labels, state, res.Value)
		}
	}
	evals := r.timing.MissingSeriesEvalsToResolve
	if evals == 0 {
		evals = 2
	}
	for key, inst := range r.instances {
		if seen[key] {
			continue
		}
		inst.missing++
		if key == ruleLevel || inst.missing >= evals {
			set(key, inst, Normal)
			delete(r.instances, key)
		}
	}
	sort.Slice(changes, func(i, j int) bool { return changes[i].Labels < changes[j].Labels })
	return changes
}

// KeepLast is the NoData/Error setting that keeps each instance's state.
const KeepLast State = "KeepLast"

// mapped turns a noDataState/execErrState setting into the result state.
func mapped(setting string, fallback State) State {
	switch setting {
	case "Alerting":
		return Alerting
	case "OK":
		return Normal
	case "KeepLast":
		return KeepLast
	case "":
		return fallback
	default:
		return State(setting)
	}
}
