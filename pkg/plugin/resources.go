package plugin

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/backend/log"
	"github.com/grafana/grafana-plugin-sdk-go/backend/resource/httpadapter"

	"github.com/vmtelemetry/libvirt-datasource/pkg/influx"
	"github.com/vmtelemetry/libvirt-datasource/pkg/models"
	"github.com/vmtelemetry/libvirt-datasource/pkg/rate"
)

// CallResource serves the resources of docs/PLUGIN-API.md.
func (d *Datasource) CallResource(ctx context.Context, req *backend.CallResourceRequest, sender backend.CallResourceResponseSender) error {
	return d.resources.CallResource(ctx, req, sender)
}

func newResourceHandler(d *Datasource) backend.CallResourceHandler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /vms", d.serveVMs)
	mux.HandleFunc("GET /metrics", d.serveMetrics)
	mux.HandleFunc("GET /vm-telemetry", d.serveVMTelemetry)
	return httpadapter.New(mux)
}

// VMResource is one entry of GET vms: a VM (host, name) with its uuid, its
// reference "<host>/<name>" and the time of its newest sample in the window.
type VMResource struct {
	Name     string    `json:"name"`
	Host     string    `json:"host"`
	UUID     string    `json:"uuid"`
	Ref      string    `json:"ref"`
	LastSeen time.Time `json:"lastSeen"`
}

// serveVMs lists the VMs seen in [from, to] (epoch milliseconds, as
// Grafana writes a range), else in the recent window.
func (d *Datasource) serveVMs(w http.ResponseWriter, r *http.Request) {
	if !d.settingsUsable(w) {
		return
	}
	params := r.URL.Query()
	host := params.Get("host")
	if _, err := influx.QuoteString(host); err != nil {
		writeError(w, userError{err})
		return
	}
	var window backend.TimeRange
	if params.Has("from") || params.Has("to") {
		from, errFrom := strconv.ParseInt(params.Get("from"), 10, 64)
		to, errTo := strconv.ParseInt(params.Get("to"), 10, 64)
		if errFrom != nil || errTo != nil || to < from {
			writeError(w, userError{fmt.Errorf("from %q and to %q must be epoch milliseconds with from <= to", params.Get("from"), params.Get("to"))})
			return
		}
		window = backend.TimeRange{From: time.UnixMilli(from), To: time.UnixMilli(to)}
	}
	vms, err := d.Source.Inventory(r.Context(), inventoryRequest(influx.Selection{Host: host}, window, time.Now()))
	if err != nil {
		writeError(w, err)
		return
	}
	answer := struct {
		VMs []VMResource `json:"vms"`
	}{VMs: make([]VMResource, len(vms))}
	for i, vm := range vms {
		answer.VMs[i] = VMResource{Name: vm.Name, Host: vm.Host, UUID: vm.UUID, Ref: vm.ID().Ref(), LastSeen: vm.LastSeen.UTC()}
	}
	writeJSON(w, answer)
}

// MetricResource is one entry of GET metrics.
type MetricResource struct {
	Name         string  `json:"name"`
	Unit         string  `json:"unit"`
	Kind         string  `json:"kind"`
	DefaultScale float64 `json:"defaultScale"`
}

func (d *Datasource) serveMetrics(w http.ResponseWriter, _ *http.Request) {
	answer := struct {
		Metrics []MetricResource `json:"metrics"`
	}{}
	for _, m := range models.Catalog {
		answer.Metrics = append(answer.Metrics, MetricResource{Name: m.Name, Unit: m.Unit, Kind: m.Kind.String(), DefaultScale: m.DefaultScale})
	}
	writeJSON(w, answer)
}

// SeedTelemetry is the seed-compatible JSON of CONTRACT.md.
type SeedTelemetry struct {
	Count     int      `json:"count"`
	Timestamp string   `json:"timestamp"`
	VMs       []SeedVM `json:"vms"`
}

// SeedVM is one VM of the seed-compatible JSON; nulls where a value or a
// rate is missing (first sample, counter reset, Δt ≤ 0).
type SeedVM struct {
	ID                 *int64   `json:"id"`
	Name               string   `json:"name"`
	CPUUsagePercent    *float64 `json:"cpu_usage_percent"`
	CPURate            *float64 `json:"cpu_rate"`
	MemoryUsagePercent *float64 `json:"memory_usage_percent"`
	MemoryRate         *float64 `json:"memory_rate"`
	DiskReadBytes      *float64 `json:"disk_read_bytes"`
	DiskReadRate       *float64 `json:"disk_read_rate"`
	DiskWriteBytes     *float64 `json:"disk_write_bytes"`
	DiskWriteRate      *float64 `json:"disk_write_rate"`
	NetworkRxBytes     *float64 `json:"network_rx_bytes"`
	NetworkRxRate      *float64 `json:"network_rx_rate"`
	NetworkTxBytes     *float64 `json:"network_tx_bytes"`
	NetworkTxRate      *float64 `json:"network_tx_rate"`
}

