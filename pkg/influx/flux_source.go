package influx

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// fluxWriter builds a Flux script; every name and value goes through
// FluxString, and times and durations are formatted from Go values only.
type fluxWriter struct {
	b strings.Builder
}

func (w *fluxWriter) code(s string) { w.b.WriteString(s) }

func (w *fluxWriter) str(s string) { w.b.WriteString(FluxString(s)) }

func (w *fluxWriter) time(t time.Time) { w.b.WriteString(t.UTC().Format(time.RFC3339Nano)) }

// source writes from/range/filter for the measurement, the fields and the
// selection. A regex selection needs the regexPrelude before the script.
func (w *fluxWriter) source(bucket, measurement string, start, stop time.Time, fields []string, sel Selection) {
	w.code("from(bucket: ")
	w.str(bucket)
	w.code(")\n  |> range(start: ")
	w.time(start)
	if !stop.IsZero() {
		// Flux's stop is exclusive, InfluxQL's "time <= to" inclusive: one
		// nanosecond more makes both read the same points.
		w.code(", stop: ")
		w.time(stop.Add(time.Nanosecond))
	}
	w.code(")\n  |> filter(fn: (r) => r._measurement == ")
	w.str(measurement)
	w.code(" and (")
	for i, f := range fields {
		if i > 0 {
			w.code(" or ")
		}
		w.code("r._field == ")
		w.str(f)
	}
	w.code("))")
	switch {
	case len(sel.VMs) > 0:
		w.code("\n  |> filter(fn: (r) => ")
		for i, ref := range sel.VMs {
			if i > 0 {
				w.code(" or ")
			}
			id := ParseVMRef(ref)
			if id.Host != "" {
				w.code("(")
			}
			w.code("r.vm == ")
			w.str(id.Name)
			if id.Host != "" {
				w.code(" and r.host == ")
				w.str(id.Host)
				w.code(")")
			}
		}
		w.code(")")
	case sel.VMRegex != "":
		w.code("\n  |> filter(fn: (r) => r.vm =~ vmPattern)")
	}
	if sel.Devices != nil && len(sel.Devices.Names) > 0 {
		w.code("\n  |> filter(fn: (r) => ")
		for i, name := range sel.Devices.Names {
			if i > 0 {
				w.code(" or ")
			}
			w.code("r[")
			w.str(sel.Devices.Tag)
			w.code("] == ")
			w.str(name)
		}
		w.code(")")
	}
	if sel.Host != "" {
		w.code("\n  |> filter(fn: (r) => r.host == ")
		w.str(sel.Host)
		w.code(")")
	}
	for i, filter := range sel.Filters {
		// The key is a record property read by name, the value a string
		// literal or a pattern compiled in the prelude: neither is code.
		w.code("\n  |> filter(fn: (r) => r[")
		w.str(filter.Key)
		switch filter.Operator {
		case "=":
			w.code("] == ")
		case "!=":
			w.code("] != ")
		case "=~":
			w.code(fmt.Sprintf("] =~ filterPattern%d)", i))
			continue
		case "!~":
			w.code(fmt.Sprintf("] !~ filterPattern%d)", i))
			continue
		}
		w.str(filter.Value)
		w.code(")")
	}
}

// prelude writes the imports and the compiled patterns of a regex
// selection and of regex filters, and checks the filters' operators.
func (w *fluxWriter) prelude(sel Selection) error {
	vmPattern := len(sel.VMs) == 0 && sel.VMRegex != ""
	var patterns []string
	for i, filter := range sel.Filters {
		switch filter.Operator {
		case "=", "!=":
		case "=~", "!~":
			if err := ValidateRegex(filter.Value); err != nil {
				return fmt.Errorf("ad hoc filter on %q: %w", filter.Key, err)
			}
			patterns = append(patterns, fmt.Sprintf("filterPattern%d", i), filter.Value)
		default:
			return fmt.Errorf("ad hoc filter on %q: operator %q is not one of =, !=, =~, !~", filter.Key, filter.Operator)
		}
	}
	if !vmPattern && len(patterns) == 0 {
		return nil
	}
	w.code("import \"regexp\"\n\n")
	if vmPattern {
		if err := ValidateRegex(sel.VMRegex); err != nil {
			return err
		}
		patterns = append(patterns, "vmPattern", sel.VMRegex)
	}
	for i := 0; i < len(patterns); i += 2 {
		w.code(patterns[i] + " = regexp.compile(v: ")
		w.str("(?:" + patterns[i+1] + ")")
		w.code(")\n")
	}
	w.code("\n")
	return nil
}

