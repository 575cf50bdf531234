package plugin

import (
	"fmt"
	"sort"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/vmtelemetry/libvirt-datasource/pkg/influx"
	"github.com/vmtelemetry/libvirt-datasource/pkg/models"
	"github.com/vmtelemetry/libvirt-datasource/pkg/rate"
)

// Field name suffixes of docs/PLUGIN-API.md.
const (
	rateSuffix      = "_rate"
	perSecondSuffix = "_per_second"
	ageSuffix       = "_age"
	timeFieldName   = "time"
	fieldLabel      = "field"
)

var rateDecimals uint16 = 1

// timeSeriesWideMeta is the dataplane type every time-series frame carries,
// so that server-side expressions and alerting read it as a wide series.
func timeSeriesWideMeta() *data.FrameMeta {
	return &data.FrameMeta{Type: data.FrameTypeTimeSeriesWide, TypeVersion: data.FrameTypeVersion{0, 1}}
}

// vmFrame builds the wide frame of one VM, named by its reference
// "<host>/<name>" (of one device of a VM for a devices query, named
// "<host>/<name> <tag>=<device>" and labelled with the device tag): time, then per metric in request order its value, _rate,
// _per_second and _age fields as the outputs ask. Rates are derived over
// the whole series; rows before from are then left out: they were read only
// so that the first rows of the range have the sample their rate window
// reaches back to (readStart). to is the end of the range, where the age
// of the newest sample is taken.
func vmFrame(series influx.VMSeries, q models.Query, gapLimit time.Duration, from, to time.Time) *data.Frame {
	first := sort.Search(len(series.Times), func(i int) bool { return !series.Times[i].Before(from) })
	labels := data.Labels{influx.TagVM: series.VM, influx.TagHost: series.Host, influx.TagUUID: series.UUID}
	name := series.ID().Ref()
	if tag := q.DeviceTag(); tag != "" {
		labels[tag] = series.Device
		name += " " + tag + "=" + series.Device
	}
	frame := data.NewFrame(name, data.NewField(timeFieldName, nil, series.Times[first:]))
	computed := rateFieldCount(q, q.Metrics)
	if q.Wants(models.OutputAge) {
		computed += len(q.Metrics)
	}
	cells := newFrameCells(computed, len(series.Times)-first)
	for _, name := range q.Metrics {
		values := series.Values[name]
		if metric, _ := q.Metric(name); metric.State {
			values = stateCodes(series.Texts[name], len(series.Times))
		}
		if values == nil {
			values = make([]*float64, len(series.Times))
		}
		appendOutputs(frame, cells, name, labels, series.Times, values, first, q, gapLimit)
		if q.Wants(models.OutputAge) {
			frame.Fields = append(frame.Fields, ageField(cells, name, labels, series.Times, values, first, to))
		}
	}
	frame.Meta = timeSeriesWideMeta()
	return frame
}

// readStart is where a read for rows from from must begin: a rate window
// W needs the samples up to W earlier (whole buckets earlier when
// aggregated, so that buckets stay aligned).
func readStart(from time.Time, q models.Query, bucket time.Duration) time.Time {
	lead := q.RateWindow()
	if lead <= 0 || !(q.Wants(models.OutputRate) || q.Wants(models.OutputPerSecond)) {
		return from
	}
	if bucket > 0 {
		lead = ceilDiv(lead, bucket) * bucket
	}
	return from.Add(-lead)
}

