package plugin

import (
	"context"
	"sort"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/vmtelemetry/libvirt-datasource/pkg/influx"
	"github.com/vmtelemetry/libvirt-datasource/pkg/models"
)

// fleetStateField is the contract's string field of the VM's state.
const fleetStateField = "state"

// fleetRunField is the contract's domain id, written with every point: a
// new id is a new run of the domain (-1: not running).
const fleetRunField = "domain_id"

// fleetOutputs are the outputs every fleet row carries: a panel picks its
// own in the browser.
var fleetOutputs = []string{models.OutputValue, models.OutputRate, models.OutputPerSecond}

// fleetQuery is the query of the fleet frame: every VM (of the host
// filter), the eight usage metrics with all outputs, the stream options
// (rate scales, gap limit, …) of q.
func fleetQuery(q models.Query) models.Query {
	q.VMMode, q.VMs, q.VMRegex = models.VMModeAll, nil, ""
	q.Metrics = append([]string(nil), models.DefaultMetrics...)
	q.Outputs = fleetOutputs
	return q
}

// staleAfter is how long a VM may go without a sample before its row is
// stale: a few intervals, and never less than 5 s, the exporter's 1 s
// rounds plus its write and InfluxDB's.
func staleAfter(interval time.Duration) time.Duration {
	return max(3*interval, 5*time.Second)
}

// fleetVM is what the fleet frame knows of a VM between two reads.
type fleetVM struct {
	id       influx.VMID
	uuid     string
	state    string
	lastSeen time.Time
	// period is the step between its last two samples the stream saw (0:
	// not known yet): how often the stream may expect a new one.
	period time.Duration
	// recent holds the newest two samples of each field the stream read.
	recent influx.VMSeries
}

// fleetMemory keeps every VM a stream has seen, so that a VM that stops
// reporting keeps its row (stale, null values) instead of vanishing.
type fleetMemory map[influx.VMID]fleetVM

// FleetFrame reads the newest two samples of each field of every VM of q's host filter
// seen since now − window and returns the fleet frame at now: one row per
// VM (by name, then host) with its identity, state, newest sample time
// (time), whether it is stale, and per usage metric its value, _rate and
// _per_second (counters) from its last step, as the range query computes
// them. A stale VM's values are null and its state is "stale". memory, when
// not nil, adds the VMs seen by earlier calls and learns this one's. No read
// is a snapshot: one that runs while InfluxDB stores a point may see some of
// its fields (the time) and not others, whose values and rates are then
// those of the sample before; the next read sees the whole point.
func (d *Datasource) FleetFrame(ctx context.Context, q models.Query, interval, window time.Duration, now time.Time, memory fleetMemory) (*data.Frame, error) {
	if d.SettingsErr != nil {
		return nil, userError{d.SettingsErr}
	}
	fq := fleetQuery(q)
	gapLimit := fq.GapLimit(interval)
	fields := append(append([]string(nil), fq.Metrics...), fleetStateField, fleetRunField)
	since := now.Add(-window)
	var series []influx.VMSeries
	var err error
	remember := false // memory keeps each VM's newest samples per field
	if start := readStart(since, fq, 0); start.Before(since) {
		// A rate window reaches back further than the newest two samples.
		series, err = d.Source.Range(ctx, influx.RangeRequest{Selection: fq.Selection(), Fields: rawFields(fields), From: start, To: now})
	} else {
		// Per field on a first read only: later reads of a stream find each
		// field's newest samples in memory (recent) and ask for the VM's
		// newest points alone, a third of InfluxDB's work.
		series, err = d.Source.Newest(ctx, influx.NewestRequest{Selection: fq.Selection(), Fields: fields, Count: 2, Since: since, PerField: len(memory) == 0})
		if err == nil && memory != nil {
			for i, s := range series {
				if known, ok := memory[s.ID()]; ok {
					series[i] = influx.MergeNewest(fields, 2, since, known.recent, s)
				}
			}
		}
		remember = true
	}
	if err != nil {
		return nil, err
	}
	if memory == nil {
		memory = fleetMemory{}
	}
	newest := map[influx.VMID]fleetVMFrame{}
	for _, s := range series {
		id := s.ID()
		vm := fleetVM{id: id, uuid: s.UUID, lastSeen: s.Times[len(s.Times)-1]}
		if remember {
			vm.recent = s
		}
		states := s.Texts[fleetStateField]
		for i := len(states) - 1; i >= 0 && vm.state == ""; i-- {
			vm.state = states[i]
		}
		if known, ok := memory[id]; ok {
			if vm.state == "" {
				vm.state = known.state
			}
			vm.period = known.period
			if vm.lastSeen.After(known.lastSeen) {
				vm.period = vm.lastSeen.Sub(known.lastSeen)
			}
		}
		memory[id] = vm
		newest[id] = fleetVMFrame{frame: vmFrame(s, fq, gapLimit, time.Time{}, now), oneRun: oneRunning(s)}
	}
	return fleetFrame(fq, memory, newest, staleAfter(interval), now), nil
}

