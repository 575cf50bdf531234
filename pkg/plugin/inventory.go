package plugin

import (
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/vmtelemetry/libvirt-datasource/pkg/influx"
)

// recentWindow is the window of an inventory asked without a time range
// (the query editor's VM picker, a variable query sent without one): VMs
// seen in the last hour. A bounded window keeps the read to the newest
// shards, so it costs the same on a day or a year of data.
const recentWindow = time.Hour

// inventoryRequest lists the VMs of sel seen in tr, or in the recent window
// before now when tr is unset or no range at all: empty, reversed, or
// starting before 1970 (a zero time.Time arrives through gRPC as year 1,
// which Flux would read from 1970 on).
func inventoryRequest(sel influx.Selection, tr backend.TimeRange, now time.Time) influx.InventoryRequest {
	if tr.From.Before(earliestTime) || !tr.To.After(tr.From) {
		return influx.InventoryRequest{Selection: sel, From: now.Add(-recentWindow), To: now}
	}
	return influx.InventoryRequest{Selection: sel, From: tr.From, To: tr.To}
}
