package plugin

import (
	"context"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/vmtelemetry/libvirt-datasource/pkg/influx"
	"github.com/vmtelemetry/libvirt-datasource/pkg/models"
)

// LatestFrames reads the newest two points of each VM the query selects and
// returns one frame per VM holding only the newest sample, with the same
// fields as the range query (rates from the step between the two points,
// nulls where the contract says null). The live stream pushes these.
// interval is the stream's interval; the automatic gap limit derives from it.
func (d *Datasource) LatestFrames(ctx context.Context, q models.Query, interval time.Duration) (data.Frames, error) {
	if d.SettingsErr != nil {
		return nil, userError{d.SettingsErr}
	}
	series, err := d.Source.Newest(ctx, influx.NewestRequest{Selection: q.Selection(), Fields: q.Metrics, Count: 2})
	if err != nil {
		return nil, err
	}
	gapLimit := q.GapLimit(interval)
	frames := make(data.Frames, 0, len(series))
	for _, s := range series {
		frame := vmFrame(s, q, gapLimit)
		// Keep only the newest row: the stream sends one sample per interval.
		for n := frame.Rows(); n > 1; n-- {
			frame.DeleteRow(0)
		}
		frames = append(frames, frame)
	}
	return frames, nil
}
