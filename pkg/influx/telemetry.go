package influx

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"time"
)

// Tag keys of the contract's vm_telemetry measurement.
const (
	TagVM   = "vm"
	TagHost = "host"
	TagUUID = "uuid"
)

// Selection picks VMs: by references (VMRef), by an RE2 pattern on the vm
// tag, or all (neither set); Host, when set, keeps only VMs of that host tag.
// Every filter of Filters must hold too (Grafana's ad hoc filters).
// Devices, when set, reads a per-device measurement instead of the
// configured one, one series per VM and device.
type Selection struct {
	VMs     []string
	VMRegex string
	Host    string
	Filters []TagFilter
	Devices *DeviceSelection
}

// DeviceSelection is a per-device measurement of the contract (vm_disk,
// vm_interface), the tag that names its devices, and the device names to
// keep (empty: all).
type DeviceSelection struct {
	Measurement string
	Tag         string
	Names       []string
}

// measurement is the measurement the selection reads: its devices', else
// the configured one.
func (sel Selection) measurement(configured string) string {
	if sel.Devices != nil {
		return sel.Devices.Measurement
	}
	return configured
}

// seriesTags are the tags that tell series apart: vm, host and uuid, and
// the device tag of a device selection.
func (sel Selection) seriesTags() []string {
	tags := []string{TagVM, TagHost, TagUUID}
	if sel.Devices != nil {
		tags = append(tags, sel.Devices.Tag)
	}
	return tags
}

// deviceTag is the tag naming the devices, "" without a device selection.
func (sel Selection) deviceTag() string {
	if sel.Devices != nil {
		return sel.Devices.Tag
	}
	return ""
}

// VMID is a VM's identity: its name on its host. Two VMs of one name on two
// hosts are two VMs; the uuid is a label of the identity, not part of it, so
// a live-migrated VM (same uuid, new host) starts a new series on its new
// host (docs/CONTRACT.md, "VM identity").
type VMID struct {
	Host string
	Name string
}

// Ref is the identity's one-string form "<host>/<name>", which variables
// offer and query lists accept. A host name holds no "/" (the contract), so
// the first "/" separates the two, whatever the VM's name holds.
func (id VMID) Ref() string { return id.Host + "/" + id.Name }

// ParseVMRef reads an entry of a VM list: "<host>/<name>" names one VM,
// a bare "<name>" the VMs of that name on any host (Host empty).
func ParseVMRef(ref string) VMID {
	if i := strings.IndexByte(ref, '/'); i >= 0 {
		return VMID{Host: ref[:i], Name: ref[i+1:]}
	}
	return VMID{Name: ref}
}

// Less orders identities by name, then host.
func (id VMID) Less(other VMID) bool {
	if id.Name != other.Name {
		return id.Name < other.Name
	}
	return id.Host < other.Host
}

// TagFilter is a condition on a tag: Operator is =, !=, =~ or !~ (the
// last two with an RE2 pattern as Value).
type TagFilter struct {
	Key      string
	Operator string
	Value    string
}

// IsRegex says whether the filter's value is a pattern.
func (f TagFilter) IsRegex() bool { return f.Operator == "=~" || f.Operator == "!~" }

// Field is a field to read and, for aggregated reads, its aggregate
// function (mean, last, max or min).
type Field struct {
	Name      string
	Aggregate string
}

// RangeRequest reads the fields of the selected VMs over [From, To]: raw
// points when Interval is 0, else one aggregated point per Interval (buckets
// aligned to the Unix epoch, timestamped at their start).
//
// RollupBefore, when set, reads the buckets before it from the rollups of
// docs/CONTRACT.md whose step is RollupStep (one of RollupSteps) instead of
// the 1-s samples: each field from its rollup column <aggregate>_<name>,
// aggregated again with the same function, or read as stored when Interval
// is the step (a rollup point is that bucket's aggregate). Interval must
// then be a whole number of steps and RollupBefore a bucket boundary, so
// that no bucket mixes the two.
type RangeRequest struct {
	Selection
	Fields       []Field
	From, To     time.Time
	Interval     time.Duration
	RollupBefore time.Time
	RollupStep   time.Duration
}

