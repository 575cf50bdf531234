package influx

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// influxQLWriter builds an InfluxQL statement; every name and value goes
// through quote.go, and the first quoting error is kept.
type influxQLWriter struct {
	b   strings.Builder
	err error
}

func (w *influxQLWriter) keyword(s string) { w.b.WriteString(s) }

func (w *influxQLWriter) ident(name string) {
	q, err := QuoteIdent(name)
	w.keep(q, err)
}

func (w *influxQLWriter) str(value string) {
	q, err := QuoteString(value)
	w.keep(q, err)
}

func (w *influxQLWriter) regex(pattern string) {
	q, err := QuoteRegex(pattern)
	w.keep(q, err)
}

func (w *influxQLWriter) keep(quoted string, err error) {
	if err != nil && w.err == nil {
		w.err = err
	}
	w.b.WriteString(quoted)
}

func (w *influxQLWriter) statement() (string, error) {
	if w.err != nil {
		return "", w.err
	}
	return w.b.String(), nil
}

// where writes the WHERE clause of a time range (when from is not zero) and
// a selection.
func (w *influxQLWriter) where(from, to time.Time, sel Selection) {
	var conditions []func()
	if !from.IsZero() {
		conditions = append(conditions, func() {
			w.keyword("time >= ")
			w.str(from.UTC().Format(time.RFC3339Nano))
			w.keyword(" AND time <= ")
			w.str(to.UTC().Format(time.RFC3339Nano))
		})
	}
	switch {
	case len(sel.VMs) > 0:
		conditions = append(conditions, func() {
			w.keyword("(")
			for i, ref := range sel.VMs {
				if i > 0 {
					w.keyword(" OR ")
				}
				id := ParseVMRef(ref)
				if id.Host != "" {
					w.keyword("(")
				}
				w.ident(TagVM)
				w.keyword(" = ")
				w.str(id.Name)
				if id.Host != "" {
					w.keyword(" AND ")
					w.ident(TagHost)
					w.keyword(" = ")
					w.str(id.Host)
					w.keyword(")")
				}
			}
			w.keyword(")")
		})
	case sel.VMRegex != "":
		conditions = append(conditions, func() {
			w.ident(TagVM)
			w.keyword(" =~ ")
			w.regex(sel.VMRegex)
		})
	}
	if sel.Devices != nil && len(sel.Devices.Names) > 0 {
		conditions = append(conditions, func() {
			w.keyword("(")
			for i, name := range sel.Devices.Names {
				if i > 0 {
					w.keyword(" OR ")
				}
				w.ident(sel.Devices.Tag)
				w.keyword(" = ")
				w.str(name)
			}
			w.keyword(")")
		})
	}
	if sel.Host != "" {
		conditions = append(conditions, func() {
			w.ident(TagHost)
			w.keyword(" = ")
			w.str(sel.Host)
		})
	}
	for _, filter := range sel.Filters {
		conditions = append(conditions, func() {
			w.ident(filter.Key)
			switch filter.Operator {
			case "=", "!=", "=~", "!~":
				w.keyword(" " + filter.Operator + " ")
			default:
				w.keep("", fmt.Errorf("ad hoc filter on %q: operator %q is not one of =, !=, =~, !~", filter.Key, filter.Operator))
			}
			if filter.IsRegex() {
				w.regex(filter.Value)
			} else {
				w.str(filter.Value)
			}
		})
	}
	for i, condition := range conditions {
		if i == 0 {
			w.keyword(" WHERE ")
		} else {
			w.keyword(" AND ")
		}
		condition()
	}
}

func (w *influxQLWriter) groupByTags(sel Selection) {
	for i, tag := range sel.seriesTags() {
		if i > 0 {
			w.keyword(", ")
		}
		w.ident(tag)
	}
}

