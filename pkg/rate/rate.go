// Package rate derives the angle-rate and per-second fields of docs/CONTRACT.md.
//
//	rate_i = atan((v_i/scale − v_j/scale) / (t_i − t_j)) × 180/π
//
// Without a window, j = i−1 (adjacent samples): the step gives null when it
// is the first point, when either value is null, when Δt ≤ 0, when Δt
// exceeds the gap limit, and, for counters, when the value went down (a
// counter reset after a VM restart).
//
// With a window W, j is the newest sample with a value at or before t_i − W
// (samples without a value are skipped). Null when there is no such sample
// (the first W seconds), when v_i is null, and when any step from j to i
// would be null on its own (a gap, Δt ≤ 0, a counter reset), so that a
// window never spans a hole or a restart.
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
	// Window: the rate compares each sample with the newest one at or
	// before Window earlier; 0 means the sample just before.
	Window time.Duration
}

// stepBroken says whether the step from v0 to v1 is null by the contract:
// Δt ≤ 0, a gap, or a counter going down.
func stepBroken(dt time.Duration, v0, v1 float64, opts Options) bool {
	return dt <= 0 || (opts.GapLimit > 0 && dt > opts.GapLimit) || (opts.Kind == Counter && v1 < v0)
}

// slope is the angle in degrees and the unscaled change per second from
// v0 to v1 over dt.
func slope(dt time.Duration, v0, v1 float64, opts Options) (angle, perSecond float64) {
	scale := opts.Scale
	if scale == 0 {
		scale = 1
	}
	seconds := dt.Seconds()
	return math.Atan((v1/scale-v0/scale)/seconds) * 180 / math.Pi, (v1 - v0) / seconds
}

// Step derives the angle (degrees) and the per-second change of one step
// from (t0, v0) to (t1, v1). ok is false when the contract says null.
// perSecond is the unscaled change per second.
func Step(t0 time.Time, v0 *float64, t1 time.Time, v1 *float64, opts Options) (angle, perSecond float64, ok bool) {
	if v0 == nil || v1 == nil {
		return 0, 0, false
	}
	dt := t1.Sub(t0)
	if stepBroken(dt, *v0, *v1, opts) {
		return 0, 0, false
	}
	angle, perSecond = slope(dt, *v0, *v1, opts)
	return angle, perSecond, true
}

// Series derives the angle and per-second fields of a whole series: it
// calls emit(i, angle, perSecond) for each sample i whose rate the contract
// defines, in ascending i; every other sample's rate is null. times must
// have the length of values. The caller stores the results where they go
// (a frame's fields), so no intermediate slice is made per series.
func Series(times []time.Time, values []*float64, opts Options, emit func(i int, angle, perSecond float64)) {
	if opts.Window > 0 {
		windowed(times, values, opts, emit)
		return
	}
	for i := 1; i < len(values); i++ {
		if a, p, ok := Step(times[i-1], values[i-1], times[i], values[i], opts); ok {
			emit(i, a, p)
		}
	}
}

// windowed emits the windowed rates. One pass: present lists the samples
// with a value, broken[k] counts the null steps among the first k steps
// between them, and the reference j only moves forward as i does.
func windowed(times []time.Time, values []*float64, opts Options, emit func(i int, angle, perSecond float64)) {
	present := make([]int, 0, len(values))
	for i, v := range values {
		if v != nil {
			present = append(present, i)
		}
	}
	broken := make([]int, len(present))
	for k := 1; k < len(present); k++ {
		a, b := present[k-1], present[k]
		broken[k] = broken[k-1]
		if stepBroken(times[b].Sub(times[a]), *values[a], *values[b], opts) {
			broken[k]++
		}
	}
	j := -1
	for k, i := range present {
		cutoff := times[i].Add(-opts.Window)
		for j+1 < k && !times[present[j+1]].After(cutoff) {
			j++
		}
		if j < 0 || times[present[j]].After(cutoff) || broken[k] != broken[j] {
			continue
		}
		ref := present[j]
		a, p := slope(times[i].Sub(times[ref]), *values[ref], *values[i], opts)
		emit(i, a, p)
	}
}
