package influx

import (
	"context"
	"fmt"
	"sort"
	"time"
)

// The lifecycle events of docs/CONTRACT.md: measurement vm_event, tags vm,
// uuid, host and event, string fields source and detail.
const (
	EventMeasurement = "vm_event"
	TagEvent         = "event"
	FieldSource      = "source"
	FieldDetail      = "detail"
)

// EventRequest reads the events of the selected VMs in [From, To], of the
// named event types (all when Events is empty), at most Limit of them
// (the newest; 0: no limit).
type EventRequest struct {
	Selection
	Events   []string
	From, To time.Time
	Limit    int
}

// Event is one stored lifecycle event.
type Event struct {
	Time   time.Time
	VM     string
	Host   string
	UUID   string
	Event  string
	Detail string
	// Source is "libvirt", or "reconciled" for an event derived after a reconnect.
	Source string
}

// BuildInfluxQLEvents writes the SELECT of an EventRequest: one series per
// vm/host/uuid/event, newest first so LIMIT keeps the newest.
func BuildInfluxQLEvents(req EventRequest) (string, error) {
	w := &influxQLWriter{}
	w.keyword("SELECT ")
	w.ident(FieldSource)
	w.keyword(", ")
	w.ident(FieldDetail)
	w.keyword(" FROM ")
	w.ident(EventMeasurement)
	w.where(req.From, req.To, req.Selection)
	if len(req.Events) > 0 {
		w.keyword(" AND (")
		for i, event := range req.Events {
			if i > 0 {
				w.keyword(" OR ")
			}
			w.ident(TagEvent)
			w.keyword(" = ")
			w.str(event)
		}
		w.keyword(")")
	}
	w.keyword(" GROUP BY ")
	w.groupByTags(Selection{})
	w.keyword(", ")
	w.ident(TagEvent)
	w.keyword(" ORDER BY time DESC")
	if req.Limit > 0 {
		w.keyword(fmt.Sprintf(" LIMIT %d", req.Limit))
	}
	return w.statement()
}

// BuildFluxEvents writes the Flux of an EventRequest: source and detail
// pivoted into one row per event, newest first.
func BuildFluxEvents(bucket string, req EventRequest) (string, error) {
	w := &fluxWriter{}
	if err := w.prelude(req.Selection); err != nil {
		return "", err
	}
	w.source(bucket, EventMeasurement, req.From, req.To, []string{FieldSource, FieldDetail}, req.Selection)
	if len(req.Events) > 0 {
		w.code("\n  |> filter(fn: (r) => ")
		for i, event := range req.Events {
			if i > 0 {
				w.code(" or ")
			}
			w.code("r.event == ")
			w.str(event)
		}
		w.code(")")
	}
	w.code("\n  |> pivot(rowKey: [\"_time\"], columnKey: [\"_field\"], valueColumn: \"_value\")")
	w.code("\n  |> group()\n  |> sort(columns: [\"_time\"], desc: true)")
	if req.Limit > 0 {
		w.code(fmt.Sprintf("\n  |> limit(n: %d)", req.Limit))
	}
	w.code("\n  |> keep(columns: [\"_time\", \"vm\", \"host\", \"uuid\", \"event\", \"source\", \"detail\"])")
	return w.b.String(), nil
}

// Events implements Source.
func (s *InfluxQLSource) Events(ctx context.Context, req EventRequest) ([]Event, error) {
	q, err := BuildInfluxQLEvents(req)
	if err != nil {
		return nil, err
	}
	answer, err := s.Client.InfluxQL(ctx, s.Database, s.RetentionPolicy, q)
	if err != nil {
		return nil, err
	}
	var events []Event
	for _, series := range answer {
		column := map[string]int{}
		for i, name := range series.Columns {
			column[name] = i
		}
		for _, row := range series.Values {
			if len(row) != len(series.Columns) || len(row) == 0 {
				return nil, &Error{Kind: ErrBadResponse, Message: "InfluxQL answer has a row that does not match its columns"}
			}
			t, err := row[0].Time()
			if err != nil {
				return nil, err
			}
			cell := func(name string) string {
				if i, ok := column[name]; ok {
					text, _ := row[i].Text()
					return text
				}
				return ""
			}
			events = append(events, Event{
				Time: t, VM: series.Tags[TagVM], Host: series.Tags[TagHost], UUID: series.Tags[TagUUID],
				Event: series.Tags[TagEvent], Source: cell(FieldSource), Detail: cell(FieldDetail),
			})
		}
	}
	return sortedEvents(events, req.Limit), nil
}

// Events implements Source.
func (s *FluxSource) Events(ctx context.Context, req EventRequest) ([]Event, error) {
	q, err := BuildFluxEvents(s.Bucket, req)
	if err != nil {
		return nil, err
	}
	var events []Event
	err = s.Client.Flux(ctx, s.Organization, q, func(row FluxRow) error {
		t, err := fluxTime(row)
		if err != nil {
			return err
		}
		events = append(events, Event{
			Time: t, VM: row.Get(TagVM), Host: row.Get(TagHost), UUID: row.Get(TagUUID),
			Event: row.Get(TagEvent), Source: row.Get(FieldSource), Detail: row.Get(FieldDetail),
		})
		return nil
	})
	if err != nil {
		return nil, err
	}
	return sortedEvents(events, req.Limit), nil
}

// sortedEvents orders events by time (then VM, for a stable answer) and
// keeps the newest limit of them: InfluxQL limits per series, not overall.
func sortedEvents(events []Event, limit int) []Event {
	sort.SliceStable(events, func(i, j int) bool {
		if !events[i].Time.Equal(events[j].Time) {
			return events[i].Time.Before(events[j].Time)
		}
		return events[i].VM < events[j].VM
	})
	if limit > 0 && len(events) > limit {
		events = events[len(events)-limit:]
	}
	return events
}
