package sse

import (
	"fmt"
	"math"
	"strings"

	"github.com/grafana/grafana-plugin-sdk-go/data"
)

// Number is a labelled single value, what Reduce gives per series.
type Number struct {
	Labels data.Labels
	Value  *float64
}

// ReduceMode is the "settings.mode" of a reduce expression: "" (strict:
// a null or NaN in the series makes mean/min/max/sum NaN), "dropNN" (null,
// NaN and Inf points are dropped first) or "replaceNN" (they are replaced
// by ReplaceWith).
type ReduceMode struct {
	Mode        string
	ReplaceWith float64
}

// Reduce mirrors ReduceCommand.Execute over series: one Number per series,
// labels copied, using Grafana's reducers and mappers (mathexp/reduce.go).
func Reduce(series []Series, reducer string, mode ReduceMode) ([]Number, error) {
	fn, err := reduceFunc(reducer)
	if err != nil {
		return nil, err
	}
	var mapper reduceMapper
	switch mode.Mode {
	case "":
	case "dropNN":
		mapper = dropNonNumber{}
	case "replaceNN":
		mapper = replaceNonNumber{value: mode.ReplaceWith}
	default:
		return nil, fmt.Errorf("reducer mode %s is not supported", mode.Mode)
	}
	out := make([]Number, 0, len(series))
	for _, s := range series {
		values := s.Values
		if mapper != nil {
			values = mapValues(values, mapper)
		}
		v := fn(values)
		if v != nil && mapper != nil {
			v = mapper.mapOutput(v)
		}
		out = append(out, Number{Labels: s.Labels.Copy(), Value: v})
	}
	return out, nil
}

func reduceFunc(name string) (func([]*float64) *float64, error) {
	switch strings.ToLower(name) {
	case "sum":
		return sum, nil
	case "mean":
		return mean, nil
	case "min":
		return extreme(func(a, b float64) bool { return a < b }), nil
	case "max":
		return extreme(func(a, b float64) bool { return a > b }), nil
	case "count":
		return func(v []*float64) *float64 { return ptr(float64(len(v))) }, nil
	case "last":
		return last, nil
	default:
		return nil, fmt.Errorf("reduction %v not implemented", name)
	}
}

func sum(values []*float64) *float64 {
	var total float64
	for _, v := range values {
		if v == nil || math.IsNaN(*v) {
			return ptr(math.NaN())
		}
		total += *v
	}
	return &total
}

// mean of no points is 0/0 = NaN, as in Grafana.
func mean(values []*float64) *float64 {
	return ptr(*sum(values) / float64(len(values)))
}

func extreme(better func(a, b float64) bool) func([]*float64) *float64 {
	return func(values []*float64) *float64 {
		if len(values) == 0 {
			return ptr(math.NaN())
		}
		var best float64
		for i, v := range values {
			if v == nil || math.IsNaN(*v) {
				return ptr(math.NaN())
			}
			if i == 0 || better(*v, best) {
				best = *v
			}
		}
		return &best
	}
}

// last returns the last point as it is: a null last point stays null.
func last(values []*float64) *float64 {
	if len(values) == 0 {
		return ptr(math.NaN())
	}
	return values[len(values)-1]
}

type reduceMapper interface {
	mapInput(v *float64) *float64
	mapOutput(v *float64) *float64
}

// mapValues applies mapInput to every point and drops the nil results,
// like mathexp's mapSeries.
func mapValues(values []*float64, m reduceMapper) []*float64 {
	out := make([]*float64, 0, len(values))
	for _, v := range values {
		if mapped := m.mapInput(v); mapped != nil {
			out = append(out, ptr(*mapped))
		}
	}
	return out
}

type dropNonNumber struct{}

func (dropNonNumber) mapInput(v *float64) *float64 {
	if v == nil || math.IsNaN(*v) || math.IsInf(*v, 0) {
		return nil
	}
	return v
}

func (dropNonNumber) mapOutput(v *float64) *float64 {
	if v != nil && math.IsNaN(*v) {
		return nil
	}
	return v
}

type replaceNonNumber struct{ value float64 }

func (r replaceNonNumber) mapInput(v *float64) *float64 {
	if v == nil || math.IsNaN(*v) || math.IsInf(*v, 0) {
		return ptr(r.value)
	}
	return v
}

func (r replaceNonNumber) mapOutput(v *float64) *float64 {
	if v != nil && math.IsNaN(*v) {
		return ptr(r.value)
	}
	return v
}

func ptr(f float64) *float64 { return &f }
