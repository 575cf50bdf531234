package plugin

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/vmtelemetry/libvirt-datasource/pkg/influx"
	"github.com/vmtelemetry/libvirt-datasource/pkg/models"
)

// maxEvents bounds the annotations of one query: more marks than this make
// a panel unreadable and the browser slow.
const maxEvents = 1000

// handleEvents answers queryType "events": the lifecycle events of the
// selected VMs as one frame with the fields Grafana reads annotations from
// (time, timeEnd, title, text, tags). No event is no error: a quiet time
// range has no annotations.
func (d *Datasource) handleEvents(ctx context.Context, qc queryContext, q models.Query) backend.DataResponse {
	events, err := d.Source.Events(ctx, influx.EventRequest{
		Selection: q.Selection(),
		Events:    q.Events,
		From:      qc.query.TimeRange.From,
		To:        qc.query.TimeRange.To,
		Limit:     maxEvents,
	})
	if err != nil {
		return errorResponse(err)
	}
	return backend.DataResponse{Frames: data.Frames{eventFrame(events)}}
}

// eventFrame is one row per event, oldest first. Tags are one
// comma-separated string, which Grafana splits.
func eventFrame(events []influx.Event) *data.Frame {
	n := len(events)
	times := make([]time.Time, n)
	titles := make([]string, n)
	texts := make([]string, n)
	tags := make([]string, n)
	for i, e := range events {
		times[i] = e.Time
		titles[i] = eventTitle(e)
		texts[i] = eventText(e)
		tags[i] = strings.Join([]string{tagSafe(e.VM), tagSafe(e.Host), e.Event}, ",")
	}
	frame := data.NewFrame("events",
		data.NewField("time", nil, times),
		data.NewField("timeEnd", nil, append([]time.Time(nil), times...)),
		data.NewField("title", nil, titles),
		data.NewField("text", nil, texts),
		data.NewField("tags", nil, tags),
	)
	frame.Meta = &data.FrameMeta{DataTopic: data.DataTopicAnnotations}
	return frame
}

// eventTitle names the VM and what happened: "web-1 stopped (destroyed)".
func eventTitle(e influx.Event) string {
	title := e.VM + " " + e.Event
	if e.Detail != "" {
		title += " (" + e.Detail + ")"
	}
	return title
}

// eventText says where it happened, whether libvirt announced it, and what
// it means for the rates beside it.
func eventText(e influx.Event) string {
	text := fmt.Sprintf("VM %s on host %s: %s", e.VM, e.Host, e.Event)
	if e.Detail != "" {
		text += " (" + e.Detail + ")"
	}
	text += "."
	if e.Source == "reconciled" {
		text += " Reconciled: it happened while the exporter's libvirt connection was down, and was found from the VM's state when it reconnected."
	}
	switch e.Event {
	case "started":
		text += " The VM's counters start again from zero: the rates of the first sample after it are null."
	case "rebooted":
		// Measured on real guests: a reset keeps the QEMU process, whose CPU
		// time and device counters go on.
		text += " The guest restarted inside the same QEMU process: its counters go on, rates stay defined."
	case "stopped", "crashed", "undefined":
		text += " No samples while the VM is not running: rates are null across the gap."
	case "suspended":
		text += " A paused VM uses no CPU."
	}
	return text
}

// tagSafe keeps a name from being split into two tags.
func tagSafe(name string) string { return strings.ReplaceAll(name, ",", " ") }
