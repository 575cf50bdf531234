// Command fleet measures the live dashboard of a fleet (npm run bench:fleet;
// bench/fleet/run.sh starts the VMs, exporters and InfluxDB 1.8 it reads).
//
// For one plugin executable and one dashboard JSON it launches the plugin as
// Grafana does (internal/grafanahost), lets each simulated viewer subscribe
// every live panel of the dashboard (SubscribeStream per viewer and panel),
// and runs each distinct channel once (RunStream, as Grafana Live does). Over
// a window it counts InfluxDB's own queries (GET /debug/vars, httpd queryReq),
// the plugin's CPU % and RSS (/proc), and the freshness of every VM in every
// frame: receive time − that VM's newest sample time.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/vmtelemetry/libvirt-datasource/internal/grafanahost"
	"github.com/vmtelemetry/libvirt-datasource/pkg/plugin"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "bench/fleet:", err)
		os.Exit(1)
	}
}

type options struct {
	module, dashboard, label    string
	baseline                    bool
	hosts, vmsPerHost, measured int
	viewers                     int
	warmup, window              time.Duration
}

func run() error {
	var o options
	flag.StringVar(&o.module, "module", "", "checkout whose plugin executable is built and measured (\"\": this one)")
	flag.StringVar(&o.dashboard, "dashboard", "provisioning/dashboards/vm-telemetry.json", "dashboard JSON")
	flag.StringVar(&o.label, "label", "", "line printed before the result")
	flag.BoolVar(&o.baseline, "baseline", false, "pre-fleet design: one live/<key> channel per VM and panel, the $vm row repeated for every VM")
	flag.IntVar(&o.hosts, "hosts", 5, "hosts")
	flag.IntVar(&o.vmsPerHost, "vms-per-host", 100, "VMs per host")
	flag.IntVar(&o.measured, "measured-vms", 0, "baseline: VMs whose rows are subscribed (0: all); queries/s and CPU are scaled to all VMs")
	flag.IntVar(&o.viewers, "viewers", 3, "simulated viewers")
	flag.DurationVar(&o.warmup, "warmup", 10*time.Second, "time before the window")
	flag.DurationVar(&o.window, "window", 30*time.Second, "measured window")
	flag.Parse()
	influxURL, database := os.Getenv("INFLUX_URL"), os.Getenv("INFLUX_DB")
	if influxURL == "" || database == "" {
		return fmt.Errorf("INFLUX_URL and INFLUX_DB must name the InfluxDB 1.8 server (bench/fleet/run.sh starts one)")
	}
	ctx := context.Background()
	build := grafanahost.BuildOptions{}
	if o.module != "" {
		build = grafanahost.BuildOptions{ModuleDir: o.module, OutputDir: o.module + "/dist"}
	}
	exe, err := grafanahost.Build(ctx, build)
	if err != nil {
		return err
	}
	panels, err := livePanels(o.dashboard)
	if err != nil {
		return err
	}
	p, err := grafanahost.Launch(ctx, grafanahost.Options{Executable: exe})
	if err != nil {
		return err
	}
	defer p.Close() // kills the plugin process
	ds := grafanahost.DataSource{UID: "vm-telemetry", URL: influxURL, JSONData: map[string]any{"database": database}}

	totalVMs := o.hosts * o.vmsPerHost
	subscribed := totalVMs
	if o.baseline && o.measured > 0 && o.measured < totalVMs {
		subscribed = o.measured
	}
	channels, perViewer, err := subscribeViewers(ctx, p, ds, o, panels, subscribed)
	if err != nil {
		return err
	}
	if o.label != "" {
		fmt.Println(o.label)
	}
	fmt.Printf("  %d live panels per viewer (%d distinct channels subscribed)\n", perViewer, len(channels))

	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	fresh := &freshness{}
	var wg sync.WaitGroup
	errs := make(chan error, len(channels))
	for path, raw := range channels {
		stream, err := p.RunStream(runCtx, &backend.RunStreamRequest{PluginContext: ds.PluginContext(), Path: path, Data: raw})
		if err != nil {
			return fmt.Errorf("RunStream %s: %w", path, err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := receive(stream, fresh); err != nil && runCtx.Err() == nil {
				errs <- fmt.Errorf("stream %s: %w", path, err)
			}
		}()
	}
	arrival, err := probeArrival(influxURL, database, o.warmup)
	if err != nil {
		return err
	}
	fresh.reset()
	queriesBefore, err := influxQueries(influxURL)
	if err != nil {
		return err
	}
	cpuBefore, err := cpuSeconds(p.PID())
	if err != nil {
		return err
	}
	start := time.Now()
	time.Sleep(o.window)
	elapsed := time.Since(start).Seconds()
	queriesAfter, err := influxQueries(influxURL)
	if err != nil {
		return err
	}
	cpuAfter, err := cpuSeconds(p.PID())
	if err != nil {
		return err
	}
	rss, err := rssMiB(p.PID())
	if err != nil {
		return err
	}
	stop()
	wg.Wait()
	select {
	case err := <-errs:
		return err
	default:
	}

	scale := float64(totalVMs) / float64(subscribed)
	queries := float64(queriesAfter-queriesBefore) / elapsed
	cpu := (cpuAfter - cpuBefore) / elapsed * 100
	livePanelsTotal := perViewer * o.viewers
	if scale != 1 {
		fmt.Printf("  measured on %d of %d VMs: %.1f InfluxDB queries/s, %.1f%% CPU, %d live panels; queries/s, CPU %% and live_panels below are scaled ×%.0f, RSS and freshness are as measured\n",
			subscribed, totalVMs, queries, cpu, livePanelsTotal, scale)
		queries *= scale
		cpu *= scale
		livePanelsTotal = int(float64(livePanelsTotal) * scale)
	}
	p95, samples := fresh.percentile(95)
	fmt.Printf("  %d VM freshness samples in the window (p50 %s, p90 %s, p99 %s), load average %s\n", samples,
		ms(fresh.percentile(50)), ms(fresh.percentile(90)), ms(fresh.percentile(99)), loadAverage())
	fmt.Printf("  of which the exporters' part, sample time -> visible in InfluxDB (probed during the warm-up): %s\n", arrival)
	fmt.Printf("fleet: vms=%d hosts=%d viewers=%d live_panels=%d influx_queries_per_s=%.1f plugin_cpu_pct=%.1f plugin_rss_mb=%.1f freshness_p95_ms=%d\n",
		totalVMs, o.hosts, o.viewers, livePanelsTotal, queries, cpu, rss, p95.Milliseconds())
	return nil
}

// livePanels returns the live queries of the dashboard, one per panel, the
// panels of collapsed rows included.
func livePanels(path string) ([]map[string]any, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var dashboard struct {
		Panels []json.RawMessage `json:"panels"`
	}
	if err := json.Unmarshal(raw, &dashboard); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	var out []map[string]any
	var walk func([]json.RawMessage) error
	walk = func(panels []json.RawMessage) error {
		for _, rawPanel := range panels {
			var panel struct {
				Panels  []json.RawMessage `json:"panels"`
				Targets []map[string]any  `json:"targets"`
			}
			if err := json.Unmarshal(rawPanel, &panel); err != nil {
				return err
			}
			for _, target := range panel.Targets {
				if live, _ := target["live"].(bool); live {
					out = append(out, target)
				}
			}
			if err := walk(panel.Panels); err != nil {
				return err
			}
		}
		return nil
	}
	if err := walk(dashboard.Panels); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s has no live panel", path)
	}
	return out, nil
}

