package plugin

import (
	"strings"
	"testing"
)

// TestCheckReadOnlyRefusesWritesAndUnboundedReads: statements that write at
// any depth, and reads with no lower time bound, are refused with the reason.
func TestCheckReadOnlyRefusesWritesAndUnboundedReads(t *testing.T) {
	const timeFilter = `time >= '2026-01-01T00:00:00Z' AND time <= '2026-01-01T01:00:00Z'`
	for _, tc := range []struct {
		statement, wantErr string
	}{
		{`SELECT "cpu_usage_percent" FROM "vm_telemetry" WHERE ` + timeFilter, ""},
		{`SELECT mean("v") FROM (SELECT "cpu_usage_percent" AS "v" FROM "vm_telemetry") WHERE ` + timeFilter, ""},
		{`SELECT * FROM "vm_telemetry" WHERE time > now() - 1h`, ""},
		{`SELECT * INTO "copy" FROM "vm_telemetry" WHERE ` + timeFilter, "INTO"},
		{`SELECT * FROM (SELECT * INTO "copy" FROM "vm_telemetry") WHERE ` + timeFilter, "INTO"},
		{`SELECT * FROM (SELECT * FROM (SELECT * INTO "other"."autogen"."x" FROM "vm_telemetry")) WHERE ` + timeFilter, "INTO"},
		{`DROP MEASUREMENT "vm_telemetry"`, "only hold SELECT"},
		{`SELECT * FROM "vm_telemetry"`, "lower time bound"},
		{`SELECT * FROM "vm_telemetry" WHERE "vm" = 'a'`, "lower time bound"},
		{`SELECT * FROM "vm_telemetry" WHERE time < now()`, "lower time bound"},
		{`SELECT * FROM "vm_telemetry" WHERE ` + timeFilter + `; SELECT * FROM "vm_disk"`, "lower time bound"},
	} {
		err := checkReadOnly(tc.statement)
		switch {
		case tc.wantErr == "" && err != nil:
			t.Errorf("%s: refused: %v", tc.statement, err)
		case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
			t.Errorf("%s: error %v, want one naming %q", tc.statement, err, tc.wantErr)
		}
	}
}
