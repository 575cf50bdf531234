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
		{time.Hour, time.Second, 3600, 0},                      // every point fits
		{time.Hour, time.Second, 0, 0},                         // no limit given
		{time.Hour, 2 * time.Second, 1200, 3 * time.Second},    // 3600 points into 1200
		{time.Hour, 10 * time.Second, 1200, 10 * time.Second},  // Grafana's interval is larger
		{time.Hour, time.Second, 7, 514286 * time.Millisecond}, // whole milliseconds, rounded up
		{24 * time.Hour, time.Minute, 1440, time.Minute},       // a day per minute
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