// vmName is the name bench/fleet/run.sh gives VM i of host h (1-based):
// unique across hosts, so the name-keyed baseline does not merge them.
func vmName(h, i int) string { return fmt.Sprintf("h%d-bench-%d", h, i) }

// subscribeViewers subscribes every viewer to its dashboard's live panels and
// returns the distinct channels (path → data) Grafana would run.
//
// Baseline: the VM row repeats for every VM ($vm = All), each panel its own
// channel. New design: the vm variable takes one VM (viewer v looks at a
// different one), the host variable is All ("").
func subscribeViewers(ctx context.Context, p *grafanahost.Plugin, ds grafanahost.DataSource, o options, panels []map[string]any, subscribed int) (map[string]json.RawMessage, int, error) {
	channels := map[string]json.RawMessage{}
	perViewer := 0
	for v := 0; v < o.viewers; v++ {
		var vms []string
		if o.baseline {
			for n := 0; n < subscribed; n++ {
				vms = append(vms, vmName(n%o.hosts+1, n/o.hosts))
			}
		} else {
			h := v%o.hosts + 1
			vms = []string{fmt.Sprintf("host%d/%s", h, vmName(h, v))}
		}
		count := 0
		for _, panel := range panels {
			targets := []map[string]any{panel}
			if usesVM(panel) {
				targets = nil
				for _, vm := range vms {
					targets = append(targets, substitute(panel, vm))
				}
			}
			for _, target := range targets {
				path, raw, err := channelOf(ctx, p, ds, o.baseline, substitute(target, ""))
				if err != nil {
					return nil, 0, err
				}
				sub, err := p.SubscribeStream(ctx, &backend.SubscribeStreamRequest{PluginContext: ds.PluginContext(), Path: path, Data: raw})
				if err != nil || sub.Status != backend.SubscribeStreamStatusOK {
					return nil, 0, fmt.Errorf("SubscribeStream %s: %v %v", path, sub, err)
				}
				channels[path] = raw
				count++
			}
		}
		perViewer = count
	}
	return channels, perViewer, nil
}

