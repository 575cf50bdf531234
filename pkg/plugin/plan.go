package plugin

import (
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
)

// sampleInterval is the contract's default sampling period: the range holds
// about range/sampleInterval raw points per VM.
const sampleInterval = time.Second

// Bounds on what a viewer can ask for: maxDataPoints 0 (unknown) or absurdly
// large must not turn into raw 1-s reads of a long range, and times outside
// what int64 nanoseconds hold must not wrap the bucket arithmetic.
const (
	defaultMaxDataPoints = 1000
	// maxMaxDataPoints is more than any screen has pixels.
	maxMaxDataPoints = 50_000
)

var (
	earliestTime = time.Unix(0, 0).UTC()
	latestTime   = time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC)
)

// rangePlan says how to read a time range: raw points (Bucket 0) or one
// aggregated point per Bucket, buckets aligned to the Unix epoch; with
// RollupBefore set, the buckets before it from the rollups of RollupStep.
type rangePlan struct {
	From, To     time.Time
	Bucket       time.Duration
	RollupBefore time.Time
	RollupStep   time.Duration
}

// rollupSettledSteps: a rollup bucket is final this many steps after it
// began (docs/CONTRACT.md: each run, once a step, recomputes the last two
// whole steps).
const rollupSettledSteps = 3

// onRollups reads the plan's buckets from the rollups of one of steps where
// they are final, when its buckets are at least a minute: the 1-s data is
// then more than 60 times what the panel shows. The bucket grows to whole
// minutes so that rollup points fill it exactly (an aggregate of them is
// the aggregate of the same bucket of 1-s samples), and the coarsest step
// that divides it is read: a week's 10-minute buckets are the 10-minute
// rollups' points as stored. The buckets from the last unsettled step on
// are read from the 1-s data. Without a step that fits (none left after a
// read found them missing), the plan reads the 1-s data in the same buckets.
func (p rangePlan) onRollups(now time.Time, steps []time.Duration) rangePlan {
	if p.Bucket < time.Minute {
		return p
	}
	p.Bucket = ceilDiv(p.Bucket, time.Minute) * time.Minute
	p.From = floorTo(p.From, p.Bucket)
	p.RollupBefore, p.RollupStep = time.Time{}, 0
	for _, step := range steps {
		if p.Bucket%step == 0 && step > p.RollupStep {
			p.RollupStep = step
		}
	}
	if p.RollupStep == 0 {
		return p
	}
	if before := floorTo(now.Add(-rollupSettledSteps*p.RollupStep), p.Bucket); before.After(p.From) {
		p.RollupBefore = before
	} else {
		p.RollupStep = 0
	}
	return p
}

// floorTo is t rounded down to a multiple of d since the Unix epoch.
func floorTo(t time.Time, d time.Duration) time.Time {
	ns := t.UnixNano()
	return time.Unix(0, ns-mod(ns, int64(d))).UTC()
}

// planRange aggregates when the range holds more raw points than the panel
// can show (maxDataPoints), with buckets no smaller than Grafana's interval
// and whole milliseconds, as InfluxQL and Flux durations are written.
// The range is clamped to 1970..2200 and maxDataPoints to 1..50000 (0: 1000).
func planRange(tr backend.TimeRange, interval time.Duration, maxDataPoints int64) rangePlan {
	plan := rangePlan{From: clampTime(tr.From), To: clampTime(tr.To)}
	if maxDataPoints <= 0 {
		maxDataPoints = defaultMaxDataPoints
	}
	maxDataPoints = min(maxDataPoints, maxMaxDataPoints)
	span := plan.To.Sub(plan.From)
	if span <= 0 || span/sampleInterval <= time.Duration(maxDataPoints) {
		return plan
	}
	bucket := max(interval, ceilDiv(span, time.Duration(maxDataPoints)))
	bucket = ceilDiv(bucket, time.Millisecond) * time.Millisecond
	plan.Bucket = bucket
	// Start at a bucket boundary so that InfluxQL and Flux give the same buckets.
	plan.From = floorTo(plan.From, bucket)
	return plan
}

func clampTime(t time.Time) time.Time {
	switch {
	case t.Before(earliestTime):
		return earliestTime
	case t.After(latestTime):
		return latestTime
	}
	return t
}

// ceilDiv of positive durations, without the overflow of (a+b-1)/b.
func ceilDiv(a, b time.Duration) time.Duration { return (a-1)/b + 1 }

func mod(a, b int64) int64 {
	m := a % b
	if m < 0 {
		m += b
	}
	return m
}

// gapInterval is the "query interval" of the automatic gap limit: the
// bucket when aggregated, else Grafana's interval.
func (p rangePlan) gapInterval(grafanaInterval time.Duration) time.Duration {
	if p.Bucket > 0 {
		return p.Bucket
	}
	return grafanaInterval
}