// RollupSteps are the steps of the rollups of docs/CONTRACT.md, finest
// first: 1 minute and 10 minutes.
var RollupSteps = []time.Duration{time.Minute, 10 * time.Minute}

// RollupRetentionPolicy holds the rollups of a step on InfluxDB 1.x, and
// names their bucket's DBRP mapping on 2.x (docs/CONTRACT.md): rollup_1m,
// rollup_10m.
func RollupRetentionPolicy(step time.Duration) string { return "rollup_" + RollupSuffix(step) }

// RollupSuffix is how the contract's names write a rollup step: 1m, 10m.
func RollupSuffix(step time.Duration) string { return fmt.Sprintf("%dm", step/time.Minute) }

// rollupColumn is the rollup field that holds a field's aggregate.
func rollupColumn(f Field) string { return f.Aggregate + "_" + f.Name }

// parts splits the request into its rollup part and its 1-s part, either
// of which may be empty (ok false). The rollup part ends just before
// RollupBefore: both languages read inclusive upper bounds.
func (req RangeRequest) parts() (rollup RangeRequest, rollupOK bool, raw RangeRequest, rawOK bool, err error) {
	raw, rawOK = req, true
	if req.RollupBefore.IsZero() || !req.RollupBefore.After(req.From) {
		raw.RollupBefore, raw.RollupStep = time.Time{}, 0
		return RangeRequest{}, false, raw, true, nil
	}
	if !slices.Contains(RollupSteps, req.RollupStep) {
		return RangeRequest{}, false, RangeRequest{}, false, fmt.Errorf("the rollups have no step of %s: want one of %v", req.RollupStep, RollupSteps)
	}
	if req.Interval < req.RollupStep || req.Interval%req.RollupStep != 0 || req.RollupBefore.UnixNano()%int64(req.Interval) != 0 {
		return RangeRequest{}, false, RangeRequest{}, false, fmt.Errorf("a read of the %s rollups needs buckets of whole %s steps and a bucket boundary, got %s and %s",
			RollupSuffix(req.RollupStep), req.RollupStep, req.Interval, req.RollupBefore.Format(time.RFC3339Nano))
	}
	for _, f := range req.Fields {
		switch f.Aggregate {
		case "mean", "max", "last":
		default:
			return RangeRequest{}, false, RangeRequest{}, false, fmt.Errorf("the rollups hold no %q aggregate of %s", f.Aggregate, f.Name)
		}
	}
	rollup = req
	rollup.RollupBefore = time.Time{}
	if req.RollupBefore.Before(req.To) || req.RollupBefore.Equal(req.To) {
		rollup.To = req.RollupBefore.Add(-time.Nanosecond)
		raw.From, raw.RollupBefore, raw.RollupStep = req.RollupBefore, time.Time{}, 0
	} else {
		rawOK = false
	}
	return rollup, true, raw, rawOK, nil
}

// asStored says whether a rollup part's buckets are the stored rollup
// points themselves (Interval is the step): read without aggregating them
// again, which costs InfluxDB a fraction of GROUP BY time (docs/BACKEND.md).
func (req RangeRequest) asStored() bool { return req.Interval == req.RollupStep }

// FieldNames are the names of the request's fields, in order.
func (r RangeRequest) FieldNames() []string {
	names := make([]string, len(r.Fields))
	for i, f := range r.Fields {
		names[i] = f.Name
	}
	return names
}

