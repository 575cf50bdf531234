package plugin

import (
	"context"
	"fmt"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/vmtelemetry/libvirt-datasource/pkg/models"
)

// fleetWindow is how far back the fleet table of QueryData looks: a VM
// silent for longer is gone from the fleet; one silent for less is listed,
// stale.
const fleetWindow = 15 * time.Minute

// handleFleet answers queryType "fleet": the fleet frame (FleetFrame) of
// every VM of the host filter now, the same frame the live stream sends.
func (d *Datasource) handleFleet(ctx context.Context, _ queryContext, q models.Query) backend.DataResponse {
	interval := d.Settings.StreamInterval
	if q.LiveIntervalMs > 0 {
		interval = time.Duration(q.LiveIntervalMs) * time.Millisecond
	}
	if interval <= 0 {
		interval = models.DefaultStreamInterval
	}
	frame, err := d.FleetFrame(ctx, q, interval, fleetWindow, time.Now(), nil)
	if err != nil {
		return errorResponse(err)
	}
	if frame.Rows() == 0 {
		return errorResponse(notFoundError{fmt.Errorf("no VM sent a sample in the last %s%s", formatAge(fleetWindow), hostClause(q.Host))})
	}
	return backend.DataResponse{Frames: data.Frames{frame}}
}

func hostClause(host string) string {
	if host == "" {
		return ""
	}
	return fmt.Sprintf(" on host %q", host)
}
