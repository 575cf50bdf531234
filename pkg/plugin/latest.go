package plugin

import (
	"context"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/vmtelemetry/libvirt-datasource/pkg/influx"
	"github.com/vmtelemetry/libvirt-datasource/pkg/models"
)

// LatestFrames reads the newest points of each VM the query selects and
// returns one frame per VM holding only the newest sample, with the same
// fields as the range query (rates from the step between the newest two
// points, or over the query's rate window, nulls where the contract says
// null). The live stream pushes these.
// interval is the stream's interval; the automatic gap limit derives from it.
// Only points newer than now − max(1 min, 2 × gap limit) are read, so that a
// stream polling every second never scans the whole history; a VM silent for
// longer has no frame.
func (d *Datasource) LatestFrames(ctx context.Context, q models.Query, interval time.Duration, now time.Time) (data.Frames, error) {
	if d.SettingsErr != nil {
		return nil, userError{d.SettingsErr}
	}
	gapLimit := q.GapLimit(interval)
	since := now.Add(-latestWindow(gapLimit))
	var series []influx.VMSeries
	var err error
	if start := readStart(since, q, 0); start.Before(since) {
		series, err = d.Source.Range(ctx, influx.RangeRequest{Selection: q.Selection(), Fields: rawFields(q.Metrics), From: start, To: now})
	} else {
		series, err = d.Source.Newest(ctx, influx.NewestRequest{Selection: q.Selection(), Fields: q.Metrics, Count: 2, Since: since})
	}
	if err != nil {
		return nil, err
	}
	frames := make(data.Frames, 0, len(series))
	for _, s := range series {
		frame := vmFrame(s, q, gapLimit, time.Time{})
		// Keep only the newest row: the stream sends one sample per interval.
		for n := frame.Rows(); n > 1; n-- {
			frame.DeleteRow(0)
		}
		frames = append(frames, frame)
	}
	return frames, nil
}

// latestWindow is how far back LatestFrames looks: older points would give
// a null rate anyway.
func latestWindow(gapLimit time.Duration) time.Duration {
	return max(time.Minute, 2*gapLimit)
}

// rawFields lists fields to read as raw points (no aggregate).
func rawFields(names []string) []influx.Field {
	fields := make([]influx.Field, len(names))
	for i, name := range names {
		fields[i] = influx.Field{Name: name}
	}
	return fields
}
