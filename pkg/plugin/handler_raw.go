package plugin

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/influxdata/influxql"

	"github.com/vmtelemetry/libvirt-datasource/pkg/influx"
	"github.com/vmtelemetry/libvirt-datasource/pkg/models"
)

// handleRaw answers queryType "raw": the user's InfluxQL over /query (GET,
// so InfluxDB refuses statements that write), one wide frame per series,
// with _rate for every numeric column and _per_second for byte counters.
func (d *Datasource) handleRaw(ctx context.Context, qc queryContext, q models.Query) backend.DataResponse {
	statement, err := expandMacros(q.RawQuery, qc.query.TimeRange, qc.query.Interval)
	if err != nil {
		return errorResponse(err)
	}
	if err := checkReadOnly(statement); err != nil {
		return errorResponse(userError{err})
	}
	answer, err := d.Client.InfluxQL(ctx, d.Settings.Database, d.Settings.RetentionPolicy, statement)
	if err != nil {
		return errorResponse(err)
	}
	if len(answer) == 0 {
		return errorResponse(notFoundError{fmt.Errorf("the raw query returned no series: %s", statement)})
	}
	gapLimit := q.GapLimit(qc.query.Interval)
	var response backend.DataResponse
	for _, series := range answer {
		frame, err := rawFrame(series, q, gapLimit)
		if err != nil {
			return errorResponse(err)
		}
		if qc.fromAlert {
			response.Frames = append(response.Frames, alertingFrames(frame)...)
		} else {
			response.Frames = append(response.Frames, frame)
		}
	}
	return response
}

// expandMacros replaces $timeFilter and $__interval, written from Go values
// through the quoting layer, never from user text.
func expandMacros(statement string, tr backend.TimeRange, interval time.Duration) (string, error) {
	from, err := influx.QuoteString(tr.From.UTC().Format(time.RFC3339Nano))
	if err != nil {
		return "", err
	}
	to, err := influx.QuoteString(tr.To.UTC().Format(time.RFC3339Nano))
	if err != nil {
		return "", err
	}
	return strings.NewReplacer(
		"$timeFilter", "time >= "+from+" AND time <= "+to,
		"$__interval", fmt.Sprintf("%dms", max(1, interval.Milliseconds())),
	).Replace(statement), nil
}

// checkReadOnly parses the user's InfluxQL and accepts only SELECT
// statements without INTO, at any depth of subqueries: InfluxDB 1.x runs
// DROP, DELETE and the like even over GET, so the data source must refuse
// them itself. Each statement must also bound time from below ($timeFilter
// or a time condition), so that no raw query reads the whole history.
func checkReadOnly(statement string) error {
	parsed, err := influxql.ParseQuery(statement)
	if err != nil {
		return fmt.Errorf("rawQuery is not valid InfluxQL: %v", err)
	}
	for _, stmt := range parsed.Statements {
		sel, ok := stmt.(*influxql.SelectStatement)
		if !ok {
			return fmt.Errorf("rawQuery may only hold SELECT statements, not %q", stmt.String())
		}
		if err := refuseInto(sel); err != nil {
			return err
		}
		_, timeRange, err := influxql.ConditionExpr(sel.Condition, &influxql.NowValuer{Now: time.Now()})
		if err != nil {
			return fmt.Errorf("rawQuery has a WHERE clause InfluxDB cannot use: %v", err)
		}
		if timeRange.Min.IsZero() {
			return fmt.Errorf("rawQuery reads without a lower time bound: add WHERE $timeFilter (or time > …) to %q", stmt.String())
		}
	}
	return nil
}

// refuseInto refuses SELECT … INTO in a statement and in its subqueries.
func refuseInto(sel *influxql.SelectStatement) error {
	if sel.Target != nil {
		return fmt.Errorf("rawQuery may not write with SELECT … INTO: %q", sel.String())
	}
	for _, source := range sel.Sources {
		if sub, ok := source.(*influxql.SubQuery); ok {
			if err := refuseInto(sub.Statement); err != nil {
				return err
			}
		}
	}
	return nil
}

// rawFrame turns one InfluxQL series into a wide frame with ascending time.
func rawFrame(series influx.Series, q models.Query, gapLimit time.Duration) (*data.Frame, error) {
	if len(series.Columns) == 0 || series.Columns[0] != "time" {
		return nil, userError{fmt.Errorf("series %q has no time column first (columns %q): raw queries must return time series", series.Name, series.Columns)}
	}
	order := make([]int, len(series.Values))
	times := make([]time.Time, len(series.Values))
	for i, row := range series.Values {
		if len(row) != len(series.Columns) {
			return nil, &influx.Error{Kind: influx.ErrBadResponse, Message: "InfluxQL answer has a row that does not match its columns"}
		}
		t, err := row[0].Time()
		if err != nil {
			return nil, err
		}
		order[i], times[i] = i, t
	}
	sort.SliceStable(order, func(a, b int) bool { return times[order[a]].Before(times[order[b]]) })
	sortedTimes := make([]time.Time, len(order))
	for i, idx := range order {
		sortedTimes[i] = times[idx]
	}

	labels := data.Labels(series.Tags).Copy()
	name := series.Name
	if vm, ok := series.Tags[influx.TagVM]; ok {
		name = vm
	}
	frame := data.NewFrame(name, data.NewField(timeFieldName, nil, sortedTimes))
	frame.Meta = timeSeriesWideMeta()
	cells := newFrameCells(rateFieldCount(q, series.Columns[1:]), len(sortedTimes))
	for col := 1; col < len(series.Columns); col++ {
		column := series.Columns[col]
		values, numeric := numericColumn(series.Values, order, col)
		if !numeric {
			frame.Meta.Notices = append(frame.Meta.Notices, data.Notice{
				Severity: data.NoticeSeverityInfo,
				Text:     fmt.Sprintf("column %q is not numeric and is left out of the time series", column),
			})
			continue
		}
		appendOutputs(frame, cells, column, labels, sortedTimes, values, 0, q, gapLimit)
	}
	if valueFieldCount(frame) == 0 {
		return nil, userError{fmt.Errorf("series %q has no numeric column", series.Name)}
	}
	return frame, nil
}

// numericColumn reads a column in the given row order; it is numeric when
// every non-null cell is a number.
func numericColumn(rows [][]influx.Value, order []int, col int) ([]*float64, bool) {
	backing := make([]float64, len(order))
	values := make([]*float64, len(order))
	for i, idx := range order {
		cell := rows[idx][col]
		if cell.IsNull() {
			continue
		}
		v, ok := cell.Float()
		if !ok {
			return nil, false
		}
		backing[i] = v
		values[i] = &backing[i]
	}
	return values, true
}
