package plugin

import (
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
)

func TestPlanRange(t *testing.T) {
	from := time.Date(2025, 12, 4, 10, 0, 3, 0, time.UTC)
	for _, tc := range []struct {
		span          time.Duration
		interval      time.Duration
		maxDataPoints int64
		wantBucket    time.Duration
	}{
		{time.Hour, time.Second, 3600, 0},                                     // every point fits
		{time.Hour, time.Second, 0, 3600 * time.Millisecond},                  // no limit given: 1000 points
		{time.Hour, time.Second, 1 << 62, 0},                                  // absurd limit: capped at 50000, an hour still fits
		{30 * 24 * time.Hour, time.Second, 1 << 62, 51840 * time.Millisecond}, // capped at 50000: no raw month
		{time.Hour, 2 * time.Second, 1200, 3 * time.Second},                   // 3600 points into 1200
		{time.Hour, 10 * time.Second, 1200, 10 * time.Second},                 // Grafana's interval is larger
		{time.Hour, time.Second, 7, 514286 * time.Millisecond},                // whole milliseconds, rounded up
		{24 * time.Hour, time.Minute, 1440, time.Minute},                      // a day per minute
	} {
		plan := planRange(backend.TimeRange{From: from, To: from.Add(tc.span)}, tc.interval, tc.maxDataPoints)
		if plan.Bucket != tc.wantBucket {
			t.Errorf("span %v, interval %v, max %d: bucket %v, want %v", tc.span, tc.interval, tc.maxDataPoints, plan.Bucket, tc.wantBucket)
		}
		if plan.Bucket > 0 && (plan.From.UnixNano()%int64(plan.Bucket) != 0 || plan.From.After(from) || from.Sub(plan.From) >= plan.Bucket) {
			t.Errorf("bucket %v: from %v is not the bucket boundary at or before %v", plan.Bucket, plan.From, from)
		}
		if plan.Bucket == 0 && !plan.From.Equal(from) {
			t.Errorf("raw plan moved from to %v", plan.From)
		}
	}
}

// TestPlanRangeHostile: ranges and maxDataPoints a viewer can send that
// used to overflow the bucket arithmetic into raw 1-s reads.
func TestPlanRangeHostile(t *testing.T) {
	for _, tc := range []struct {
		from, to time.Time
		max      int64
	}{
		{time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC), 0},
		{time.Date(1677, 9, 22, 0, 0, 0, 0, time.UTC), time.Date(2262, 4, 11, 0, 0, 0, 0, time.UTC), 1 << 62},
		{time.Unix(0, 0), time.Unix(1<<40, 0), -5},
		{time.Unix(0, 0), time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC), 1},
	} {
		plan := planRange(backend.TimeRange{From: tc.from, To: tc.to}, time.Second, tc.max)
		points := plan.To.Sub(plan.From) / max(plan.Bucket, time.Second)
		if plan.Bucket <= 0 || points > maxMaxDataPoints+1 || plan.From.Year() < 1970 || plan.To.Year() > 2200 {
			t.Errorf("%v..%v max %d: bucket %v, %d points from %v to %v", tc.from, tc.to, tc.max, plan.Bucket, points, plan.From, plan.To)
		}
	}
}
