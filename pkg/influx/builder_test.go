package influx

import (
	"regexp"
	"strings"
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

// fluxSkeleton replaces every string literal of a Flux script by "S" and
// returns the skeleton and the literals' values, read as Flux reads them.
func fluxSkeleton(t *testing.T, script string) (string, []string) {
	t.Helper()
	var skeleton strings.Builder
	var literals []string
	for rest := script; rest != ""; {
		i := strings.IndexByte(rest, '"')
		if i < 0 {
			skeleton.WriteString(rest)
			break
		}
		skeleton.WriteString(rest[:i])
		var value string
		value, rest = readFluxString(t, rest[i:])
		literals = append(literals, value)
		skeleton.WriteString("S")
	}
	return skeleton.String(), literals
}

// checkFluxQueries builds the Flux scripts from arbitrary names and checks
// that their code is the code of a benign input and that each string
// literal reads back as the value that was put in.
func checkFluxQueries(t *testing.T, vm, pattern, host string) {
	benignHost, benignRef := "", "x"
	id := ParseVMRef(vm)
	wantLiterals := []string{"b", "m", "f", id.Name}
	if id.Host != "" {
		benignRef = "h/x"
		wantLiterals = append(wantLiterals, id.Host)
	}
	if host != "" {
		benignHost = "h"
		wantLiterals = append(wantLiterals, host)
	}
	benignList, _ := fluxSkeleton(t, mustFlux(t)(BuildFluxRange("b", "m", RangeRequest{Selection: Selection{VMs: []string{benignRef}, Host: benignHost}, From: testFrom, To: testTo, Fields: []Field{{Name: "f"}}})))
	script := mustFlux(t)(BuildFluxRange("b", "m", RangeRequest{Selection: Selection{VMs: []string{vm}, Host: host}, From: testFrom, To: testTo, Fields: []Field{{Name: "f"}}}))
	skeleton, literals := fluxSkeleton(t, script)
	if skeleton != benignList {
		t.Fatalf("script for vm %q host %q has other code than a benign one:\n%s", vm, host, script)
	}
	if want := append(wantLiterals, keptColumns...); strings.Join(literals, "\x00") != strings.Join(want, "\x00") {
		t.Fatalf("script literals %q, want %q", literals, want)
	}
	if ValidateRegex(pattern) != nil {
		return
	}
	benignRegex, _ := fluxSkeleton(t, mustFlux(t)(BuildFluxNewest("b", "m", NewestRequest{Selection: Selection{VMRegex: "x"}, Fields: []string{"f"}, Count: 2})))
	script = mustFlux(t)(BuildFluxNewest("b", "m", NewestRequest{Selection: Selection{VMRegex: pattern}, Fields: []string{"f"}, Count: 2}))
	skeleton, literals = fluxSkeleton(t, script)
	if skeleton != benignRegex {
		t.Fatalf("script for regex %q has other code than a benign one:\n%s", pattern, script)
	}
	if want := append([]string{"regexp", "(?:" + pattern + ")", "b", "m", "f"}, keptColumns...); strings.Join(literals, "\x00") != strings.Join(want, "\x00") {
		t.Fatalf("script literals %q, want %q", literals, want)
	}
}

// keptColumns are the literals of the keep() every script ends with.
var keptColumns = []string{"_time", "_value", "_field", "vm", "host", "uuid"}

// mustFlux fails the test when building a script failed.
func mustFlux(t *testing.T) func(string, error) string {
	return func(script string, err error) string {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return script
	}
}

// TestFluxQualifiedReference: "<host>/<name>" selects the name on that
// host only, with both values as literals.
func TestFluxQualifiedReference(t *testing.T) {
	for _, host := range hostileValues[1:] { // [0] is "": "/web" names web on any host
		if strings.Contains(host, "/") {
			continue // a host name holds no "/" (docs/CONTRACT.md)
		}
		script := mustFlux(t)(BuildFluxRange("b", "m", RangeRequest{Selection: Selection{VMs: []string{host + "/web", "db"}}, From: testFrom, To: testTo, Fields: []Field{{Name: "f"}}}))
		skeleton, literals := fluxSkeleton(t, script)
		if !strings.Contains(skeleton, "(r.vm == S and r.host == S) or r.vm == S") {
			t.Fatalf("script for %q does not pair name and host:\n%s", host, script)
		}
		if want := append([]string{"b", "m", "f", "web", host, "db"}, keptColumns...); strings.Join(literals, "\x00") != strings.Join(want, "\x00") {
			t.Fatalf("script literals %q, want %q", literals, want)
		}
	}
}

func TestFluxQueryStructure(t *testing.T) {
	for _, v := range hostileValues {
		checkFluxQueries(t, v, "^"+v+"$", v)
	}
}

func FuzzFluxQueries(f *testing.F) {
	for _, v := range hostileValues {
		f.Add(v, "^"+v+"$", v)
	}
	f.Fuzz(checkFluxQueries)
}
