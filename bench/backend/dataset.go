package main

import (
	"context"
	"fmt"
	"math"
	"strings"
	"sync"
	"time"
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

func vmName(i int) string { return fmt.Sprintf("bench-%02d", i) }

// sample is one exporter-shaped line: gauges that wander, byte counters
// that grow, and domain_id (which every sample of the contract carries).
func sample(vm int, second int64, at time.Time) string {
	phase := float64(second)/60 + float64(vm)
	cpu := 50 + 40*math.Sin(phase)
	mem := 60 + 20*math.Cos(phase/3)
	return fmt.Sprintf("vm_telemetry,vm=%s,host=kvm%d,uuid=uuid-%02d cpu_usage_percent=%.3f,memory_usage_percent=%.3f,"+
		"disk_read_bytes=%di,disk_write_bytes=%di,network_rx_bytes=%di,network_tx_bytes=%di,domain_id=%di %d\n",
		vmName(vm), vm%4, vm, cpu, mem, second*65536, second*32768, second*131072, second*16384, vm+1, at.UnixNano())
}

// write stores the data set in batches of 10 000 lines, two batches in
// flight (InfluxDB parses one while the next is made), printing progress
// every tenth of a long data set.
func (s dataSet) write(ctx context.Context, db influxDB) error {
	started := time.Now()
	batches := make(chan string, 2)
	errs := make(chan error, 2)
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for batch := range batches {
				if err := db.write(ctx, batch); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	var batch strings.Builder
	lines, tenth := 0, max(1, s.seconds()/10)
	var failed error
produce:
	for second := 1; second <= s.seconds(); second++ {
		at := s.start().Add(time.Duration(second) * time.Second)
		for vm := 0; vm < s.vms; vm++ {
			batch.WriteString(sample(vm, int64(second), at))
			if lines++; lines == 10000 {
				select {
				case batches <- batch.String():
				case failed = <-errs:
					break produce
				}
				batch.Reset()
				lines = 0
			}
		}
		if s.seconds() >= 86400 && second%tenth == 0 {
			fmt.Printf("  %d %% written after %s\n", second*100/s.seconds(), time.Since(started).Round(time.Second))
		}
	}
	if failed == nil && lines > 0 {
		select {
		case batches <- batch.String():
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