// appendOutputs appends the fields of one series as the query's outputs ask:
// its value, <name>_rate and, for byte counters of the catalog only,
// <name>_per_second. A name outside the query's catalog (a raw query's column) is
// a gauge without unit. Rates are derived over all the rows; the fields keep
// the rows from first on (see vmFrame). Each field is made at its final
// length and filled in place: the value field points at the series' values,
// the rates are written straight into cells taken from the frame's cells.
func appendOutputs(frame *data.Frame, cells *frameCells, name string, labels data.Labels, times []time.Time, values []*float64, first int, q models.Query, gapLimit time.Duration) {
	metric, _ := q.Metric(name)
	rows := len(values) - first
	if q.Wants(models.OutputValue) {
		field := newNullableField(name, labels, rows)
		for i, v := range values[first:] {
			if v != nil {
				field.Set(i, v)
			}
		}
		if metric.Unit != "" {
			field.Config = &data.FieldConfig{Unit: metric.Unit}
		}
		if metric.State {
			field.Config = stateConfig()
		}
		frame.Fields = append(frame.Fields, field)
	}
	if metric.State {
		// A state has no rate: running → paused is not a slope.
		return
	}
	wantsRate := q.Wants(models.OutputRate)
	wantsPerSecond := q.Wants(models.OutputPerSecond) && metric.HasPerSecond()
	if !wantsRate && !wantsPerSecond {
		return
	}
	var angles, perSecond filledField
	if wantsRate {
		angles = filledField{field: rateField(name, labels, rows), backing: cells.take(rows)}
	}
	if wantsPerSecond {
		perSecond = filledField{field: perSecondField(name, metric.PerSecond, labels, rows), backing: cells.take(rows)}
	}
	rate.Series(times, values, rate.Options{
		Kind: metric.Kind, Scale: q.Scale(name), GapLimit: gapLimit, Window: q.RateWindow(),
	}, func(i int, angle, perSec float64) {
		if i < first {
			return
		}
		angles.set(i-first, angle)
		perSecond.set(i-first, perSec)
	})
	if wantsRate {
		frame.Fields = append(frame.Fields, angles.field)
	}
	if wantsPerSecond {
		frame.Fields = append(frame.Fields, perSecond.field)
	}
}

// newNullableField is a nullable float64 field of rows nulls, to be filled
// in place (NewField would copy a slice made beforehand).
func newNullableField(name string, labels data.Labels, rows int) *data.Field {
	field := data.NewFieldFromFieldType(data.FieldTypeNullableFloat64, rows)
	field.Name, field.Labels = name, labels.Copy()
	return field
}

// filledField is a nullable float64 field whose values live in a backing
// array (frameCells) instead of one allocation each; the zero filledField
// ignores set.
type filledField struct {
	field   *data.Field
	backing []float64
}

// frameCells hands out the backing arrays of a frame's computed fields
// (rates, per-second rates, ages) from one allocation sized for all of
// them. One array per field would cost an allocation each, and Go's size
// classes round each up: 3600 rows (an hour at 1 s) take 32 KiB for 28.8 kB,
// 3 MB of the 50 VMs' frames of such an hour.
type frameCells struct {
	free []float64
}

func newFrameCells(fields, rows int) *frameCells {
	return &frameCells{free: make([]float64, fields*rows)}
}

// rateFieldCount counts the _rate and _per_second fields appendOutputs
// makes of the given metrics (fields of a raw query included: one that
// proves not numeric only leaves its cells unused).
func rateFieldCount(q models.Query, metrics []string) int {
	fields := 0
	for _, name := range metrics {
		if metric, _ := q.Metric(name); !metric.State {
			if q.Wants(models.OutputRate) {
				fields++
			}
			if q.Wants(models.OutputPerSecond) && metric.HasPerSecond() {
				fields++
			}
		}
	}
	return fields
}

// take returns the next n cells; a count that fell short gets a new array.
func (c *frameCells) take(n int) []float64 {
	if len(c.free) < n {
		return make([]float64, n)
	}
	cells := c.free[:n:n]
	c.free = c.free[n:]
	return cells
}

func (f filledField) set(i int, v float64) {
	if f.field == nil {
		return
	}
	f.backing[i] = v
	f.field.Set(i, &f.backing[i])
}

