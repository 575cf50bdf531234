package plugin

import (
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/vmtelemetry/libvirt-datasource/pkg/influx"
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

// TestPlanOnRollups: buckets of a minute or more read the settled part of
// the range from the coarsest rollups whose step divides them, in buckets of
// whole minutes.
func TestPlanOnRollups(t *testing.T) {
	now := time.Date(2025, 12, 11, 12, 0, 30, 0, time.UTC)
	steps := influx.RollupSteps
	week := backend.TimeRange{From: now.Add(-7 * 24 * time.Hour), To: now}
	plan := planRange(week, time.Second, 1000).onRollups(now, steps)
	// 604.8 s buckets grow to 11 min, which only the 1-minute rollups fill.
	if plan.Bucket != 11*time.Minute || plan.RollupStep != time.Minute || plan.From.UnixNano()%int64(plan.Bucket) != 0 || plan.From.After(week.From) || week.From.Sub(plan.From) >= plan.Bucket {
		t.Errorf("week: %v buckets of the %v rollups from %v, want 11-min buckets of the 1-min rollups from the boundary at or before %v", plan.Bucket, plan.RollupStep, plan.From, week.From)
	}
	// The newest settled bucket boundary: not after now − 3 min.
	if want := time.Date(2025, 12, 11, 11, 55, 0, 0, time.UTC); !plan.RollupBefore.Equal(floorTo(want, 11*time.Minute)) || plan.RollupBefore.After(now.Add(-3*time.Minute)) {
		t.Errorf("week: rollups before %v, want the 11-min boundary at or before %v", plan.RollupBefore, want)
	}
	// Grafana's 10-min interval for a week on a panel 1200 points wide: the
	// 10-minute rollups, settled 30 min after a bucket began.
	plan = planRange(week, 10*time.Minute, 1200).onRollups(now, steps)
	if plan.Bucket != 10*time.Minute || plan.RollupStep != 10*time.Minute || !plan.RollupBefore.Equal(time.Date(2025, 12, 11, 11, 30, 0, 0, time.UTC)) {
		t.Errorf("week at 10 min: %v buckets of the %v rollups before %v, want 10 min of the 10-min rollups before 11:30", plan.Bucket, plan.RollupStep, plan.RollupBefore)
	}
	// Without the 10-minute rollups (a read found them missing), the same
	// buckets from the 1-minute ones; without any, from the 1-s data.
	fewer := plan.onRollups(now, steps[:1])
	if fewer.Bucket != plan.Bucket || !fewer.From.Equal(plan.From) || fewer.RollupStep != time.Minute || !fewer.RollupBefore.Equal(time.Date(2025, 12, 11, 11, 50, 0, 0, time.UTC)) {
		t.Errorf("without 10-min rollups: %v buckets from %v of the %v rollups before %v", fewer.Bucket, fewer.From, fewer.RollupStep, fewer.RollupBefore)
	}
	if none := plan.onRollups(now, nil); none.Bucket != plan.Bucket || !none.From.Equal(plan.From) || none.RollupStep != 0 || !none.RollupBefore.IsZero() {
		t.Errorf("without rollups: %+v, want the same buckets from the 1-s data", none)
	}

	for _, tc := range []struct {
		name      string
		tr        backend.TimeRange
		interval  time.Duration
		max       int64
		step      time.Duration
		wantWhole bool // the whole range from the rollups
	}{
		{"an hour at 1000 points stays on 1-s data", backend.TimeRange{From: now.Add(-time.Hour), To: now}, time.Second, 1000, 0, false},
		{"an hour at 60 points: 1-min buckets", backend.TimeRange{From: now.Add(-time.Hour), To: now}, time.Second, 60, time.Minute, false},
		{"last 2 min at 1 point: nothing settled", backend.TimeRange{From: now.Add(-2 * time.Minute), To: now}, time.Second, 1, 0, false},
		{"a past day: all from the rollups", backend.TimeRange{From: now.Add(-48 * time.Hour), To: now.Add(-24 * time.Hour)}, time.Second, 100, time.Minute, true},
		{"a past day at 20 min: the 10-min rollups", backend.TimeRange{From: now.Add(-48 * time.Hour), To: now.Add(-24 * time.Hour)}, 20 * time.Minute, 100, 10 * time.Minute, true},
		{"the last 25 min at 10 min: none settled", backend.TimeRange{From: now.Add(-25 * time.Minute), To: now}, 10 * time.Minute, 3, 0, false},
	} {
		plan := planRange(tc.tr, tc.interval, tc.max).onRollups(now, steps)
		if plan.RollupStep != tc.step || plan.RollupBefore.IsZero() != (tc.step == 0) {
			t.Errorf("%s: rollups of %v before %v, want %v", tc.name, plan.RollupStep, plan.RollupBefore, tc.step)
		}
		if tc.step != 0 && (plan.Bucket%tc.step != 0 || plan.RollupBefore.UnixNano()%int64(plan.Bucket) != 0 || !plan.RollupBefore.After(plan.From) || plan.RollupBefore.After(now.Add(-3*tc.step))) {
			t.Errorf("%s: bucket %v, rollups before %v from %v: not whole steps on a settled boundary", tc.name, plan.Bucket, plan.RollupBefore, plan.From)
		}
		if tc.wantWhole && plan.RollupBefore.Before(plan.To) {
			t.Errorf("%s: rollups only before %v, the range ends at %v", tc.name, plan.RollupBefore, plan.To)
		}
	}
}