// NewestRequest reads the newest Count points of each selected VM, not older
// than Since, which is required: a read without a lower time bound would scan
// every shard of the retention. With PerField, the newest Count samples of
// each field instead: a field read every N s (docs/CONTRACT.md, per-domain
// fallback) may have none in the VM's newest points. Flux reads per field
// anyway (a table per field); InfluxQL needs a statement per field, which
// costs InfluxDB about three times the one statement of all fields.
type NewestRequest struct {
	Selection
	Fields   []string
	Count    int
	Since    time.Time
	PerField bool
}

// MergeNewest returns one VM's series holding, of each field, its newest
// keep samples in the given series (of that VM, oldest first) that are not
// older than since: how a live reader keeps a field read every N s between
// the reads of the VM's newest points. The identity and uuid are the last
// series'.
func MergeNewest(fields []string, keep int, since time.Time, series ...VMSeries) VMSeries {
	b := newSeriesBuilder(fields, "")
	var last VMSeries
	for _, s := range series {
		if len(s.Times) == 0 {
			continue
		}
		last = s
		v := b.vm(s.VM, s.Host, nil)
		for i, t := range s.Times {
			if t.Before(since) {
				continue
			}
			ns := t.UnixNano()
			v.seen(s.UUID, ns)
			for fi, f := range fields {
				if texts := s.Texts[f]; texts != nil {
					if texts[i] != "" {
						b.addText(v, fi, ns, texts[i])
					}
				} else if values := s.Values[f]; values != nil && values[i] != nil {
					v.add(fi, ns, *values[i])
				}
			}
		}
	}
	merged := b.build(keep)
	if len(merged) == 0 {
		return VMSeries{VM: last.VM, Host: last.Host, UUID: last.UUID, Device: last.Device}
	}
	merged[0].Device = last.Device
	return merged[0]
}

// VMSeries is the data of one VM (and of one of its devices when read
// with a device selection): ascending times and, per field, one nullable
// value per time. UUID comes from the VM's newest point. Fields that held
// strings (the contract's state) are in Texts instead, "" where a point has
// none.
type VMSeries struct {
	VM     string
	Host   string
	UUID   string
	Device string
	Times  []time.Time
	Values map[string][]*float64
	Texts  map[string][]string
}

// VMInfo is one VM known to the measurement.
type VMInfo struct {
	Name     string
	Host     string
	UUID     string
	LastSeen time.Time
}

// ID is the series' VM identity.
func (s VMSeries) ID() VMID { return VMID{Host: s.Host, Name: s.VM} }

// InventoryRequest lists the VMs of a selection that have a sample in
// [From, To]: the bound keeps the read to the shards of that window, however
// long the retention.
type InventoryRequest struct {
	Selection
	From, To time.Time
}

// Source reads the contract's measurement in one query language. The
// answers are sorted by VM name, then host.
type Source interface {
	Range(ctx context.Context, req RangeRequest) ([]VMSeries, error)
	Newest(ctx context.Context, req NewestRequest) ([]VMSeries, error)
	// Inventory lists the VMs (host, name) with their newest uuid and
	// sample time.
	Inventory(ctx context.Context, req InventoryRequest) ([]VMInfo, error)
	// Events reads the lifecycle events of measurement vm_event, oldest first.
	Events(ctx context.Context, req EventRequest) ([]Event, error)
}

// maxFields bounds the fields of one request.
const maxFields = 64

// seriesBuilder fills per-VM, per-field columns straight from the decoded
// answer as it streams in, without an intermediate row per time: InfluxQL
// gives rows of every field, Flux one table per field. A VM is (host,
// name); one whose uuid changed over the range (redefined) arrives as
// several tag sets of one identity. With a device tag, each device of a VM
// is a series of its own.
type seriesBuilder struct {
	fields    []string
	index     map[string]int
	deviceTag string
	vms       map[seriesKey]*vmColumns
	// text marks the fields that held strings.
	text []bool
}

// vmColumns are one VM's values as they arrived, one column per field.
type vmColumns struct {
	uuid    string
	newest  int64
	columns []column
}

