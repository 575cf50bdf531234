package plugin

import (
	"context"
	"fmt"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/vmtelemetry/libvirt-datasource/pkg/influx"
	"github.com/vmtelemetry/libvirt-datasource/pkg/models"
)

// handleVariable answers queryType "variable": the sorted, distinct VM
// names or hosts as a frame of text and value.
func (d *Datasource) handleVariable(ctx context.Context, _ queryContext, q models.Query) backend.DataResponse {
	vms, err := d.Source.Inventory(ctx, influx.Selection{Host: q.Host})
	if err != nil {
		return errorResponse(err)
	}
	values := make([]string, 0, len(vms))
	for _, vm := range vms {
		if q.Variable == models.VariableHost {
			values = append(values, vm.Host)
		} else {
			values = append(values, vm.Name)
		}
	}
	values = sortedUnique(values)
	if len(values) == 0 {
		where := ""
		if q.Host != "" {
			where = fmt.Sprintf(" on host %q", q.Host)
		}
		return errorResponse(notFoundError{fmt.Errorf("no VM found in measurement %q%s", d.Settings.Measurement, where)})
	}
	frame := data.NewFrame(q.Variable,
		data.NewField("text", nil, values),
		data.NewField("value", nil, append([]string(nil), values...)),
	)
	return backend.DataResponse{Frames: data.Frames{frame}}
}