// ageField gives each sample with a value, from first on, the seconds until
// the next sample with a value, and the newest one the seconds until to
// (never negative); samples without a value get null.
func ageField(cells *frameCells, name string, labels data.Labels, times []time.Time, values []*float64, first int, to time.Time) *data.Field {
	rows := len(values) - first
	ages := filledField{field: newNullableField(name+ageSuffix, labels, rows), backing: cells.take(rows)}
	ages.field.Config = &data.FieldConfig{Unit: "s"}
	next := to
	for i := len(values) - 1; i >= first; i-- {
		if values[i] == nil {
			continue
		}
		ages.set(i-first, max(0, next.Sub(times[i]).Seconds()))
		next = times[i]
	}
	return ages.field
}

func rateField(name string, labels data.Labels, rows int) *data.Field {
	field := newNullableField(name+rateSuffix, labels, rows)
	field.Config = &data.FieldConfig{Unit: "degree", Decimals: &rateDecimals}
	return field
}

func perSecondField(name, unit string, labels data.Labels, rows int) *data.Field {
	field := newNullableField(name+perSecondSuffix, labels, rows)
	field.Config = &data.FieldConfig{Unit: unit}
	return field
}

// alertingFrames reshapes a VM's wide frame for Grafana Alerting into the
// dataplane's timeseries-multi form: one frame per value field. Grafana's
// reader of timeseries-wide takes only the first frame of a response and
// drops the rest, which would leave every VM but the first out of the rule.
// When the VM has more than one value field, each also gets field=<name>, so
// that each series of a VM has its own label set (Grafana Alerting refuses
// duplicate label sets).
func alertingFrames(frame *data.Frame) []*data.Frame {
	var timeField *data.Field
	var values []*data.Field
	for _, f := range frame.Fields {
		if f.Name == timeFieldName {
			timeField = f
		} else if f.Type().Numeric() {
			values = append(values, f)
		}
	}
	frames := make([]*data.Frame, 0, len(values))
	for _, f := range values {
		if len(values) > 1 {
			if f.Labels == nil {
				f.Labels = data.Labels{}
			}
			f.Labels[fieldLabel] = f.Name
		}
		series := data.NewFrame(frame.Name, timeField, f)
		series.Meta = &data.FrameMeta{Type: data.FrameTypeTimeSeriesMulti, TypeVersion: data.FrameTypeVersion{0, 1}}
		frames = append(frames, series)
	}
	return frames
}

// valueFieldCount counts the fields of a frame besides time.
func valueFieldCount(frame *data.Frame) int {
	n := 0
	for _, f := range frame.Fields {
		if f.Name != timeFieldName {
			n++
		}
	}
	return n
}

// sortedUnique returns the distinct values of a list, sorted.
func sortedUnique(values []string) []string {
	seen := map[string]bool{}
	out := []string{}
	for _, v := range values {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	sort.Strings(out)
	return out
}

// stateCodes turns the stored state names into libvirt's numbers; a name
// the catalog does not know ("unknown(9)", as the exporter writes a state
// newer than it) keeps its number, anything else is null.
func stateCodes(names []string, n int) []*float64 {
	codes := make([]*float64, n)
	for i, name := range names {
		if code, ok := stateCode(name); ok {
			codes[i] = &code
		}
	}
	return codes
}

func stateCode(name string) (float64, bool) {
	for _, state := range models.StateCodes {
		if state.Name == name {
			return float64(state.Code), true
		}
	}
	var code int
	if _, err := fmt.Sscanf(name, "unknown(%d)", &code); err == nil {
		return float64(code), true
	}
	return 0, false
}

// stateConfig maps each state code back to its name and colour, so that
// Grafana shows "running" in green where the field holds 1.
func stateConfig() *data.FieldConfig {
	mapper := data.ValueMapper{}
	for i, state := range models.StateCodes {
		mapper[fmt.Sprint(state.Code)] = data.ValueMappingResult{Text: state.Name, Color: state.Color, Index: i}
	}
	return &data.FieldConfig{Mappings: data.ValueMappings{mapper}}
}
