package models

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/vmtelemetry/libvirt-datasource/pkg/influx"
)

// Query types.
const (
	QueryTypeMetrics  = "metrics"
	QueryTypeRaw      = "raw"
	QueryTypeVariable = "variable"
	// QueryTypeFleet is the fleet table: one row per VM of the host filter
	// with its newest sample, rates, state and staleness.
	QueryTypeFleet  = "fleet"
	QueryTypeEvents = "events"
	// QueryTypeDevices reads a per-device measurement (vm_disk,
	// vm_interface): one frame per VM and device, labelled by the device.
	QueryTypeDevices = "devices"
)

// EventNames are the lifecycle events of measurement vm_event (docs/CONTRACT.md).
var EventNames = []string{"defined", "undefined", "started", "suspended", "resumed", "stopped", "shutdown", "pmsuspended", "crashed", "rebooted"}

// VM modes.
const (
	VMModeAll   = "all"
	VMModeList  = "list"
	VMModeRegex = "regex"
)

// Outputs.
const (
	OutputValue     = "value"
	OutputRate      = "rate"
	OutputPerSecond = "per_second"
	// OutputAge is <metric>_age: at each sample, the seconds until the
	// metric's next sample, or until the end of the range for the newest
	// (how long that value stood as the newest). Its last value is how
	// stale the metric is at the end of the range.
	OutputAge = "age"
)

// Variables of a variable query.
const (
	VariableVM   = "vm"
	VariableHost = "host"
)

// MaxRateWindowSeconds bounds rateWindowSeconds (one day): a rate window
// makes every read reach that much further back.
const MaxRateWindowSeconds = 86400

// CurrentSchemaVersion is the query model version this backend writes.
const CurrentSchemaVersion = 1

var (
	defaultOutputs = []string{OutputValue, OutputRate, OutputPerSecond}
	aggregations   = []string{"mean", "last", "max", "min"}
)

// Query is a validated query of schemaVersion 1 (docs/PLUGIN-API.md).
type Query struct {
	RefID           string             `json:"refId"`
	SchemaVersion   int                `json:"schemaVersion"`
	QueryType       string             `json:"queryType"`
	VMMode          string             `json:"vmMode"`
	VMs             []string           `json:"vms"`
	VMRegex         string             `json:"vmRegex"`
	Host            string             `json:"host"`
	Metrics         []string           `json:"metrics"`
	Outputs         []string           `json:"outputs"`
	RateScales      map[string]float64 `json:"rateScales"`
	GapLimitSeconds float64            `json:"gapLimitSeconds"`
	// RateWindowSeconds W: rates compare each sample with the newest one
	// at or before W seconds earlier; 0 compares adjacent samples.
	RateWindowSeconds float64 `json:"rateWindowSeconds"`
	Aggregation       string  `json:"aggregation"`
	RawQuery          string  `json:"rawQuery"`
	Live              bool    `json:"live"`
	LiveIntervalMs    int64   `json:"liveIntervalMs"`
	Variable          string  `json:"variable"`
	// Events filters an events query by event name; empty: all events.
	Events []string `json:"events"`
	// AdhocFilters are the dashboard's ad hoc filters on the tags host and
	// vm, which the frontend copies into every query.
	AdhocFilters []AdhocFilter `json:"adhocFilters"`
	// DeviceKind is the per-device measurement of a devices query: disk
	// or interface.
	DeviceKind string `json:"deviceKind"`
	// Devices keeps only these device names (vda, vnet0, ...); empty: all.
	Devices []string `json:"devices"`
	// Alias names each series: {{vm}}, {{host}}, {{uuid}} and {{field}} are
	// replaced; empty: Grafana's default names.
	Alias string `json:"alias"`
}

// AdhocFilter is one of Grafana's ad hoc filters (key, operator, value).
type AdhocFilter struct {
	Key      string `json:"key"`
	Operator string `json:"operator"`
	Value    string `json:"value"`
}

// adhocKeys are the tags an ad hoc filter may name.
var adhocKeys = []string{"host", "vm"}

