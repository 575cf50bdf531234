package influx

import (
	"context"
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
type Selection struct {
	VMs     []string
	VMRegex string
	Host    string
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

// Field is a field to read and, for aggregated reads, its aggregate
// function (mean, last, max or min).
type Field struct {
	Name      string
	Aggregate string
}

// RangeRequest reads the fields of the selected VMs over [From, To]: raw
// points when Interval is 0, else one aggregated point per Interval (buckets
// aligned to the Unix epoch, timestamped at their start).
type RangeRequest struct {
	Selection
	Fields   []Field
	From, To time.Time
	Interval time.Duration
}

// NewestRequest reads the newest Count points of each selected VM, not older
// than Since (zero: no bound).
type NewestRequest struct {
	Selection
	Fields []string
	Count  int
	Since  time.Time
}

// VMSeries is the data of one VM: ascending times and, per field, one
// nullable value per time. UUID comes from the VM's newest point. Fields
// that held strings (the contract's state) are in Texts instead, "" where
// a point has none.
type VMSeries struct {
	VM     string
	Host   string
	UUID   string
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
}

// point is one decoded row before it is merged into its VM's series:
// values[i] (or texts[i], for a string field) belongs to fields[i] and
// counts when bit i of set is on. texts stays nil for rows without strings.
type point struct {
	time   time.Time
	values []float64
	texts  []string
	set    uint64
}

// maxFields bounds the fields of one request (the bits of point.set).
const maxFields = 64

// seriesBuilder merges decoded rows into one VMSeries per VM (host, name).
// A VM whose uuid changed over the range (redefined) arrives as several tag
// sets of one identity.
type seriesBuilder struct {
	fields []string
	index  map[string]int
	vms    map[VMID]*vmPoints
	// text marks the fields that held strings.
	text []bool
}

type vmPoints struct {
	uuid   string
	newest time.Time
	points []point
}

func newSeriesBuilder(fields []string) *seriesBuilder {
	index := make(map[string]int, len(fields))
	for i, f := range fields {
		index[f] = i
	}
	return &seriesBuilder{fields: fields, index: index, vms: map[VMID]*vmPoints{}, text: make([]bool, len(fields))}
}

// newPoint starts a row with no value set.
func (b *seriesBuilder) newPoint(t time.Time) point {
	return point{time: t, values: make([]float64, len(b.fields))}
}

// setValue records a field's value in a row; unknown fields are ignored.
func (b *seriesBuilder) setValue(p *point, field string, value float64) {
	if i, ok := b.index[field]; ok {
		p.values[i] = value
		p.set |= 1 << i
	}
}

// setText records a string field's value in a row.
func (b *seriesBuilder) setText(p *point, field, value string) {
	if i, ok := b.index[field]; ok {
		if p.texts == nil {
			p.texts = make([]string, len(b.fields))
		}
		p.texts[i] = value
		p.set |= 1 << i
		b.text[i] = true
	}
}

func (b *seriesBuilder) add(vm, host, uuid string, p point) {
	id := VMID{Host: host, Name: vm}
	v := b.vms[id]
	if v == nil {
		v = &vmPoints{}
		b.vms[id] = v
	}
	if len(v.points) == 0 || !p.time.Before(v.newest) {
		v.uuid, v.newest = uuid, p.time
	}
	v.points = append(v.points, p)
}

// build sorts each VM's points by time (merging tag sets) and keeps the
// newest keep points when keep > 0.
func (b *seriesBuilder) build(keep int) []VMSeries {
	out := make([]VMSeries, 0, len(b.vms))
	for id, v := range b.vms {
		sort.SliceStable(v.points, func(i, j int) bool { return v.points[i].time.Before(v.points[j].time) })
		pts := mergeSameTime(v.points)
		if keep > 0 && len(pts) > keep {
			pts = pts[len(pts)-keep:]
		}
		s := VMSeries{VM: id.Name, Host: id.Host, UUID: v.uuid, Times: make([]time.Time, len(pts)), Values: map[string][]*float64{}}
		for fi, f := range b.fields {
			if b.text[fi] {
				texts := make([]string, len(pts))
				for i, p := range pts {
					if p.texts != nil && p.set&(1<<fi) != 0 {
						texts[i] = p.texts[fi]
					}
				}
				if s.Texts == nil {
					s.Texts = map[string][]string{}
				}
				s.Texts[f] = texts
				s.Values[f] = make([]*float64, len(pts))
				continue
			}
			backing := make([]float64, len(pts))
			column := make([]*float64, len(pts))
			for i, p := range pts {
				if p.set&(1<<fi) != 0 {
					backing[i] = p.values[fi]
					column[i] = &backing[i]
				}
			}
			s.Values[f] = column
		}
		for i, p := range pts {
			s.Times[i] = p.time
		}
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID().Less(out[j].ID()) })
	return out
}

// mergeSameTime joins rows of one VM that share a timestamp, which Flux's
// long format (one row per field) and repeated tag sets produce.
func mergeSameTime(points []point) []point {
	merged := points[:0]
	for _, p := range points {
		if n := len(merged); n > 0 && merged[n-1].time.Equal(p.time) {
			for i, v := range p.values {
				if p.set&(1<<i) != 0 {
					merged[n-1].values[i] = v
					if p.texts != nil {
						if merged[n-1].texts == nil {
							merged[n-1].texts = make([]string, len(p.values))
						}
						merged[n-1].texts[i] = p.texts[i]
					}
				}
			}
			merged[n-1].set |= p.set
			continue
		}
		merged = append(merged, p)
	}
	return merged
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