func usesVM(target map[string]any) bool {
	raw, _ := json.Marshal(target)
	return strings.Contains(string(raw), "$vm")
}

// substitute replaces $vm by vm (when vm is not "") and $host by All ("").
func substitute(target map[string]any, vm string) map[string]any {
	raw, _ := json.Marshal(target)
	text := string(raw)
	if vm != "" {
		text = strings.ReplaceAll(text, `"$vm"`, strconv.Quote(vm))
	}
	text = strings.ReplaceAll(text, `"$host"`, `""`)
	var out map[string]any
	_ = json.Unmarshal([]byte(text), &out)
	return out
}

// panelSideKeys are the keys the frontend leaves out of a stream's data
// (src/streamKey.ts PANEL_SIDE_KEYS); the plugin ignores them in the channel name.
var panelSideKeys = []string{"refId", "datasource", "hide", "key", "queryType", "vmMode", "vms", "vmRegex",
	"metrics", "outputs", "live", "aggregation", "rawQuery", "variable", "intervalMs", "maxDataPoints", "datasourceId"}

var baselineKey = regexp.MustCompile(`the query's key is ([0-9a-f]{16})`)

// channelOf returns the channel a panel's live query subscribes to and the
// data sent with it, as the frontend of that design does.
func channelOf(ctx context.Context, p *grafanahost.Plugin, ds grafanahost.DataSource, baseline bool, target map[string]any) (string, json.RawMessage, error) {
	if !baseline {
		for _, key := range panelSideKeys {
			delete(target, key)
		}
		raw, _ := json.Marshal(target)
		path, err := plugin.StreamPath(raw)
		return path, raw, err
	}
	// The baseline's key (FNV of its own encoding) lives in the baseline's
	// code only: its RunStream names the right key when given a wrong one.
	raw, _ := json.Marshal(target)
	stream, err := p.RunStream(ctx, &backend.RunStreamRequest{PluginContext: ds.PluginContext(), Path: "live/0000000000000000", Data: raw})
	if err != nil {
		return "", nil, err
	}
	_, err = stream.Recv()
	if m := baselineKey.FindStringSubmatch(fmt.Sprint(err)); m != nil {
		return "live/" + m[1], raw, nil
	}
	return "", nil, fmt.Errorf("baseline key of %s: %v", raw, err)
}

type freshness struct {
	mu      sync.Mutex
	samples []time.Duration
}

func (f *freshness) reset() {
	f.mu.Lock()
	f.samples = nil
	f.mu.Unlock()
}

func (f *freshness) add(d time.Duration) {
	f.mu.Lock()
	f.samples = append(f.samples, d)
	f.mu.Unlock()
}

// percentile returns the pct-th percentile of the samples (nearest rank) and
// their number.
func (f *freshness) percentile(pct int) (time.Duration, int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.samples) == 0 {
		return 0, 0
	}
	sorted := append([]time.Duration(nil), f.samples...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i] < sorted[j] })
	return sorted[(len(sorted)*pct+99)/100-1], len(sorted)
}

// receive notes the freshness of every VM in every frame: receive time −
// the VM's newest sample time. A fleet frame (a "stale" field) has one row
// per VM: every row not stale counts. A frame of the baseline holds one VM:
// its newest time counts.
func receive(stream *grafanahost.Stream, fresh *freshness) error {
	for {
		packet, err := stream.Recv()
		if err != nil {
			if err == io.EOF {
				return nil
			}
			return err
		}
		at := time.Now()
		var frame data.Frame
		if err := json.Unmarshal(packet.Data, &frame); err != nil {
			return fmt.Errorf("undecodable frame: %w", err)
		}
		times := firstTimeField(&frame)
		if times == nil {
			continue
		}
		if stale, _ := frame.FieldByName("stale"); stale != nil {
			for i := 0; i < times.Len(); i++ {
				if isStale, _ := stale.At(i).(bool); !isStale {
					fresh.add(at.Sub(timeAt(times, i)))
				}
			}
			continue
		}
		var newest time.Time
		for i := 0; i < times.Len(); i++ {
			if t := timeAt(times, i); t.After(newest) {
				newest = t
			}
		}
		if !newest.IsZero() {
			fresh.add(at.Sub(newest))
		}
	}
}

