package plugin

import (
	"fmt"
	"testing"
	"time"

	"github.com/vmtelemetry/libvirt-datasource/pkg/influx"
)

// fleetAt is the memory of a fleet whose exporters sample on the ticks of
// period and whose samples become visible arrival after their tick: what a
// read at `at` finds.
func fleetAt(at time.Time, period, arrival time.Duration, vms int) fleetMemory {
	memory := fleetMemory{}
	step := period.Milliseconds()
	newest := time.UnixMilli(at.Add(-arrival).UnixMilli() / step * step)
	for i := 0; i < vms; i++ {
		id := influx.VMID{Host: "kvm1", Name: fmt.Sprintf("vm-%d", i)}
		memory[id] = fleetVM{id: id, lastSeen: newest, period: period}
	}
	return memory
}

func TestReadScheduleIsOnTheTicksOfTheInterval(t *testing.T) {
	s := newReadSchedule(time.Second)
	now := time.Date(2026, 1, 1, 10, 0, 0, 700_000_000, time.UTC)
	at := s.next(now)
	if want := time.Date(2026, 1, 1, 10, 0, 1, 200_000_000, time.UTC); !at.Equal(want) {
		t.Fatalf("next read at %s, want %s (tick + the initial 200 ms)", at, want)
	}
	if want := time.Date(2026, 1, 1, 10, 0, 1, 0, time.UTC); !s.tick.Equal(want) {
		t.Fatalf("tick %s, want %s", s.tick, want)
	}
	if at := newReadSchedule(time.Second).next(now.Add(-600 * time.Millisecond)); !at.Equal(time.Date(2026, 1, 1, 10, 0, 0, 200_000_000, time.UTC)) {
		t.Fatalf("before this tick's offset: %s, want this tick's read", at)
	}
}

// A read found the fleet's samples missing and the offset grew: the next
// read is still the next tick's, never the same tick's again.
func TestReadScheduleReadsEachTickOnce(t *testing.T) {
	s := newReadSchedule(time.Second)
	now := time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)
	at := s.next(now)
	s.observe(fleetAt(at, time.Second, 900*time.Millisecond, 10), 5*time.Second)
	if s.offset <= 200*time.Millisecond {
		t.Fatalf("offset %s, want it grown past 200 ms", s.offset)
	}
	if next := s.next(at.Add(10 * time.Millisecond)); next.Sub(at) < 900*time.Millisecond {
		t.Fatalf("read at %s, then at %s: the same tick read twice", at, next)
	}
}

// TestReadScheduleSettlesJustAfterTheArrival runs the schedule of a 1 s
// stream against a fleet whose samples arrive 430 ms after their tick, the
// exporters sampling every second or every 5 s: the reads end up after the
// arrival, within a step of it, and rarely before it.
func TestReadScheduleSettlesJustAfterTheArrival(t *testing.T) {
	const interval, arrival = time.Second, 430 * time.Millisecond
	for _, period := range []time.Duration{interval, 5 * interval} {
		s := newReadSchedule(interval)
		now := time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)
		early := 0
		for round := 0; round < 1000; round++ {
			at := s.next(now)
			tick := s.tick
			memory := fleetAt(at, period, arrival, 50)
			if round >= 500 && at.Sub(tick) < arrival {
				early++
			}
			s.observe(memory, 10*time.Second)
			now = at
		}
		if s.offset < arrival-interval/10 || s.offset > arrival+interval/10 {
			t.Fatalf("period %s: offset %s after 1000 reads, want within 100 ms of the arrival %s", period, s.offset, arrival)
		}
		if early > 50 {
			t.Fatalf("period %s: %d of the last 500 reads came before the arrival", period, early)
		}
	}
}

func TestReadScheduleStartsAgainWhenRoundsOutlastTheInterval(t *testing.T) {
	s := newReadSchedule(time.Second)
	s.offset = 950 * time.Millisecond
	now := time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)
	at := s.next(now)
	// Samples arrive 1.3 s after their tick: the read finds the tick before last.
	s.observe(fleetAt(at, time.Second, 1300*time.Millisecond, 10), 5*time.Second)
	if s.offset != 0 {
		t.Fatalf("offset %s, want 0 (past the next tick: from the tick again)", s.offset)
	}
}

func TestReadScheduleIgnoresStaleVMs(t *testing.T) {
	s := newReadSchedule(time.Second)
	now := time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)
	at := s.next(now)
	memory := fleetAt(at, time.Second, 100*time.Millisecond, 10)
	gone := influx.VMID{Host: "kvm2", Name: "gone"}
	memory[gone] = fleetVM{id: gone, lastSeen: at.Add(-time.Minute)}
	before := s.offset
	s.observe(memory, 5*time.Second)
	if s.offset >= before {
		t.Fatalf("offset %s, want below %s: every live VM had its sample, the stale one does not count", s.offset, before)
	}
}

// TestReadScheduleMissesFewerThanOneSampleInTwenty: the fleet's samples
// arrive spread over 200-700 ms after their tick (exporters of different
// sizes and loads). A sample that misses its read is shown an interval late,
// so the share missed decides the 95th percentile of freshness: it must stay
// under 5 % once the offset has settled, without reading later than needed.
func TestReadScheduleMissesFewerThanOneSampleInTwenty(t *testing.T) {
	const interval, vms = time.Second, 500
	arrivalOf := func(i int) time.Duration { return 200*time.Millisecond + time.Duration(i)*time.Millisecond }
	s := newReadSchedule(interval)
	now := time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)
	missed, samples := 0, 0
	for round := 0; round < 2000; round++ {
		at := s.next(now)
		memory := fleetMemory{}
		for i := 0; i < vms; i++ {
			one := fleetAt(at, interval, arrivalOf(i), 1)
			for _, vm := range one {
				id := influx.VMID{Host: "kvm1", Name: fmt.Sprintf("vm-%d", i)}
				memory[id] = fleetVM{id: id, lastSeen: vm.lastSeen, period: interval}
				if round >= 1000 {
					samples++
					if vm.lastSeen.Before(s.tick) {
						missed++
					}
				}
			}
		}
		s.observe(memory, 10*time.Second)
		now = at
	}
	t.Logf("missed %d of %d, offset %s", missed, samples, s.offset)
	if share := float64(missed) / float64(samples); share >= 0.05 {
		t.Fatalf("%.1f %% of the samples missed their read, want under 5 %%", 100*share)
	}
	if latest := arrivalOf(vms - 1); s.offset > latest+interval/10 {
		t.Fatalf("offset %s, want at most a step after the last arrival %s", s.offset, latest)
	}
}
