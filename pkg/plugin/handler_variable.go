package plugin

import (
	"context"
	"fmt"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/vmtelemetry/libvirt-datasource/pkg/influx"
	"github.com/vmtelemetry/libvirt-datasource/pkg/models"
)

// handleVariable answers queryType "variable" with the VMs seen in the
// query's time range (the dashboard's): the sorted, distinct hosts, or the
// VMs as "<host>/<name>", which stays unambiguous when two hosts run VMs of
// one name and which the vms list of a metrics query accepts as it is.
func (d *Datasource) handleVariable(ctx context.Context, qc queryContext, q models.Query) backend.DataResponse {
	vms, err := d.Source.Inventory(ctx, inventoryRequest(influx.Selection{Host: q.Host}, qc.query.TimeRange, time.Now()))
	if err != nil {
		return errorResponse(err)
	}
	values := make([]string, 0, len(vms))
	for _, vm := range vms {
		if q.Variable == models.VariableHost {
			values = append(values, vm.Host)
		} else {
			values = append(values, vm.ID().Ref())
		}
	}
	values = sortedUnique(values)
	if len(values) == 0 {
		where := ""
		if q.Host != "" {
			where = fmt.Sprintf(" on host %q", q.Host)
		}
		return errorResponse(notFoundError{fmt.Errorf("no VM found in measurement %q%s in the time range", d.Settings.Measurement, where)})
	}
	frame := data.NewFrame(q.Variable,
		data.NewField("text", nil, values),
		data.NewField("value", nil, append([]string(nil), values...)),
	)
	return backend.DataResponse{Frames: data.Frames{frame}}
}
