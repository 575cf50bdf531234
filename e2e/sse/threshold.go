package sse

import (
	"fmt"
	"strings"
)

var supportedThresholdFuncs = []string{"gt", "lt", "eq", "ne", "gte", "lte",
	"within_range", "outside_range", "within_range_included", "outside_range_included"}

// Threshold mirrors ThresholdCommand over Numbers: 1 when the predicate
// holds, 0 when not, null when the input is null (pkg/expr/threshold.go).
// NaN is a number to the predicate: every comparison with it is false.
func Threshold(numbers []Number, evaluator string, params []float64) ([]Number, error) {
	predicate, err := thresholdPredicate(evaluator, params)
	if err != nil {
		return nil, err
	}
	out := make([]Number, 0, len(numbers))
	for _, n := range numbers {
		result := Number{Labels: n.Labels.Copy()}
		if n.Value != nil {
			if predicate(*n.Value) {
				result.Value = ptr(1)
			} else {
				result.Value = ptr(0)
			}
		}
		out = append(out, result)
	}
	return out, nil
}

func thresholdPredicate(evaluator string, p []float64) (func(float64) bool, error) {
	need := 1
	if strings.Contains(evaluator, "range") {
		need = 2
	}
	known := false
	for _, name := range supportedThresholdFuncs {
		known = known || name == evaluator
	}
	if !known {
		return nil, fmt.Errorf("expected threshold function to be one of [%s], got %s", strings.Join(supportedThresholdFuncs, ", "), evaluator)
	}
	if len(p) < need {
		return nil, fmt.Errorf("incorrect number of arguments for threshold function '%s': got %d but need %d", evaluator, len(p), need)
	}
	switch evaluator {
	case "gt":
		return func(f float64) bool { return f > p[0] }, nil
	case "lt":
		return func(f float64) bool { return f < p[0] }, nil
	case "eq":
		return func(f float64) bool { return f == p[0] }, nil
	case "ne":
		return func(f float64) bool { return f != p[0] }, nil
	case "gte":
		return func(f float64) bool { return f >= p[0] }, nil
	case "lte":
		return func(f float64) bool { return f <= p[0] }, nil
	case "within_range":
		return func(f float64) bool { return f > p[0] && f < p[1] }, nil
	case "outside_range":
		return func(f float64) bool { return f < p[0] || f > p[1] }, nil
	case "within_range_included":
		return func(f float64) bool { return f >= p[0] && f <= p[1] }, nil
	default: // outside_range_included
		return func(f float64) bool { return f <= p[0] || f >= p[1] }, nil
	}
}

// Hysteresis mirrors the HysteresisCommand a threshold with an
// unloadEvaluator (recovery threshold) becomes: instances whose label set
// is loaded (firing now) get 1 unless the recovery predicate holds, the
// others the threshold as usual (pkg/expr/hysteresis.go: the unloading
// threshold, inverted, over the loaded dimensions).
func Hysteresis(numbers []Number, evaluator string, params []float64, unloadEvaluator string, unloadParams []float64, loaded map[string]bool) ([]Number, error) {
	load, err := thresholdPredicate(evaluator, params)
	if err != nil {
		return nil, err
	}
	unload, err := thresholdPredicate(unloadEvaluator, unloadParams)
	if err != nil {
		return nil, err
	}
	out := make([]Number, 0, len(numbers))
	for _, n := range numbers {
		result := Number{Labels: n.Labels.Copy()}
		if n.Value != nil {
			holds := load(*n.Value)
			if loaded[n.Labels.String()] {
				holds = !unload(*n.Value)
			}
			result.Value = ptr(0)
			if holds {
				result.Value = ptr(1)
			}
		}
		out = append(out, result)
	}
	return out, nil
}
