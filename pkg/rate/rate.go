// Package rate derives the angle-rate and per-second fields of docs/CONTRACT.md.
//
//	rate_i = atan((v_i/scale − v_{i−1}/scale) / (t_i − t_{i−1})) × 180/π
//
// A step gives null when it is the first point, when either value is null,
// when Δt ≤ 0, when Δt exceeds the gap limit, and, for counters, when the
// value went down (a counter reset after a VM restart).
package rate

import (
	"math"
	"time"
)

// Kind says how a series behaves between samples.
type Kind int

const (
	// Gauge values may rise and fall; a fall is a negative rate.
	Gauge Kind = iota
	// Counter values only grow; a fall is a reset and gives null.
	Counter
)

// String names the kind as docs/PLUGIN-API.md does ("gauge", "counter").
func (k Kind) String() string {
	if k == Counter {
		return "counter"
	}
	return "gauge"
}

// Options configure the derivation of one series.
type Options struct {
	Kind Kind
	// Scale divides the values before the slope is taken; 0 means 1.
	Scale float64
	// GapLimit: a step longer than this gives null. 0 means no limit.
	GapLimit time.Duration
}

// Step derives the angle (degrees) and the per-second change of one step
// from (t0, v0) to (t1, v1). ok is false when the contract says null.
// perSecond is the unscaled change per second.
func Step(t0 time.Time, v0 *float64, t1 time.Time, v1 *float64, opts Options) (angle, perSecond float64, ok bool) {
	if v0 == nil || v1 == nil {
		return 0, 0, false
	}
	dt := t1.Sub(t0)
	if dt <= 0 || (opts.GapLimit > 0 && dt > opts.GapLimit) {
		return 0, 0, false
	}
	if opts.Kind == Counter && *v1 < *v0 {
		return 0, 0, false
	}
	scale := opts.Scale
	if scale == 0 {
		scale = 1
	}
	seconds := dt.Seconds()
	slope := (*v1/scale - *v0/scale) / seconds
	return math.Atan(slope) * 180 / math.Pi, (*v1 - *v0) / seconds, true
}

// Series derives the angle and per-second fields of a whole series; both
// results have the length of values and a null first element. times must
// have the length of values.
func Series(times []time.Time, values []*float64, opts Options) (angles, perSecond []*float64) {
	angles = make([]*float64, len(values))
	perSecond = make([]*float64, len(values))
	for i := 1; i < len(values); i++ {
		a, p, ok := Step(times[i-1], values[i-1], times[i], values[i], opts)
		if ok {
			angles[i] = &a
			perSecond[i] = &p
		}
	}
	return angles, perSecond
}