// version0Fields are the keys of the earliest saved form.
type version0Fields struct {
	VM     *string `json:"vm"`
	Metric *string `json:"metric"`
	Rate   *bool   `json:"rate"`
}

// ParseQuery decodes a query's JSON, migrates version 0, fills the defaults
// and validates it. Errors name the offending key.
func ParseQuery(raw []byte) (Query, error) {
	var q Query
	decoder := json.NewDecoder(bytes.NewReader(raw))
	if err := decoder.Decode(&q); err != nil {
		return Query{}, fmt.Errorf("malformed query JSON: %v", err)
	}
	switch q.SchemaVersion {
	case 0:
		var v0 version0Fields
		if err := json.Unmarshal(raw, &v0); err != nil {
			return Query{}, fmt.Errorf("malformed version-0 query (vm, metric, rate): %v", err)
		}
		migrateVersion0(&q, v0)
	case CurrentSchemaVersion:
	default:
		return Query{}, fmt.Errorf("schemaVersion %d is newer than this plugin understands (%d)", q.SchemaVersion, CurrentSchemaVersion)
	}
	q.SchemaVersion = CurrentSchemaVersion
	applyDefaults(&q)
	if err := q.Validate(); err != nil {
		return Query{}, err
	}
	return q, nil
}

// migrateVersion0 maps {"vm", "metric", "rate"} onto version 1. Keys of
// version 1 that the query also carries win.
func migrateVersion0(q *Query, v0 version0Fields) {
	if v0.VM != nil && q.VMMode == "" && len(q.VMs) == 0 {
		if *v0.VM == "" || *v0.VM == "*" {
			q.VMMode = VMModeAll
		} else {
			q.VMMode = VMModeList
			q.VMs = []string{*v0.VM}
		}
	}
	if v0.Metric != nil && len(q.Metrics) == 0 && *v0.Metric != "" {
		q.Metrics = []string{*v0.Metric}
	}
	if v0.Rate != nil && !*v0.Rate && len(q.Outputs) == 0 {
		q.Outputs = []string{OutputValue}
	}
}

func applyDefaults(q *Query) {
	if q.QueryType == "" {
		q.QueryType = QueryTypeMetrics
	}
	if q.VMMode == "" {
		q.VMMode = VMModeAll
	}
	if len(q.Metrics) == 0 {
		q.Metrics = append([]string(nil), DefaultMetrics...)
		if kind, ok := LookupDeviceKind(q.DeviceKind); ok && q.QueryType == QueryTypeDevices {
			q.Metrics = append([]string(nil), kind.DefaultMetrics...)
		}
	}
	if len(q.Outputs) == 0 {
		q.Outputs = append([]string(nil), defaultOutputs...)
	}
	if q.Aggregation == "" {
		q.Aggregation = "mean"
	}
}