// BuildInfluxQLRange writes the SELECT of a RangeRequest: raw points, or
// GROUP BY time(interval) with each field's aggregate, per vm/host/uuid.
// With RollupBefore, the buckets before it come from a first SELECT of the
// rollup retention policy's namesake measurement (each field read from its
// rollup column and named as the field; as stored when the buckets are the
// rollup's step), the rest from a second one.
func BuildInfluxQLRange(measurement string, req RangeRequest) (string, error) {
	if len(req.Fields) == 0 {
		return "", fmt.Errorf("a range query needs at least one field")
	}
	rollup, rollupOK, raw, rawOK, err := req.parts()
	if err != nil {
		return "", err
	}
	w := &influxQLWriter{}
	if rollupOK {
		if err := w.rangeSelect(measurement, rollup, true); err != nil {
			return "", err
		}
	}
	if rawOK {
		if rollupOK {
			w.keyword("; ")
		}
		if err := w.rangeSelect(measurement, raw, false); err != nil {
			return "", err
		}
	}
	return w.statement()
}

func (w *influxQLWriter) rangeSelect(measurement string, req RangeRequest, fromRollup bool) error {
	grouped := req.Interval > 0 && !(fromRollup && req.asStored())
	w.keyword("SELECT ")
	for i, f := range req.Fields {
		if i > 0 {
			w.keyword(", ")
		}
		if req.Interval > 0 && !isAggregate(f.Aggregate) {
			return fmt.Errorf("aggregate %q is unknown: want mean, last, max or min", f.Aggregate)
		}
		column := f.Name
		if fromRollup {
			column = rollupColumn(f)
		}
		switch {
		case grouped:
			w.keyword(f.Aggregate + "(")
			w.ident(column)
			w.keyword(") AS ")
		case fromRollup:
			w.ident(column)
			w.keyword(" AS ")
		}
		w.ident(f.Name)
	}
	w.keyword(" FROM ")
	if fromRollup {
		w.ident(RollupRetentionPolicy(req.RollupStep))
		w.keyword(".")
	}
	w.ident(req.measurement(measurement))
	w.where(req.From, req.To, req.Selection)
	w.keyword(" GROUP BY ")
	if grouped {
		w.keyword(fmt.Sprintf("time(%dms), ", durationMillis(req.Interval)))
	}
	w.groupByTags(req.Selection)
	if grouped {
		w.keyword(" fill(none)")
	}
	return nil
}

// BuildInfluxQLNewest writes the SELECT of the newest points of each VM, or
// with PerField one SELECT per field (a one-field SELECT skips the rows
// without it) in one request.
func BuildInfluxQLNewest(measurement string, req NewestRequest) (string, error) {
	if len(req.Fields) == 0 || req.Count <= 0 || req.Since.IsZero() {
		return "", fmt.Errorf("a newest-points query needs fields, a positive count and a lower time bound")
	}
	groups := [][]string{req.Fields}
	if req.PerField {
		groups = make([][]string, len(req.Fields))
		for i, f := range req.Fields {
			groups[i] = []string{f}
		}
	}
	statements := make([]string, len(groups))
	for i, fields := range groups {
		w := &influxQLWriter{}
		w.keyword("SELECT ")
		for j, f := range fields {
			if j > 0 {
				w.keyword(", ")
			}
			w.ident(f)
		}
		w.keyword(" FROM ")
		w.ident(req.measurement(measurement))
		w.where(req.Since, farFuture, req.Selection)
		w.keyword(" GROUP BY ")
		w.groupByTags(req.Selection)
		w.keyword(fmt.Sprintf(" ORDER BY time DESC LIMIT %d", req.Count))
		statement, err := w.statement()
		if err != nil {
			return "", err
		}
		statements[i] = statement
	}
	return strings.Join(statements, "; "), nil
}

// farFuture is the upper bound of "since" reads; InfluxQL has no open bound.
var farFuture = time.Date(2262, 1, 1, 0, 0, 0, 0, time.UTC)