// column holds the times (ns) and values of one field in arrival order:
// numbers in values, or strings in texts for a string field.
type column struct {
	times    []int64
	values   []float64
	texts    []string
	unsorted bool
}

// seriesKey is what one series is of: a VM, or a device of a VM.
type seriesKey struct {
	VMID
	Device string
}

func newSeriesBuilder(fields []string, deviceTag string) *seriesBuilder {
	index := make(map[string]int, len(fields))
	for i, f := range fields {
		index[f] = i
	}
	return &seriesBuilder{fields: fields, index: index, deviceTag: deviceTag, vms: map[seriesKey]*vmColumns{}, text: make([]bool, len(fields))}
}

// alias lets answers name field i by another name too (a rollup column).
func (b *seriesBuilder) alias(name string, i int) { b.index[name] = i }

// fieldIndex says which column a field name fills; ok is false for fields
// not asked for.
func (b *seriesBuilder) fieldIndex(name string) (int, bool) {
	i, ok := b.index[name]
	return i, ok
}

// vm returns the columns of a VM (of its device, read from tags with the
// builder's device tag), made on first use.
func (b *seriesBuilder) vm(name, host string, tags func(string) string) *vmColumns {
	key := seriesKey{VMID: VMID{Host: host, Name: name}}
	if b.deviceTag != "" {
		key.Device = tags(b.deviceTag)
	}
	v := b.vms[key]
	if v == nil {
		v = &vmColumns{newest: math.MinInt64, columns: make([]column, len(b.fields))}
		b.vms[key] = v
	}
	return v
}

// seen records that the VM had a row at t under this uuid: the VM's uuid is
// that of its newest row.
func (v *vmColumns) seen(uuid string, t int64) {
	if t >= v.newest {
		v.uuid, v.newest = uuid, t
	}
}

// add appends a number of field i.
func (v *vmColumns) add(i int, t int64, value float64) {
	c := v.columns[i].at(t)
	c.values = append(c.values, value)
}

// addText appends a string of field i.
func (b *seriesBuilder) addText(v *vmColumns, i int, t int64, text string) {
	b.text[i] = true
	c := v.columns[i].at(t)
	c.texts = append(c.texts, text)
}

// at appends a time and returns the column for its value.
func (c *column) at(t int64) *column {
	if n := len(c.times); n > 0 && t <= c.times[n-1] {
		c.unsorted = true
	}
	c.times = append(c.times, t)
	return c
}

// build aligns each VM's columns on the union of their times; when keep > 0
// each field keeps its newest keep values first (a field that arrives less
// often than another keeps its own newest values).
func (b *seriesBuilder) build(keep int) []VMSeries {
	out := make([]VMSeries, 0, len(b.vms))
	for key, v := range b.vms {
		id := key.VMID
		for i := range v.columns {
			v.columns[i].normalize(b.text[i])
			if keep > 0 {
				v.columns[i].keepNewest(keep)
			}
		}
		times := unionTimes(v.columns)
		s := VMSeries{VM: id.Name, Host: id.Host, UUID: v.uuid, Device: key.Device, Times: make([]time.Time, len(times)), Values: make(map[string][]*float64, len(b.fields))}
		for i, t := range times {
			s.Times[i] = time.Unix(0, t).UTC()
		}
		// The numbers of all fields share one backing array (see align).
		backing := make([]float64, len(times)*b.numericColumns(v))
		for fi, f := range b.fields {
			if b.text[fi] {
				if s.Texts == nil {
					s.Texts = map[string][]string{}
				}
				s.Texts[f] = v.columns[fi].alignTexts(times)
				s.Values[f] = make([]*float64, len(times))
			} else {
				s.Values[f], backing = v.columns[fi].align(times, backing)
			}
			v.columns[fi] = column{} // freed as the frames are made
		}
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].ID() != out[j].ID() {
			return out[i].ID().Less(out[j].ID())
		}
		return out[i].Device < out[j].Device
	})
	return out
}