// Validate says what is wrong with a query, naming the key and the value.
func (q Query) Validate() error {
	switch q.QueryType {
	case QueryTypeMetrics, QueryTypeRaw, QueryTypeFleet:
	case QueryTypeDevices:
		if err := q.validateDevices(); err != nil {
			return err
		}
	case QueryTypeEvents:
		for _, event := range q.Events {
			if !contains(EventNames, event) {
				return fmt.Errorf("event %q is unknown; known events: %s", event, strings.Join(EventNames, ", "))
			}
		}
	case QueryTypeVariable:
		if q.Variable != VariableVM && q.Variable != VariableHost {
			return fmt.Errorf("variable %q is unknown: want vm or host", q.Variable)
		}
		return checkTagValue("host", q.Host)
	default:
		return fmt.Errorf("queryType %q is unknown: want metrics, devices, fleet, raw, variable or events", q.QueryType)
	}
	if q.QueryType == QueryTypeRaw && strings.TrimSpace(q.RawQuery) == "" {
		return errors.New("queryType raw needs an InfluxQL statement in rawQuery")
	}
	switch q.VMMode {
	case VMModeAll:
	case VMModeList:
		if len(q.VMs) == 0 {
			return errors.New("vmMode list needs at least one VM name in vms")
		}
		for _, vm := range q.VMs {
			if err := checkTagValue("vms", vm); err != nil {
				return err
			}
		}
	case VMModeRegex:
		if q.VMRegex == "" {
			return errors.New("vmMode regex needs a pattern in vmRegex")
		}
		if err := influx.ValidateRegex(q.VMRegex); err != nil {
			return fmt.Errorf("vmRegex: %w", err)
		}
	default:
		return fmt.Errorf("vmMode %q is unknown: want all, list or regex", q.VMMode)
	}
	if err := checkTagValue("host", q.Host); err != nil {
		return err
	}
	if err := q.validateAdhocFilters(); err != nil {
		return err
	}
	seen := map[string]bool{}
	for _, name := range q.Metrics {
		if _, ok := q.Metric(name); !ok {
			known := metricNames(q.catalog())
			if q.QueryType == QueryTypeMetrics {
				known += " and state"
			}
			return fmt.Errorf("metric %q is unknown; known metrics: %s", name, known)
		}
		if seen[name] {
			return fmt.Errorf("metric %q is listed twice", name)
		}
		seen[name] = true
	}
	for _, out := range q.Outputs {
		if out != OutputValue && out != OutputRate && out != OutputPerSecond && out != OutputAge {
			return fmt.Errorf("output %q is unknown: want value, rate, per_second or age", out)
		}
	}
	for name, scale := range q.RateScales {
		if _, ok := q.Metric(name); !ok && (q.QueryType == QueryTypeMetrics || q.QueryType == QueryTypeDevices) {
			return fmt.Errorf("rateScales names unknown metric %q", name)
		}
		if !(scale > 0) || math.IsInf(scale, 0) {
			return fmt.Errorf("rateScales[%q] = %v: a scale must be a positive number", name, scale)
		}
	}
	if q.GapLimitSeconds < 0 || math.IsNaN(q.GapLimitSeconds) {
		return fmt.Errorf("gapLimitSeconds %v must be 0 (automatic) or positive", q.GapLimitSeconds)
	}
	if q.RateWindowSeconds < 0 || q.RateWindowSeconds > MaxRateWindowSeconds || math.IsNaN(q.RateWindowSeconds) {
		return fmt.Errorf("rateWindowSeconds %v must be 0 (adjacent samples) or a positive number of seconds up to %d", q.RateWindowSeconds, MaxRateWindowSeconds)
	}
	if !contains(aggregations, q.Aggregation) {
		return fmt.Errorf("aggregation %q is unknown: want mean, last, max or min", q.Aggregation)
	}
	if q.LiveIntervalMs < 0 {
		return fmt.Errorf("liveIntervalMs %d must be 0 (the data source's default) or positive", q.LiveIntervalMs)
	}
	return nil
}

func (q Query) validateAdhocFilters() error {
	for _, f := range q.AdhocFilters {
		if !contains(adhocKeys, f.Key) {
			return fmt.Errorf("ad hoc filter on %q: only host and vm can be filtered", f.Key)
		}
		switch f.Operator {
		case "=", "!=":
			if err := checkTagValue("ad hoc filter "+f.Key, f.Value); err != nil {
				return err
			}
		case "=~", "!~":
			if err := influx.ValidateRegex(f.Value); err != nil {
				return fmt.Errorf("ad hoc filter %s %s: %w", f.Key, f.Operator, err)
			}
		default:
			return fmt.Errorf("ad hoc filter on %q: operator %q is not one of =, !=, =~, !~", f.Key, f.Operator)
		}
	}
	return nil
}

// validateDevices checks the device kind and names of a devices query.
func (q Query) validateDevices() error {
	if _, ok := LookupDeviceKind(q.DeviceKind); !ok {
		kinds := make([]string, len(DeviceKinds))
		for i, kind := range DeviceKinds {
			kinds[i] = kind.Name
		}
		return fmt.Errorf("deviceKind %q is unknown: want %s", q.DeviceKind, strings.Join(kinds, " or "))
	}
	if q.Live {
		return errors.New("a devices query cannot be live: live streams carry the VMs' totals (queryType metrics)")
	}
	for _, device := range q.Devices {
		if device == "" {
			return errors.New("devices: a device name is empty")
		}
		if err := checkTagValue("devices", device); err != nil {
			return err
		}
	}
	return nil
}

