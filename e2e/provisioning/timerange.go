package provisioning

import (
	"fmt"
	"regexp"
	"strconv"
	"time"
)

var relativeTime = regexp.MustCompile(`^now(?:-(\d+)([smhdw]))?$`)

// ResolveTime turns a dashboard time ("now", "now-15m") into a time, as
// Grafana's dateMath.parse does for these forms (rounding "/d" forms and
// absolute times are not used by our dashboard and are refused).
func ResolveTime(expr string, now time.Time) (time.Time, error) {
	m := relativeTime.FindStringSubmatch(expr)
	if m == nil {
		return time.Time{}, fmt.Errorf("time %q: only now and now-<n><s|m|h|d|w> are mirrored", expr)
	}
	if m[1] == "" {
		return now, nil
	}
	n, _ := strconv.Atoi(m[1])
	unit := map[string]time.Duration{"s": time.Second, "m": time.Minute, "h": time.Hour, "d": 24 * time.Hour, "w": 7 * 24 * time.Hour}[m[2]]
	return now.Add(-time.Duration(n) * unit), nil
}

// roundInterval is @grafana/data's rangeutil.roundInterval: the interval
// Grafana picks for a query is range/resolution snapped to these steps.
func roundInterval(ms int64) int64 {
	steps := []struct{ below, value int64 }{
		{15, 10}, {35, 20}, {75, 50}, {150, 100}, {350, 200}, {750, 500},
		{1500, 1000}, {3500, 2000}, {7500, 5000}, {12500, 10000}, {17500, 15000},
		{25000, 20000}, {45000, 30000}, {90000, 60000}, {210000, 120000},
		{450000, 300000}, {750000, 600000}, {1050000, 900000}, {1500000, 1200000},
		{2700000, 1800000}, {5400000, 3600000}, {9000000, 7200000},
		{16200000, 10800000}, {32400000, 21600000}, {86400000, 43200000},
		{604800000, 86400000}, {1814400000, 604800000}, {3628800000, 2592000000},
	}
	for _, s := range steps {
		if ms < s.below {
			return s.value
		}
	}
	return 31536000000
}

// CalculateInterval is rangeutil.calculateInterval: round(range/resolution),
// never below the low limit (1 ms when none is set).
func CalculateInterval(from, to time.Time, resolution int64, lowLimit time.Duration) time.Duration {
	if resolution <= 0 {
		resolution = 1
	}
	ms := roundInterval(to.Sub(from).Milliseconds() / resolution)
	low := lowLimit.Milliseconds()
	if low < 1 {
		low = 1
	}
	if low > ms {
		ms = low
	}
	return time.Duration(ms) * time.Millisecond
}
