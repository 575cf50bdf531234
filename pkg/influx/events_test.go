package influx

import (
	"testing"

	"github.com/influxdata/influxql"
)

// TestInfluxQLEventsQuery: names and event filters stay values, whatever
// they hold; the statement parses with InfluxQL's own parser.
func TestInfluxQLEventsQuery(t *testing.T) {
	q, err := BuildInfluxQLEvents(EventRequest{Selection: Selection{VMs: []string{"one-71"}, Host: "kvm1"}, Events: []string{"started", "rebooted"}, From: testFrom, To: testTo, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	want := `SELECT "source", "detail" FROM "vm_event" WHERE time >= '2025-12-04T10:00:00Z' AND time <= '2025-12-04T11:00:00Z' AND ("vm" = 'one-71') AND "host" = 'kvm1' AND ("event" = 'started' OR "event" = 'rebooted') GROUP BY "vm", "host", "uuid", "event" ORDER BY time DESC LIMIT 1000`
	if q != want {
		t.Errorf("events query\n%s\nwant\n%s", q, want)
	}
	for _, v := range hostileValues {
		q, err := BuildInfluxQLEvents(EventRequest{Selection: Selection{VMs: []string{v}, Host: v}, Events: []string{v}, From: testFrom, To: testTo})
		if err != nil {
			if influxQLCannotCarry(v) {
				continue
			}
			t.Fatalf("%q: %v", v, err)
		}
		stmt := parseSelect(t, q)
		if got := stmt.Condition.String(); got == "" || len(stmt.Dimensions) != 4 || len(stmt.Fields) != 2 {
			t.Fatalf("%q: statement %q has the wrong shape", v, q)
		}
		eventIs := &influxql.BinaryExpr{Op: influxql.EQ, LHS: &influxql.VarRef{Val: "event"}, RHS: &influxql.StringLiteral{Val: v}}
		want := (&influxql.BinaryExpr{Op: influxql.AND, LHS: expectedCondition([]string{v}, "", v), RHS: &influxql.ParenExpr{Expr: eventIs}}).String()
		if got := stmt.Condition.String(); got != want {
			t.Fatalf("value %q\nWHERE %s\nwant  %s", v, got, want)
		}
	}
}

// TestFluxEventsQuery: every name is one string literal with the value put
// in; the code around them is the code of a benign query.
func TestFluxEventsQuery(t *testing.T) {
	benign, _ := fluxSkeleton(t, mustFlux(t)(BuildFluxEvents("b", EventRequest{Selection: Selection{VMs: []string{"x"}, Host: "h"}, Events: []string{"e"}, From: testFrom, To: testTo, Limit: 5})))
	for _, v := range hostileValues {
		if v == "" {
			continue // no host: no host filter
		}
		// VM references are the shared selection's (tested with it); here the host and event filters.
		script := mustFlux(t)(BuildFluxEvents("b", EventRequest{Selection: Selection{VMs: []string{"x"}, Host: v}, Events: []string{v}, From: testFrom, To: testTo, Limit: 5}))
		skeleton, literals := fluxSkeleton(t, script)
		if skeleton != benign {
			t.Fatalf("value %q changed the code:\n%s\nwant\n%s", v, skeleton, benign)
		}
		want := []string{"b", "vm_event", "source", "detail", "x", v, v}
		if len(literals) < len(want) {
			t.Fatalf("literals %q", literals)
		}
		for i, w := range want {
			if literals[i] != w {
				t.Fatalf("literal %d = %q, want %q (script %s)", i, literals[i], w, script)
			}
		}
	}
}
