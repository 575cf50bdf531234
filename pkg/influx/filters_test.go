package influx

import (
	"strings"
	"testing"

	"github.com/influxdata/influxql"
)

// TestInfluxQLAdHocFilters: an ad hoc filter is one condition whatever its
// value; a bad operator is refused, never written.
func TestInfluxQLAdHocFilters(t *testing.T) {
	for _, v := range hostileValues {
		for _, op := range []string{"=", "!=", "=~", "!~"} {
			sel := Selection{Filters: []TagFilter{{Key: "host", Operator: op, Value: v}}}
			q, err := BuildInfluxQLRange("vm_telemetry", RangeRequest{Selection: sel, From: testFrom, To: testTo, Fields: []Field{{Name: "cpu_usage_percent"}}})
			if err != nil {
				if influxQLCannotCarry(v) || (op == "=~" || op == "!~") && ValidateRegex(v) != nil {
					continue
				}
				t.Fatalf("%s %q: %v", op, v, err)
			}
			stmt := parseSelect(t, q)
			and, ok := stmt.Condition.(*influxql.BinaryExpr)
			if !ok || and.Op != influxql.AND {
				t.Fatalf("%s %q: condition %s", op, v, stmt.Condition)
			}
			cond, ok := and.RHS.(*influxql.BinaryExpr)
			if !ok || cond.LHS.String() != "host" {
				t.Fatalf("%s %q: filter condition %s", op, v, and.RHS)
			}
			switch rhs := cond.RHS.(type) {
			case *influxql.StringLiteral:
				if rhs.Val != v || cond.Op.String() != op {
					t.Fatalf("%s %q: got %s %q", op, v, cond.Op, rhs.Val)
				}
			case *influxql.RegexLiteral:
				if rhs.Val.String() != "(?:"+v+")" {
					t.Fatalf("%s %q: pattern %s", op, v, rhs.Val)
				}
			default:
				t.Fatalf("%s %q: right side %T", op, v, cond.RHS)
			}
		}
	}
	_, err := BuildInfluxQLRange("vm_telemetry", RangeRequest{Selection: Selection{Filters: []TagFilter{{Key: "vm", Operator: "= 'a' OR 1=1 --", Value: "x"}}}, From: testFrom, To: testTo, Fields: []Field{{Name: "f"}}})
	if err == nil || !strings.Contains(err.Error(), "is not one of") {
		t.Errorf("bad operator: %v", err)
	}
}

// TestFluxAdHocFilters: keys and values are string literals; patterns are
// compiled in the prelude; the code is that of a benign filter.
func TestFluxAdHocFilters(t *testing.T) {
	build := func(key, op, value string) string {
		sel := Selection{Filters: []TagFilter{{Key: key, Operator: op, Value: value}}}
		return mustFlux(t)(BuildFluxRange("b", nil, "m", RangeRequest{Selection: sel, From: testFrom, To: testTo, Fields: []Field{{Name: "f"}}}))
	}
	for _, op := range []string{"=", "!=", "=~", "!~"} {
		benign, _ := fluxSkeleton(t, build("host", op, "x"))
		for _, v := range hostileValues {
			if (op == "=~" || op == "!~") && ValidateRegex(v) != nil {
				continue
			}
			skeleton, literals := fluxSkeleton(t, build(v, op, v))
			if skeleton != benign {
				t.Fatalf("%s %q changed the code:\n%s\nwant\n%s", op, v, skeleton, benign)
			}
			found := false
			for _, l := range literals {
				found = found || l == v || l == "(?:"+v+")"
			}
			if !found {
				t.Fatalf("%s %q: literals %q", op, v, literals)
			}
		}
	}
	if _, err := BuildFluxRange("b", nil, "m", RangeRequest{Selection: Selection{Filters: []TagFilter{{Key: "vm", Operator: "<", Value: "x"}}}, From: testFrom, To: testTo, Fields: []Field{{Name: "f"}}}); err == nil {
		t.Error("operator < accepted")
	}
}

// TestDeviceSelection: a device selection reads its measurement, groups by
// its tag and keeps each device name as one string, in InfluxQL and Flux.
func TestDeviceSelection(t *testing.T) {
	devices := func(names ...string) Selection {
		return Selection{Devices: &DeviceSelection{Measurement: "vm_disk", Tag: "device", Names: names}}
	}
	benign := mustFlux(t)(BuildFluxRange("b", nil, "vm_telemetry", RangeRequest{Selection: devices("vda"), From: testFrom, To: testTo, Fields: []Field{{Name: "read_bytes"}}}))
	benignSkeleton, literals := fluxSkeleton(t, benign)
	if !strings.Contains(strings.Join(literals, "|"), "vm_disk|read_bytes|device|vda|") || !strings.Contains(benign, `"uuid", "device"])`) {
		t.Fatalf("Flux of a device selection:\n%s", benign)
	}
	for _, v := range hostileValues {
		q, err := BuildInfluxQLRange("vm_telemetry", RangeRequest{Selection: devices(v), From: testFrom, To: testTo, Fields: []Field{{Name: "read_bytes"}}})
		if err != nil {
			if influxQLCannotCarry(v) {
				continue
			}
			t.Fatalf("%q: %v", v, err)
		}
		stmt := parseSelect(t, q)
		if got := stmt.Sources.String(); got != "vm_disk" {
			t.Fatalf("%q: reads %s", v, got)
		}
		if dims := stmt.Dimensions.String(); dims != "vm, host, uuid, device" {
			t.Fatalf("%q: GROUP BY %s", v, dims)
		}
		and := stmt.Condition.(*influxql.BinaryExpr)
		cond, ok := and.RHS.(*influxql.ParenExpr).Expr.(*influxql.BinaryExpr)
		if !ok || cond.LHS.String() != "device" || cond.RHS.(*influxql.StringLiteral).Val != v {
			t.Fatalf("%q: device condition %s", v, and.RHS)
		}
		skeleton, _ := fluxSkeleton(t, mustFlux(t)(BuildFluxRange("b", nil, "vm_telemetry", RangeRequest{Selection: devices(v), From: testFrom, To: testTo, Fields: []Field{{Name: "read_bytes"}}})))
		if skeleton != benignSkeleton {
			t.Fatalf("%q changed the Flux code:\n%s\nwant\n%s", v, skeleton, benignSkeleton)
		}
	}
}
