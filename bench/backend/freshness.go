package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/vmtelemetry/libvirt-datasource/internal/grafanahost"
	"github.com/vmtelemetry/libvirt-datasource/pkg/models"
	"github.com/vmtelemetry/libvirt-datasource/pkg/plugin"
)

// sighting is a sample of a VM, named by its timestamp.
type sighting struct {
	vm     string
	sample int64
}

// firstSeen records when each sample was first seen by an observer.
type firstSeen struct {
	mu   sync.Mutex
	seen map[sighting]time.Time
}

func (f *firstSeen) saw(vm string, sample time.Time, at time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	key := sighting{vm, sample.UnixNano()}
	if _, ok := f.seen[key]; !ok {
		f.seen[key] = at
	}
}

// benchFreshness writes one sample per VM every second, at a random offset
// within the second, for the given duration, and measures how long each
// sample takes from its write to the frame RunStream pushes with it. The
// baseline is a bare client polling InfluxDB's newest samples at the same
// interval: what any 1 s poller achieves.
func benchFreshness(ctx context.Context, p *grafanahost.Plugin, ds grafanahost.DataSource, db influxDB, set dataSet, duration, interval time.Duration) error {
	model := fmt.Sprintf(`{"refId":"A","schemaVersion":1,"queryType":"metrics","vmMode":"all","metrics":["%s"],"outputs":["value","rate","per_second"],"liveIntervalMs":%d}`,
		strings.Join(benchMetrics, `","`), interval.Milliseconds())
	if _, err := models.ParseQuery([]byte(model)); err != nil {
		return err
	}
	path, err := plugin.StreamPath(json.RawMessage(model))
	if err != nil {
		return err
	}
	sub, err := p.SubscribeStream(ctx, &backend.SubscribeStreamRequest{PluginContext: ds.PluginContext(), Path: path, Data: json.RawMessage(model)})
	if err != nil || sub.Status != backend.SubscribeStreamStatusOK {
		return fmt.Errorf("SubscribeStream %s: %v %v", path, sub, err)
	}
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	stream, err := p.RunStream(runCtx, &backend.RunStreamRequest{PluginContext: ds.PluginContext(), Path: path, Data: json.RawMessage(model)})
	if err != nil {
		return err
	}

	fmt.Printf("\nFreshness: %d VMs, one sample each per second for %s, stream interval %s\n", set.vms, duration, interval)
	viaPlugin := &firstSeen{seen: map[sighting]time.Time{}}
	viaPoller := &firstSeen{seen: map[sighting]time.Time{}}
	var wg sync.WaitGroup
	streamErr := make(chan error, 1)
	wg.Add(2)
	go func() {
		defer wg.Done()
		streamErr <- receiveFrames(stream, viaPlugin)
	}()
	go func() {
		defer wg.Done()
		pollNewest(runCtx, db, interval, viaPoller)
	}()

	written := map[int64]time.Time{} // sample time → write acknowledged
	deadline := time.Now().Add(duration)
	for round := time.Now().Truncate(time.Second).Add(time.Second); round.Before(deadline); round = round.Add(time.Second) {
		time.Sleep(time.Until(round.Add(time.Duration(rand.Int64N(int64(900 * time.Millisecond))))))
		// Frames carry times in milliseconds: so does the sample.
		at := time.Now().Truncate(time.Millisecond)
		var lines []byte
		second := int64(set.seconds()) + int64(round.Sub(set.end)/time.Second)
		for vm := 0; vm < set.vms; vm++ {
			lines = appendSample(lines, vm, second, at)
		}
		if err := db.write(ctx, string(lines)); err != nil {
			return err
		}
		written[at.UnixNano()] = time.Now()
	}
	// Let the last samples reach both observers, then stop them.
	time.Sleep(2*interval + 500*time.Millisecond)
	stop()
	wg.Wait()
	if err := <-streamErr; err != nil && runCtx.Err() == nil {
		return err
	}

	report := func(name string, seen *firstSeen) {
		var latencies []time.Duration
		missing := 0
		for sample, acked := range written {
			for vm := 0; vm < set.vms; vm++ {
				at, ok := seen.seen[sighting{vmName(vm), sample}]
				if !ok {
					missing++
					continue
				}
				latencies = append(latencies, at.Sub(acked))
			}
		}
		if len(latencies) == 0 {
			fmt.Printf("  %-44s no sample seen (%d missing)\n", name, missing)
			return
		}
		fmt.Printf("  %-44s p50 %s  p95 %s  (%d samples; %d replaced by a newer one before the next read)\n", name,
			percentile(latencies, 50).Round(time.Millisecond), percentile(latencies, 95).Round(time.Millisecond), len(latencies), missing)
	}
	report("plugin RunStream (write → frame pushed):", viaPlugin)
	report("bare poller of InfluxDB at the same interval:", viaPoller)
	return nil
}

// receiveFrames notes the sample of every VM row of the fleet frames the
// stream pushes.
func receiveFrames(stream *grafanahost.Stream, seen *firstSeen) error {
	for {
		packet, err := stream.Recv()
		if err != nil {
			return err
		}
		at := time.Now()
		var frame data.Frame
		if err := json.Unmarshal(packet.Data, &frame); err != nil {
			return fmt.Errorf("undecodable frame: %w", err)
		}
		names, _ := frame.FieldByName("vm")
		if names == nil {
			return fmt.Errorf("the stream sent a frame without a vm column")
		}
		for i := 0; i < frame.Rows(); i++ {
			if t, ok := frame.Fields[0].At(i).(time.Time); ok {
				seen.saw(names.At(i).(string), t, at)
			}
		}
	}
}

// pollNewest asks InfluxDB for each VM's newest sample every interval.
func pollNewest(ctx context.Context, db influxDB, interval time.Duration, seen *firstSeen) {
	const newest = `SELECT last("cpu_usage_percent") FROM "vm_telemetry" WHERE time > now() - 1m GROUP BY "vm"`
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
		body, err := db.query(ctx, newest)
		at := time.Now()
		if err != nil {
			continue
		}
		var answer struct {
			Results []struct {
				Series []struct {
					Tags   map[string]string `json:"tags"`
					Values [][]json.Number   `json:"values"`
				} `json:"series"`
			} `json:"results"`
		}
		if json.Unmarshal(body, &answer) != nil || len(answer.Results) == 0 {
			continue
		}
		for _, s := range answer.Results[0].Series {
			if len(s.Values) == 0 || len(s.Values[0]) == 0 {
				continue
			}
			ns, err := s.Values[0][0].Int64()
			if err == nil {
				seen.saw(s.Tags["vm"], time.Unix(0, ns), at)
			}
		}
	}
}
