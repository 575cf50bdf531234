package influx

import (
	"regexp"
	"testing"
	"time"

	"github.com/influxdata/influxql"
)

var (
	testFrom = time.Date(2025, 12, 4, 10, 0, 0, 0, time.UTC)
	testTo   = testFrom.Add(time.Hour)
)

// expectedCondition builds, as an AST, the WHERE clause a range query must
// have: only the values differ between inputs, never the structure.
func expectedCondition(vms []string, pattern, host string) influxql.Expr {
	and := func(l, r influxql.Expr) influxql.Expr {
		if l == nil {
			return r
		}
		return &influxql.BinaryExpr{Op: influxql.AND, LHS: l, RHS: r}
	}
	cond := and(
		&influxql.BinaryExpr{Op: influxql.GTE, LHS: &influxql.VarRef{Val: "time"}, RHS: &influxql.StringLiteral{Val: testFrom.Format(time.RFC3339Nano)}},
		&influxql.BinaryExpr{Op: influxql.LTE, LHS: &influxql.VarRef{Val: "time"}, RHS: &influxql.StringLiteral{Val: testTo.Format(time.RFC3339Nano)}},
	)
	if len(vms) > 0 {
		var list influxql.Expr
		for _, ref := range vms {
			id := ParseVMRef(ref)
			var eq influxql.Expr = &influxql.BinaryExpr{Op: influxql.EQ, LHS: &influxql.VarRef{Val: "vm"}, RHS: &influxql.StringLiteral{Val: id.Name}}
			if id.Host != "" {
				eq = &influxql.ParenExpr{Expr: &influxql.BinaryExpr{Op: influxql.AND, LHS: eq,
					RHS: &influxql.BinaryExpr{Op: influxql.EQ, LHS: &influxql.VarRef{Val: "host"}, RHS: &influxql.StringLiteral{Val: id.Host}}}}
			}
			if list == nil {
				list = eq
			} else {
				list = &influxql.BinaryExpr{Op: influxql.OR, LHS: list, RHS: eq}
			}
		}
		cond = and(cond, &influxql.ParenExpr{Expr: list})
	} else if pattern != "" {
		re := &influxql.RegexLiteral{Val: regexp.MustCompile("(?:" + pattern + ")")}
		cond = and(cond, &influxql.BinaryExpr{Op: influxql.EQREGEX, LHS: &influxql.VarRef{Val: "vm"}, RHS: re})
	}
	if host != "" {
		cond = and(cond, &influxql.BinaryExpr{Op: influxql.EQ, LHS: &influxql.VarRef{Val: "host"}, RHS: &influxql.StringLiteral{Val: host}})
	}
	return cond
}

// checkRangeQuery builds a range query from arbitrary VM names, pattern and
// host, parses it back with InfluxQL's own parser and compares its WHERE
// clause with the AST it must have.
func checkRangeQuery(t *testing.T, vm1, vm2, pattern, host string) {
	for _, sel := range []Selection{{VMs: []string{vm1, vm2}, Host: host}, {VMRegex: pattern, Host: host}} {
		for _, interval := range []time.Duration{0, 10 * time.Second} {
			req := RangeRequest{Selection: sel, From: testFrom, To: testTo, Interval: interval,
				Fields: []Field{{Name: "cpu_usage_percent", Aggregate: "mean"}, {Name: "disk_read_bytes", Aggregate: "last"}}}
			q, err := BuildInfluxQLRange("vm_telemetry", req)
			if err != nil {
				if influxQLCannotCarry(vm1) || influxQLCannotCarry(vm2) || influxQLCannotCarry(host) || (sel.VMRegex != "" && ValidateRegex(pattern) != nil) {
					continue // refused, as it must be
				}
				t.Fatalf("BuildInfluxQLRange(%+v): %v", sel, err)
			}
			stmt := parseSelect(t, q)
			want := expectedCondition(sel.VMs, sel.VMRegex, sel.Host)
			if stmt.Condition.String() != want.String() {
				t.Fatalf("query %q\nhas WHERE %s\nwant      %s", q, stmt.Condition, want)
			}
			if len(stmt.Fields) != 2 || len(stmt.Dimensions) != 3+boolInt(interval > 0) {
				t.Fatalf("query %q: %d fields and %d dimensions", q, len(stmt.Fields), len(stmt.Dimensions))
			}
		}
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func TestInfluxQLRangeQueryStructure(t *testing.T) {
	for _, v := range hostileValues {
		checkRangeQuery(t, v, "one-72", "^"+v+"$", v)
		checkRangeQuery(t, v+"/one-71", "kvm2/"+v, "^"+v+"$", v)
	}
	q, err := BuildInfluxQLRange("vm_telemetry", RangeRequest{From: testFrom, To: testTo, Interval: 10 * time.Second,
		Fields: []Field{{Name: "cpu_usage_percent", Aggregate: "mean"}}})
	if err != nil {
		t.Fatal(err)
	}
	want := `SELECT mean("cpu_usage_percent") AS "cpu_usage_percent" FROM "vm_telemetry" WHERE time >= '2025-12-04T10:00:00Z' AND time <= '2025-12-04T11:00:00Z' GROUP BY time(10000ms), "vm", "host", "uuid" fill(none)`
	if q != want {
		t.Errorf("aggregated query\n%s\nwant\n%s", q, want)
	}
}

func FuzzInfluxQLRangeQuery(f *testing.F) {
	for _, v := range hostileValues {
		f.Add(v, "one-72", "^"+v+"$", v)
	}
	f.Fuzz(checkRangeQuery)
}