// seedMetrics are the fields of the seed JSON, in its order: the catalog's
// metrics that have a seed rate name (SeedVM's keys, checked by a test).
var seedMetrics = func() []string {
	var names []string
	for _, m := range models.Catalog {
		if m.SeedRateName != "" {
			names = append(names, m.Name)
		}
	}
	return names
}()

func (d *Datasource) serveVMTelemetry(w http.ResponseWriter, r *http.Request) {
	if !d.settingsUsable(w) {
		return
	}
	answer, err := d.SeedTelemetry(r.Context(), time.Now())
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, answer)
}

// SeedTelemetry builds the seed-compatible JSON from the newest two points
// of each VM seen in the recent window, rates with the default scales and no
// gap limit.
func (d *Datasource) SeedTelemetry(ctx context.Context, now time.Time) (SeedTelemetry, error) {
	series, err := d.Source.Newest(ctx, influx.NewestRequest{Fields: append([]string{"domain_id"}, seedMetrics...), Count: 2, Since: now.Add(-recentWindow), PerField: true})
	if err != nil {
		return SeedTelemetry{}, err
	}
	answer := SeedTelemetry{Count: len(series), Timestamp: now.UTC().Format("2006-01-02T15:04:05.000000Z"), VMs: make([]SeedVM, 0, len(series))}
	for _, s := range series {
		vm := SeedVM{Name: s.VM}
		newest := s.Times[len(s.Times)-1]
		if id := fieldSamples(s, "domain_id", newest); len(id) > 0 {
			v := int64(*s.Values["domain_id"][id[0]])
			vm.ID = &v
		}
		value := func(field string) *float64 {
			if rows := fieldSamples(s, field, newest); len(rows) > 0 {
				return s.Values[field][rows[0]]
			}
			return nil
		}
		rateOf := func(field string) *float64 {
			rows := fieldSamples(s, field, newest)
			if len(rows) < 2 {
				return nil
			}
			metric, _ := models.LookupMetric(field)
			angle, _, ok := rate.Step(s.Times[rows[1]], s.Values[field][rows[1]], s.Times[rows[0]], s.Values[field][rows[0]],
				rate.Options{Kind: metric.Kind, Scale: metric.DefaultScale})
			if !ok {
				return nil
			}
			return &angle
		}
		vm.CPUUsagePercent, vm.CPURate = value("cpu_usage_percent"), rateOf("cpu_usage_percent")
		vm.MemoryUsagePercent, vm.MemoryRate = value("memory_usage_percent"), rateOf("memory_usage_percent")
		vm.DiskReadBytes, vm.DiskReadRate = value("disk_read_bytes"), rateOf("disk_read_bytes")
		vm.DiskWriteBytes, vm.DiskWriteRate = value("disk_write_bytes"), rateOf("disk_write_bytes")
		vm.NetworkRxBytes, vm.NetworkRxRate = value("network_rx_bytes"), rateOf("network_rx_bytes")
		vm.NetworkTxBytes, vm.NetworkTxRate = value("network_tx_bytes"), rateOf("network_tx_bytes")
		answer.VMs = append(answer.VMs, vm)
	}
	return answer, nil
}

// seedFieldAge bounds how much older than the VM's newest point a field's
// newest value may be and still be shown: fields read by per-domain calls
// arrive every N s (CONTRACT.md, 10 s by default); a field that stopped
// arriving minutes ago is null, not shown as current.
const seedFieldAge = time.Minute

// fieldSamples returns the rows of the field's newest two values in s,
// newest first: Newest reads the newest two samples of each field, aligned
// on the union of all fields' times, so a field's rows are those that hold
// it. None when its newest is more than seedFieldAge older than newest.
func fieldSamples(s influx.VMSeries, field string, newest time.Time) []int {
	var rows []int
	values := s.Values[field]
	for i := len(values) - 1; i >= 0 && len(rows) < 2; i-- {
		if values[i] != nil {
			rows = append(rows, i)
		}
	}
	if len(rows) > 0 && newest.Sub(s.Times[rows[0]]) > seedFieldAge {
		return nil
	}
	return rows
}

func (d *Datasource) settingsUsable(w http.ResponseWriter) bool {
	if d.SettingsErr != nil {
		writeError(w, userError{d.SettingsErr})
		return false
	}
	return true
}

func writeJSON(w http.ResponseWriter, value any) {
	w.Header().Set("Content-Type", "application/json")
	if err := json.NewEncoder(w).Encode(value); err != nil {
		log.DefaultLogger.Error("writing a resource answer", "error", err)
	}
}

// writeError answers {"error": "..."} with the status of the error's kind.
func writeError(w http.ResponseWriter, err error) {
	status, _ := classify(err)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(int(status))
	_ = json.NewEncoder(w).Encode(map[string]string{"error": err.Error()})
}