// BuildInfluxQLInventory writes the SELECT that lists the VMs with a sample
// in the request's window, with their uuid and newest sample time
// (domain_id is written with every sample).
func BuildInfluxQLInventory(measurement string, req InventoryRequest) (string, error) {
	if req.From.IsZero() || req.To.Before(req.From) {
		return "", fmt.Errorf("an inventory needs a time window, got [%s, %s]", req.From, req.To)
	}
	w := &influxQLWriter{}
	w.keyword("SELECT last(")
	w.ident(inventoryField)
	w.keyword(") FROM ")
	w.ident(measurement)
	w.where(req.From, req.To, req.Selection)
	w.keyword(" GROUP BY ")
	w.groupByTags(req.Selection)
	return w.statement()
}

// inventoryField is the field every sample of the contract carries.
const inventoryField = "domain_id"

func isAggregate(name string) bool {
	switch name {
	case "mean", "last", "max", "min":
		return true
	}
	return false
}

func durationMillis(d time.Duration) int64 {
	return max(1, d.Milliseconds())
}

// InfluxQLSource reads the measurement with InfluxQL over /query.
type InfluxQLSource struct {
	Client          *Client
	Database        string
	RetentionPolicy string
	Measurement     string
}

// Range implements Source.
func (s *InfluxQLSource) Range(ctx context.Context, req RangeRequest) ([]VMSeries, error) {
	q, err := BuildInfluxQLRange(s.Measurement, req)
	if err != nil {
		return nil, err
	}
	return s.readSeries(ctx, q, req.FieldNames(), req.deviceTag(), 0)
}

// Newest implements Source.
func (s *InfluxQLSource) Newest(ctx context.Context, req NewestRequest) ([]VMSeries, error) {
	q, err := BuildInfluxQLNewest(s.Measurement, req)
	if err != nil {
		return nil, err
	}
	return s.readSeries(ctx, q, req.Fields, req.deviceTag(), req.Count)
}

func (s *InfluxQLSource) readSeries(ctx context.Context, q string, fields []string, deviceTag string, keep int) ([]VMSeries, error) {
	if len(fields) > maxFields {
		return nil, fmt.Errorf("at most %d fields per query", maxFields)
	}
	b := newSeriesBuilder(fields, deviceTag)
	// What a series' rows fill, worked out once per series.
	var (
		current *Series
		vm      *vmColumns
		uuid    string
		// Column i of the answer fills field columnField[i] (-1: not asked for).
		columnField []int
	)
	err := s.Client.EachInfluxQL(ctx, s.Database, s.RetentionPolicy, q, func(series *Series, row []Value) error {
		if series != current {
			current = series
			columnField = make([]int, len(series.Columns))
			for i, name := range series.Columns {
				columnField[i] = -1
				if fi, ok := b.fieldIndex(name); ok && i > 0 {
					columnField[i] = fi
				}
			}
			vm = b.vm(series.Tags[TagVM], series.Tags[TagHost], func(tag string) string { return series.Tags[tag] })
			uuid = series.Tags[TagUUID]
		}
		t, err := row[0].UnixNano()
		if err != nil {
			return err
		}
		vm.seen(uuid, t)
		for i := 1; i < len(row); i++ {
			fi := columnField[i]
			if fi < 0 {
				continue
			}
			if v, ok := row[i].Float(); ok {
				vm.add(fi, t, v)
			} else if text, ok := row[i].Text(); ok {
				b.addText(vm, fi, t, text)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return b.build(keep), nil
}

// Inventory implements Source.
func (s *InfluxQLSource) Inventory(ctx context.Context, req InventoryRequest) ([]VMInfo, error) {
	q, err := BuildInfluxQLInventory(s.Measurement, req)
	if err != nil {
		return nil, err
	}
	answer, err := s.Client.InfluxQL(ctx, s.Database, s.RetentionPolicy, q)
	if err != nil {
		return nil, err
	}
	inventory := newInventory()
	for _, series := range answer {
		for _, row := range series.Values {
			if len(row) == 0 {
				continue
			}
			t, err := row[0].Time()
			if err != nil {
				return nil, err
			}
			inventory.add(VMInfo{Name: series.Tags[TagVM], Host: series.Tags[TagHost], UUID: series.Tags[TagUUID], LastSeen: t})
		}
	}
	return inventory.list(), nil
}
