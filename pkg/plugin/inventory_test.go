package plugin

import (
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/vmtelemetry/libvirt-datasource/pkg/influx"
)

// TestInventoryReadsTheRecentWindowWithoutARange: a range that is no range
// (unset, year 1 as a zero time arrives through gRPC, empty, reversed)
// reads the last recentWindow, never from 1970 on; a real range is read as asked.
func TestInventoryReadsTheRecentWindowWithoutARange(t *testing.T) {
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	yearOne := time.UnixMilli(time.Time{}.UnixMilli())
	for name, tr := range map[string]backend.TimeRange{
		"unset":    {},
		"year one": {From: yearOne, To: yearOne},
		"empty":    {From: now, To: now},
		"reversed": {From: now, To: now.Add(-time.Hour)},
		"pre-1970": {From: time.Unix(-1, 0), To: now},
	} {
		got := inventoryRequest(influx.Selection{}, tr, now)
		if !got.From.Equal(now.Add(-recentWindow)) || !got.To.Equal(now) {
			t.Errorf("%s: reads [%s, %s], want the last %s before %s", name, got.From, got.To, recentWindow, now)
		}
	}
	asked := backend.TimeRange{From: now.Add(-72 * time.Hour), To: now.Add(-48 * time.Hour)}
	if got := inventoryRequest(influx.Selection{}, asked, now); !got.From.Equal(asked.From) || !got.To.Equal(asked.To) {
		t.Errorf("a dashboard range reads [%s, %s], want [%s, %s]", got.From, got.To, asked.From, asked.To)
	}
}
