package plugin

import "time"

// readSchedule places a live stream's reads of InfluxDB: one per interval, at
// an offset after each multiple of the interval on the wall clock. The
// exporter starts its rounds on those multiples (its sampling ticks), so the
// samples of a tick reach InfluxDB a collection and a write later; a read at
// a fixed phase of its own would wait up to one interval more for them. The
// offset follows their arrival: it grows quickly when a read finds live VMs
// still on an older tick, and creeps back when (nearly) all were there, so it
// settles just after the fleet's writes, whatever the collection time.
type readSchedule struct {
	interval time.Duration
	offset   time.Duration
	// tick is the sampling tick the last planned read belongs to.
	tick time.Time
}

const (
	// arrivedShare is the share of live VMs that must be up to date for a
	// read to count as late enough.
	arrivedShare = 0.95
	// initialOffsetShare of the interval: the first scheduled read's offset.
	initialOffsetShare = 0.2
)

func newReadSchedule(interval time.Duration) *readSchedule {
	return &readSchedule{interval: interval, offset: time.Duration(float64(interval) * initialOffsetShare)}
}

// next returns when the next read is due after now and notes its tick: the
// first tick after the last read's whose read is still to come, so that a
// larger offset never reads one tick twice.
func (s *readSchedule) next(now time.Time) time.Time {
	step := s.interval.Milliseconds()
	tick := time.UnixMilli(now.Add(-s.offset).UnixMilli() / step * step)
	at := tick.Add(s.offset)
	for !at.After(now) || !tick.After(s.tick) {
		tick = tick.Add(s.interval)
		at = at.Add(s.interval)
	}
	s.tick = tick
	return at
}

// observe adjusts the offset by what the read of the last planned tick found:
// the newest sample time of each VM, stale ones left out. A VM is up to date
// when its newest sample is less than its period (at least the interval)
// minus half an interval older than the tick: the tick's own sample when it
// samples every interval, and no sample expected yet when it samples less
// often (a longer exporter interval, rounds that skip ticks). The half
// interval absorbs a round starting a little after its tick.
func (s *readSchedule) observe(memory fleetMemory, stale time.Duration) {
	if s.tick.IsZero() {
		return
	}
	live, arrived := 0, 0
	for _, vm := range memory {
		if s.tick.Sub(vm.lastSeen) > stale {
			continue
		}
		live++
		if s.tick.Sub(vm.lastSeen) < max(vm.period, s.interval)-s.interval/2 {
			arrived++
		}
	}
	if live == 0 {
		return
	}
	if float64(arrived) < arrivedShare*float64(live) {
		// Too early: the fleet's samples of this tick were not all written
		// yet. Up by a tenth of the interval; past the next tick (samples
		// arriving more than an interval late), from the tick again.
		s.offset += s.interval / 10
		if s.offset >= s.interval {
			s.offset = 0
		}
		return
	}
	// Early enough: one step up costs as much as forty down, so about one
	// read in forty comes too early.
	s.offset = max(s.offset-s.interval/400, 0)
}