// keep writes the keep() of a series read: time, value, field and the
// selection's series tags.
func (w *fluxWriter) keep(sel Selection) {
	w.code("\n  |> keep(columns: [\"_time\", \"_value\", \"_field\"")
	for _, tag := range sel.seriesTags() {
		w.code(", ")
		w.str(tag)
	}
	w.code("])")
}

// BuildFluxRange writes the Flux of a RangeRequest; aggregated reads use
// aggregateWindow per aggregate function, timestamped at window start like
// InfluxQL's GROUP BY time. With RollupBefore, each aggregate's buckets
// before it come from the bucket of rollupBuckets for the request's
// RollupStep (the fields' rollup columns, which the reader maps back to the
// fields; as stored when the buckets are the step), united with the rest
// from bucket.
func BuildFluxRange(bucket string, rollupBuckets map[time.Duration]string, measurement string, req RangeRequest) (string, error) {
	if len(req.Fields) == 0 {
		return "", fmt.Errorf("a range query needs at least one field")
	}
	rollup, rollupOK, raw, rawOK, err := req.parts()
	if err != nil {
		return "", err
	}
	rollupBucket := rollupBuckets[req.RollupStep]
	if rollupOK && rollupBucket == "" {
		return "", fmt.Errorf("a read of the %s rollups needs their bucket", RollupSuffix(req.RollupStep))
	}
	w := &fluxWriter{}
	if err := w.prelude(req.Selection); err != nil {
		return "", err
	}
	names := req.FieldNames()
	if req.Interval <= 0 {
		w.source(bucket, req.measurement(measurement), req.From, req.To, names, req.Selection)
		w.keep(req.Selection)
		return w.b.String(), nil
	}
	// Fields grouped by aggregate, in first-seen order.
	var order []string
	byAggregate := map[string][]Field{}
	for _, f := range req.Fields {
		if !isAggregate(f.Aggregate) {
			return "", fmt.Errorf("aggregate %q is unknown: want mean, last, max or min", f.Aggregate)
		}
		if _, seen := byAggregate[f.Aggregate]; !seen {
			order = append(order, f.Aggregate)
		}
		byAggregate[f.Aggregate] = append(byAggregate[f.Aggregate], f)
	}
	every := fmt.Sprintf("%dms", durationMillis(req.Interval))
	var results []string
	aggregated := func(name, from string, part RangeRequest, fields []string, agg string, asStored bool) {
		fmt.Fprintf(&w.b, "%s = ", name)
		w.source(from, req.measurement(measurement), part.From, part.To, fields, req.Selection)
		if !asStored {
			fmt.Fprintf(&w.b, "\n  |> aggregateWindow(every: %s, fn: %s, createEmpty: false, timeSrc: \"_start\")", every, agg)
		}
		w.keep(req.Selection)
		w.code("\n\n")
		results = append(results, name)
	}
	for i, agg := range order {
		fields := byAggregate[agg]
		if rollupOK {
			columns := make([]string, len(fields))
			for j, f := range fields {
				columns[j] = rollupColumn(f)
			}
			aggregated(fmt.Sprintf("rollup%d", i), rollupBucket, rollup, columns, agg, rollup.asStored())
		}
		if rawOK {
			names := make([]string, len(fields))
			for j, f := range fields {
				names[j] = f.Name
			}
			aggregated(fmt.Sprintf("agg%d", i), bucket, raw, names, agg, false)
		}
	}
	if len(results) == 1 {
		w.code(results[0])
	} else {
		w.code("union(tables: [" + strings.Join(results, ", ") + "])")
	}
	return w.b.String(), nil
}

// BuildFluxNewest writes the Flux of the newest points of each VM.
func BuildFluxNewest(bucket, measurement string, req NewestRequest) (string, error) {
	if len(req.Fields) == 0 || req.Count <= 0 || req.Since.IsZero() {
		return "", fmt.Errorf("a newest-points query needs fields, a positive count and a lower time bound")
	}
	w := &fluxWriter{}
	if err := w.prelude(req.Selection); err != nil {
		return "", err
	}
	w.source(bucket, req.measurement(measurement), req.Since, time.Time{}, req.Fields, req.Selection)
	fmt.Fprintf(&w.b, "\n  |> tail(n: %d)", req.Count)
	w.keep(req.Selection)
	return w.b.String(), nil
}

