package main

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/vmtelemetry/libvirt-datasource/pkg/influx"
)

// benchMetrics are the six usage metrics the benchmark writes and queries.
var benchMetrics = []string{
	"cpu_usage_percent", "memory_usage_percent",
	"disk_read_bytes", "disk_write_bytes", "network_rx_bytes", "network_tx_bytes",
}

// dataSet is vms VMs sampled every second over span, up to end.
type dataSet struct {
	vms  int
	span time.Duration
	end  time.Time
}

func (s dataSet) start() time.Time { return s.end.Add(-s.span) }

func (s dataSet) seconds() int { return int(s.span / time.Second) }

func (s dataSet) points() int { return s.vms * s.seconds() * len(benchMetrics) }

// days is the span in days as the summary line prints it (0.1, 1, 7).
func (s dataSet) days() string {
	return strconv.FormatFloat(math.Round(s.span.Hours()/24*100)/100, 'f', -1, 64)
}

// checkWritten fails unless InfluxDB holds the set's first and last second
// of every VM: a run on a server without the data set, or on one that only
// partly received it, would measure nothing.
func (s dataSet) checkWritten(ctx context.Context, db influxDB) error {
	return s.checkVMsAt(ctx, db, `"vm_telemetry"`, "cpu_usage_percent", "write it first (-mode rollup-data, as bench/backend/run.sh does)",
		s.start().Add(time.Second), s.end)
}

// checkRollups fails unless each tier of the rollups holds the set's first
// and last step of every VM (the backfill covers [start, end)).
func (s dataSet) checkRollups(ctx context.Context, db influxDB) error {
	for _, step := range influx.RollupSteps {
		measurement := fmt.Sprintf("%q.\"vm_telemetry\"", influx.RollupRetentionPolicy(step))
		if err := s.checkVMsAt(ctx, db, measurement, "last_domain_id", "compute them first (-mode rollup-backfill, as bench/backend/run.sh does)",
			s.start().Truncate(step), s.end.Add(-time.Minute).Truncate(step)); err != nil {
			return err
		}
	}
	return nil
}

// checkVMsAt fails, saying what to do, unless field of measurement has a
// point of every VM at each of times.
func (s dataSet) checkVMsAt(ctx context.Context, db influxDB, measurement, field, todo string, times ...time.Time) error {
	for _, at := range times {
		answer, err := db.query(ctx, fmt.Sprintf(`SELECT count(%q) FROM %s WHERE time = %d`, field, measurement, at.UnixNano()))
		if err != nil {
			return err
		}
		if want := fmt.Sprintf(`,%d]`, s.vms); !strings.Contains(string(answer), want) {
			return fmt.Errorf("InfluxDB at %s does not hold %s of the data set's %d VMs at %s (answer %.200s): %s",
				db.url, measurement, s.vms, at.Format(time.RFC3339), answer, todo)
		}
	}
	return nil
}

func vmName(i int) string { return fmt.Sprintf("bench-%02d", i) }

// appendSample appends one exporter-shaped line: gauges that wander, byte
// counters that grow, and domain_id (which every sample of the contract
// carries). Appended, not formatted: a week of 50 VMs is 30 M lines.
func appendSample(line []byte, vm int, second int64, at time.Time) []byte {
	phase := float64(second)/60 + float64(vm)
	name := vmName(vm)
	line = append(line, "vm_telemetry,vm="...)
	line = append(line, name...)
	line = append(line, ",host=kvm"...)
	line = strconv.AppendInt(line, int64(vm%4), 10)
	line = append(line, ",uuid=uuid-"...)
	line = append(line, name[len("bench-"):]...)
	line = append(line, " cpu_usage_percent="...)
	line = strconv.AppendFloat(line, 50+40*math.Sin(phase), 'f', 3, 64)
	line = append(line, ",memory_usage_percent="...)
	line = strconv.AppendFloat(line, 60+20*math.Cos(phase/3), 'f', 3, 64)
	for _, counter := range [...]struct {
		field string
		rate  int64
	}{{"disk_read_bytes", 65536}, {"disk_write_bytes", 32768}, {"network_rx_bytes", 131072}, {"network_tx_bytes", 16384}} {
		line = append(line, ',')
		line = append(line, counter.field...)
		line = append(line, '=')
		line = strconv.AppendInt(line, second*counter.rate, 10)
		line = append(line, 'i')
	}
	line = append(line, ",domain_id="...)
	line = strconv.AppendInt(line, int64(vm+1), 10)
	line = append(line, "i "...)
	line = strconv.AppendInt(line, at.UnixNano(), 10)
	return append(line, '\n')
}

// write stores the data set in batches of 20 000 lines (about 4 MB), two
// batches in flight (InfluxDB parses one while the next is made), printing
// progress every tenth of a long data set. InfluxDB's parsing and indexing
// is the cost (about 20 µs of its CPU per line, against 1-2 µs to make one).
func (s dataSet) write(ctx context.Context, db influxDB) error {
	const batchLines = 20000
	started := time.Now()
	batches := make(chan []byte, 2)
	errs := make(chan error, 2)
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for batch := range batches {
				if err := db.write(ctx, string(batch)); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	batch := make([]byte, 0, batchLines*256)
	lines, tenth := 0, max(1, s.seconds()/10)
	var failed error
produce:
	for second := 1; second <= s.seconds(); second++ {
		at := s.start().Add(time.Duration(second) * time.Second)
		for vm := 0; vm < s.vms; vm++ {
			batch = appendSample(batch, vm, int64(second), at)
			if lines++; lines == batchLines {
				select {
				case batches <- batch:
				case failed = <-errs:
					break produce
				}
				batch = make([]byte, 0, batchLines*256)
				lines = 0
			}
		}
		if s.seconds() >= 86400 && second%tenth == 0 {
			fmt.Printf("  %d %% written after %s\n", second*100/s.seconds(), time.Since(started).Round(time.Second))
		}
	}
	if failed == nil && lines > 0 {
		select {
		case batches <- batch:
		case failed = <-errs:
		}
	}
	close(batches)
	wg.Wait()
	close(errs)
	if failed == nil {
		failed = <-errs
	}
	if failed != nil {
		return failed
	}
	fmt.Printf("  written in %s\n", time.Since(started).Round(time.Millisecond))
	return nil
}