// normalize sorts a column by time and keeps, of values at the same time,
// the one that arrived last (repeated tag sets of one VM).
func (c *column) normalize(text bool) {
	if !c.unsorted {
		return
	}
	order := make([]int, len(c.times))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return c.times[order[a]] < c.times[order[b]] })
	sorted := column{times: make([]int64, 0, len(order))}
	for _, i := range order {
		if n := len(sorted.times); n > 0 && sorted.times[n-1] == c.times[i] {
			if text {
				sorted.texts[n-1] = c.texts[i]
			} else {
				sorted.values[n-1] = c.values[i]
			}
			continue
		}
		sorted.times = append(sorted.times, c.times[i])
		if text {
			sorted.texts = append(sorted.texts, c.texts[i])
		} else {
			sorted.values = append(sorted.values, c.values[i])
		}
	}
	*c = sorted
}

// keepNewest drops all but the newest n values of a sorted column.
func (c *column) keepNewest(n int) {
	if drop := len(c.times) - n; drop > 0 {
		c.times = c.times[drop:]
		if c.texts != nil {
			c.texts = c.texts[drop:]
		}
		if c.values != nil {
			c.values = c.values[drop:]
		}
	}
}

// unionTimes merges the sorted times of the columns; when every column has
// the same times (InfluxQL rows without nulls) that is the first's.
func unionTimes(columns []column) []int64 {
	var first []int64
	same := true
	for _, c := range columns {
		switch {
		case len(c.times) == 0:
		case first == nil:
			first = c.times
		case !slices.Equal(first, c.times):
			same = false
		}
	}
	if same {
		return slices.Clone(first)
	}
	var all []int64
	for _, c := range columns {
		all = append(all, c.times...)
	}
	slices.Sort(all)
	return slices.Compact(all)
}

// align gives one nullable value per time, pointing into backing's first
// len(times) cells, and returns the rest of backing. One backing array per
// VM, not per field: each array of an hour at 1 s (28.8 kB) would take a
// 32 KiB size class.
func (c *column) align(times []int64, backing []float64) ([]*float64, []float64) {
	out := make([]*float64, len(times))
	if len(c.times) == 0 {
		return out, backing
	}
	mine := backing[:len(times):len(times)]
	c.walk(times, func(i, j int) {
		mine[i] = c.values[j]
		out[i] = &mine[i]
	})
	return out, backing[len(times):]
}

// numericColumns counts the VM's columns that align fills: numbers, not
// empty.
func (b *seriesBuilder) numericColumns(v *vmColumns) int {
	n := 0
	for i := range v.columns {
		if !b.text[i] && len(v.columns[i].times) > 0 {
			n++
		}
	}
	return n
}

// alignTexts gives one string per time, "" where the field had none.
func (c *column) alignTexts(times []int64) []string {
	out := make([]string, len(times))
	c.walk(times, func(i, j int) { out[i] = c.texts[j] })
	return out
}

// walk calls found(i, j) for each times[i] equal to the column's time j.
func (c *column) walk(times []int64, found func(i, j int)) {
	j := 0
	for i, t := range times {
		for j < len(c.times) && c.times[j] < t {
			j++
		}
		if j < len(c.times) && c.times[j] == t {
			found(i, j)
		}
	}
}

// ID is the VM's identity.
func (info VMInfo) ID() VMID { return VMID{Host: info.Host, Name: info.Name} }

// inventory keeps, per VM (host, name), the uuid seen most recently.
type inventory map[VMID]VMInfo

func newInventory() inventory { return inventory{} }

func (inv inventory) add(info VMInfo) {
	if known, ok := inv[info.ID()]; !ok || info.LastSeen.After(known.LastSeen) {
		inv[info.ID()] = info
	}
}

func (inv inventory) list() []VMInfo {
	out := make([]VMInfo, 0, len(inv))
	for _, info := range inv {
		out = append(out, info)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID().Less(out[j].ID()) })
	return out
}
