package plugin

import (
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
)

// sampleInterval is the contract's default sampling period: the range holds
// about range/sampleInterval raw points per VM.
const sampleInterval = time.Second

// rangePlan says how to read a time range: raw points (Bucket 0) or one
// aggregated point per Bucket, buckets aligned to the Unix epoch.
type rangePlan struct {
	From, To time.Time
	Bucket   time.Duration
}

// planRange aggregates when the range holds more raw points than the panel
// can show (maxDataPoints), with buckets no smaller than Grafana's interval
// and whole milliseconds, as InfluxQL and Flux durations are written.
func planRange(tr backend.TimeRange, interval time.Duration, maxDataPoints int64) rangePlan {
	plan := rangePlan{From: tr.From, To: tr.To}
	span := tr.To.Sub(tr.From)
	if maxDataPoints <= 0 || span <= 0 || span/sampleInterval <= time.Duration(maxDataPoints) {
		return plan
	}
	bucket := max(interval, ceilDiv(span, time.Duration(maxDataPoints)))
	bucket = ceilDiv(bucket, time.Millisecond) * time.Millisecond
	plan.Bucket = bucket
	// Start at a bucket boundary so that InfluxQL and Flux give the same buckets.
	fromNs := tr.From.UnixNano()
	plan.From = time.Unix(0, fromNs-mod(fromNs, int64(bucket))).UTC()
	return plan
}

func ceilDiv(a, b time.Duration) time.Duration { return (a + b - 1) / b }

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