// catalog is the list of metrics the query may name: a devices query's
// device kind's, else vm_telemetry's.
func (q Query) catalog() []Metric {
	if kind, ok := LookupDeviceKind(q.DeviceKind); ok && q.QueryType == QueryTypeDevices {
		return kind.Metrics
	}
	return Catalog
}

// DeviceTag is the tag naming the devices of a devices query, "" for
// other queries.
func (q Query) DeviceTag() string {
	if kind, ok := LookupDeviceKind(q.DeviceKind); ok && q.QueryType == QueryTypeDevices {
		return kind.Tag
	}
	return ""
}

// Metric finds a metric the query may name (see catalog); a metrics query
// may also name the state field.
func (q Query) Metric(name string) (Metric, bool) {
	if name == StateField && q.QueryType == QueryTypeMetrics {
		return StateMetric, true
	}
	return lookup(q.catalog(), name)
}

// ReadsRollups says whether the rollups can answer the query: they
// hold mean, max and last of vm_telemetry's numeric fields only (no min, no
// devices, no state).
func (q Query) ReadsRollups() bool {
	return q.Aggregation != "min" && q.DeviceTag() == "" && !contains(q.Metrics, StateField)
}

// checkTagValue refuses a tag value that InfluxQL cannot carry, naming the key.
func checkTagValue(key, value string) error {
	if _, err := influx.QuoteString(value); err != nil {
		return fmt.Errorf("%s: %w", key, err)
	}
	return nil
}

// Wants says whether the query asks for an output.
func (q Query) Wants(output string) bool { return contains(q.Outputs, output) }

// Scale is the rate scale of a metric: the query's rateScales, else the
// metric's default, else 1 (fields of raw queries the catalog does not know).
func (q Query) Scale(field string) float64 {
	if s, ok := q.RateScales[field]; ok {
		return s
	}
	if m, ok := q.Metric(field); ok {
		return m.DefaultScale
	}
	return 1
}

// GapLimit is the step above which rates are null: gapLimitSeconds, or
// automatically max(10 s, 5 × interval).
func (q Query) GapLimit(interval time.Duration) time.Duration {
	if q.GapLimitSeconds > 0 {
		return time.Duration(q.GapLimitSeconds * float64(time.Second))
	}
	return max(10*time.Second, 5*interval)
}

// RateWindow is rateWindowSeconds as a duration (0: adjacent samples).
func (q Query) RateWindow() time.Duration {
	return time.Duration(q.RateWindowSeconds * float64(time.Second))
}

// Selection is the query's VM filter in the form the InfluxDB layer takes;
// for a devices query also its measurement, device tag and device names.
func (q Query) Selection() influx.Selection {
	sel := influx.Selection{Host: q.Host}
	if kind, ok := LookupDeviceKind(q.DeviceKind); ok && q.QueryType == QueryTypeDevices {
		sel.Devices = &influx.DeviceSelection{Measurement: kind.Measurement, Tag: kind.Tag, Names: q.Devices}
	}
	for _, f := range q.AdhocFilters {
		sel.Filters = append(sel.Filters, influx.TagFilter{Key: f.Key, Operator: f.Operator, Value: f.Value})
	}
	switch q.VMMode {
	case VMModeList:
		sel.VMs = q.VMs
	case VMModeRegex:
		sel.VMRegex = q.VMRegex
	}
	return sel
}

// DescribeSelection says in words which VMs the query asks for, for errors
// such as "no VM matches …".
func (q Query) DescribeSelection() string {
	var what string
	switch q.VMMode {
	case VMModeList:
		what = fmt.Sprintf("the names %q", q.VMs)
	case VMModeRegex:
		what = fmt.Sprintf("the regex %q", q.VMRegex)
	default:
		what = "any name"
	}
	if q.Host != "" {
		what += fmt.Sprintf(" on host %q", q.Host)
	}
	if tag := q.DeviceTag(); tag != "" && len(q.Devices) > 0 {
		what += fmt.Sprintf(" with %s %q", tag, q.Devices)
	}
	return what
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