func ms(d time.Duration, _ int) string { return fmt.Sprintf("%d ms", d.Milliseconds()) }

func firstTimeField(frame *data.Frame) *data.Field {
	for _, field := range frame.Fields {
		if field.Type().Time() {
			return field
		}
	}
	return nil
}

func timeAt(field *data.Field, i int) time.Time {
	switch v := field.At(i).(type) {
	case time.Time:
		return v
	case *time.Time:
		if v != nil {
			return *v
		}
	}
	return time.Time{}
}

// probeArrival asks InfluxDB every 100 ms, for the duration, for each
// host's newest sample time, and returns how long after its sample time
// each new sample was first seen (p50, p95): the exporters' collection and
// write, which every design's freshness includes. It runs before the
// measured window, so its queries are not counted.
func probeArrival(influxURL, database string, duration time.Duration) (string, error) {
	query := url.Values{"db": {database}, "epoch": {"ms"}, "q": {`SELECT last("domain_id") FROM "vm_telemetry" WHERE time > now() - 1m GROUP BY "host"`}}
	newest := map[string]int64{}
	var lags []time.Duration
	for end := time.Now().Add(duration); time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
		asked := time.Now()
		resp, err := http.Get(influxURL + "/query?" + query.Encode())
		if err != nil {
			return "", err
		}
		var answer struct {
			Results []struct {
				Series []struct {
					Tags   map[string]string `json:"tags"`
					Values [][]json.Number   `json:"values"`
				} `json:"series"`
			} `json:"results"`
		}
		err = json.NewDecoder(resp.Body).Decode(&answer)
		resp.Body.Close()
		if err != nil || len(answer.Results) != 1 {
			return "", fmt.Errorf("probing InfluxDB: %v", err)
		}
		for _, series := range answer.Results[0].Series {
			if len(series.Values) == 0 || len(series.Values[0]) == 0 {
				continue
			}
			ms, err := series.Values[0][0].Int64()
			if err != nil {
				return "", fmt.Errorf("probing InfluxDB: time %v", series.Values[0][0])
			}
			host := series.Tags["host"]
			if previous, ok := newest[host]; ok && ms > previous {
				lags = append(lags, asked.Sub(time.UnixMilli(ms)))
			}
			newest[host] = ms
		}
	}
	if len(lags) == 0 {
		return "no new sample seen", nil
	}
	sort.Slice(lags, func(i, j int) bool { return lags[i] < lags[j] })
	at := func(pct int) int64 { return lags[(len(lags)*pct+99)/100-1].Milliseconds() }
	return fmt.Sprintf("p50 %d ms, p95 %d ms (%d samples)", at(50), at(95), len(lags)), nil
}

// influxQueries sums queryReq of InfluxDB's httpd statistics.
func influxQueries(url string) (int64, error) {
	resp, err := http.Get(url + "/debug/vars")
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	var vars map[string]json.RawMessage
	if err := json.NewDecoder(resp.Body).Decode(&vars); err != nil {
		return 0, fmt.Errorf("/debug/vars: %w", err)
	}
	var total int64
	found := false
	for key, raw := range vars {
		if !strings.HasPrefix(key, "httpd:") {
			continue
		}
		var stat struct {
			Values map[string]int64 `json:"values"`
		}
		if json.Unmarshal(raw, &stat) == nil {
			total += stat.Values["queryReq"]
			found = true
		}
	}
	if !found {
		return 0, fmt.Errorf("/debug/vars has no httpd statistics")
	}
	return total, nil
}

func cpuSeconds(pid int) (float64, error) {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	fields := strings.Fields(string(raw[strings.LastIndexByte(string(raw), ')')+2:]))
	utime, _ := strconv.ParseFloat(fields[11], 64)
	stime, _ := strconv.ParseFloat(fields[12], 64)
	return (utime + stime) / 100, nil // USER_HZ is 100 on Linux
}

func rssMiB(pid int) (float64, error) {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			return kb / 1024, err
		}
	}
	return 0, fmt.Errorf("no VmRSS for pid %d", pid)
}

func loadAverage() string {
	raw, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	return strings.Join(strings.Fields(string(raw))[:3], " ")
}