// fleetVMFrame is the wide frame of a VM read this round, whose rows hold
// each field's newest steps (a field read every N s is null in the rows of
// the others), and whether its newest two points are of one running run of
// the domain: only then may a field's value come from before its newest
// point (a shut-off VM has no value; a restarted one none of the old run).
type fleetVMFrame struct {
	frame  *data.Frame
	oneRun bool
}

// oneRunning says whether the newest two domain ids of s are one id of a
// running domain.
func oneRunning(s influx.VMSeries) bool {
	var ids []float64
	values := s.Values[fleetRunField]
	for i := len(values) - 1; i >= 0 && len(ids) < 2; i-- {
		if values[i] != nil {
			ids = append(ids, *values[i])
		}
	}
	return len(ids) > 0 && ids[0] >= 0 && (len(ids) == 1 || ids[0] == ids[1])
}

// fleetFrame lays out the rows of the VMs in memory with the frames read
// this round.
func fleetFrame(q models.Query, memory fleetMemory, frames map[influx.VMID]fleetVMFrame, stale time.Duration, now time.Time) *data.Frame {
	vms := make([]fleetVM, 0, len(memory))
	for _, vm := range memory {
		vms = append(vms, vm)
	}
	sortFleet(vms)
	n := len(vms)
	times := make([]time.Time, n)
	refs, names, hosts, uuids, states := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	stales := make([]bool, n)
	// The value columns, in the order of a VM frame of the same query.
	var columns []*data.Field
	columnIndex := map[string]int{}
	template := vmFrame(influx.VMSeries{}, q, 0, time.Time{}, time.Time{})
	for _, f := range template.Fields[1:] {
		field := data.NewFieldFromFieldType(data.FieldTypeNullableFloat64, n)
		field.Name, field.Config = f.Name, f.Config
		columnIndex[f.Name] = len(columns)
		columns = append(columns, field)
	}
	for i, vm := range vms {
		times[i], refs[i], names[i], hosts[i], uuids[i] = vm.lastSeen, vm.id.Ref(), vm.id.Name, vm.id.Host, vm.uuid
		stales[i] = now.Sub(vm.lastSeen) > stale
		states[i] = vm.state
		if stales[i] {
			states[i] = "stale"
			continue
		}
		read, ok := frames[vm.id]
		if !ok {
			continue
		}
		last := read.frame.Rows() - 1
		for _, f := range read.frame.Fields[1:] {
			if j, ok := columnIndex[f.Name]; ok {
				if read.oneRun {
					columns[j].Set(i, newestValue(f))
				} else {
					columns[j].Set(i, f.At(last))
				}
			}
		}
	}
	out := data.NewFrame("fleet",
		data.NewField(timeFieldName, nil, times),
		data.NewField("ref", nil, refs),
		data.NewField(influx.TagVM, nil, names),
		data.NewField(influx.TagHost, nil, hosts),
		data.NewField(influx.TagUUID, nil, uuids),
		data.NewField(fleetStateField, nil, states),
		data.NewField("stale", nil, stales),
	)
	out.Fields = append(out.Fields, columns...)
	return out
}

// newestValue is the value of a nullable field's last row that has one
// (nil: none).
func newestValue(f *data.Field) *float64 {
	for i := f.Len() - 1; i >= 0; i-- {
		if v, ok := f.ConcreteAt(i); ok {
			if value, ok := v.(float64); ok {
				return &value
			}
		}
	}
	return nil
}

// rawFields lists fields to read as raw points (no aggregate).
func rawFields(names []string) []influx.Field {
	fields := make([]influx.Field, len(names))
	for i, name := range names {
		fields[i] = influx.Field{Name: name}
	}
	return fields
}

func sortFleet(vms []fleetVM) {
	sort.Slice(vms, func(i, j int) bool { return vms[i].id.Less(vms[j].id) })
}