// BuildFluxInventory writes the Flux that lists the VMs with a sample in
// the request's window, with their uuid and newest sample time.
func BuildFluxInventory(bucket, measurement string, req InventoryRequest) (string, error) {
	if req.From.IsZero() || req.To.Before(req.From) {
		return "", fmt.Errorf("an inventory needs a time window, got [%s, %s]", req.From, req.To)
	}
	w := &fluxWriter{}
	if err := w.prelude(req.Selection); err != nil {
		return "", err
	}
	w.source(bucket, measurement, req.From, req.To, []string{inventoryField}, req.Selection)
	w.code("\n  |> last()")
	w.keep(req.Selection)
	return w.b.String(), nil
}

// FluxSource reads the measurement with Flux over /api/v2/query.
type FluxSource struct {
	Client       *Client
	Organization string
	Bucket       string
	// RollupBuckets hold the rollups of each step (docs/CONTRACT.md) that
	// range reads with RollupBefore take.
	RollupBuckets map[time.Duration]string
	Measurement   string
}

// Range implements Source.
func (s *FluxSource) Range(ctx context.Context, req RangeRequest) ([]VMSeries, error) {
	q, err := BuildFluxRange(s.Bucket, s.RollupBuckets, s.Measurement, req)
	if err != nil {
		return nil, err
	}
	b := newSeriesBuilder(req.FieldNames(), req.deviceTag())
	if !req.RollupBefore.IsZero() {
		for i, f := range req.Fields {
			b.alias(rollupColumn(f), i)
		}
	}
	return s.read(ctx, q, b, 0)
}

// Newest implements Source.
func (s *FluxSource) Newest(ctx context.Context, req NewestRequest) ([]VMSeries, error) {
	q, err := BuildFluxNewest(s.Bucket, s.Measurement, req)
	if err != nil {
		return nil, err
	}
	return s.read(ctx, q, newSeriesBuilder(req.Fields, req.deviceTag()), req.Count)
}

// read fills b from the answer of q, each row's _field naming its column.
func (s *FluxSource) read(ctx context.Context, q string, b *seriesBuilder, keep int) ([]VMSeries, error) {
	if len(b.fields) > maxFields {
		return nil, fmt.Errorf("at most %d fields per query", maxFields)
	}
	err := s.Client.Flux(ctx, s.Organization, q, func(row FluxRow) error {
		value, ok, err := fluxNumber(row)
		isText := row.Type("_value") == "string"
		if err != nil || !ok && !isText {
			return err
		}
		t, err := fluxTime(row)
		if err != nil {
			return err
		}
		field, ok := b.fieldIndex(row.Get("_field"))
		if !ok {
			return nil
		}
		vm := b.vm(row.Get(TagVM), row.Get(TagHost), row.Get)
		ns := t.UnixNano()
		vm.seen(row.Get(TagUUID), ns)
		if isText {
			b.addText(vm, field, ns, row.Get("_value"))
		} else {
			vm.add(field, ns, value)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return b.build(keep), nil
}

// Inventory implements Source.
func (s *FluxSource) Inventory(ctx context.Context, req InventoryRequest) ([]VMInfo, error) {
	q, err := BuildFluxInventory(s.Bucket, s.Measurement, req)
	if err != nil {
		return nil, err
	}
	inventory := newInventory()
	err = s.Client.Flux(ctx, s.Organization, q, func(row FluxRow) error {
		t, err := fluxTime(row)
		if err != nil {
			return err
		}
		inventory.add(VMInfo{Name: row.Get(TagVM), Host: row.Get(TagHost), UUID: row.Get(TagUUID), LastSeen: t})
		return nil
	})
	if err != nil {
		return nil, err
	}
	return inventory.list(), nil
}

func fluxTime(row FluxRow) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, row.Get("_time"))
	if err != nil {
		return time.Time{}, &Error{Kind: ErrBadResponse, Message: fmt.Sprintf("Flux _time %q is not RFC 3339", row.Get("_time"))}
	}
	return t.UTC(), nil
}

// fluxNumber reads _value of a numeric column; other types are skipped and
// an empty cell is a null.
func fluxNumber(row FluxRow) (float64, bool, error) {
	cell := row.Get("_value")
	switch row.Type("_value") {
	case "double", "long", "unsignedLong":
	default:
		return 0, false, nil
	}
	if cell == "" {
		return 0, false, nil
	}
	v, err := strconv.ParseFloat(cell, 64)
	if err != nil {
		return 0, false, &Error{Kind: ErrBadResponse, Message: fmt.Sprintf("Flux _value %q is not a number", cell)}
	}
	return v, true, nil
}
