package influx

import (
	"strings"
	"testing"
	"time"
)

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
	benignList, _ := fluxSkeleton(t, mustFlux(t)(BuildFluxRange("b", nil, "m", RangeRequest{Selection: Selection{VMs: []string{benignRef}, Host: benignHost}, From: testFrom, To: testTo, Fields: []Field{{Name: "f"}}})))
	script := mustFlux(t)(BuildFluxRange("b", nil, "m", RangeRequest{Selection: Selection{VMs: []string{vm}, Host: host}, From: testFrom, To: testTo, Fields: []Field{{Name: "f"}}}))
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
	benignRegex, _ := fluxSkeleton(t, mustFlux(t)(BuildFluxNewest("b", "m", NewestRequest{Selection: Selection{VMRegex: "x"}, Fields: []string{"f"}, Count: 2, Since: time.Unix(1, 0)})))
	script = mustFlux(t)(BuildFluxNewest("b", "m", NewestRequest{Selection: Selection{VMRegex: pattern}, Fields: []string{"f"}, Count: 2, Since: time.Unix(1, 0)}))
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
		script := mustFlux(t)(BuildFluxRange("b", nil, "m", RangeRequest{Selection: Selection{VMs: []string{host + "/web", "db"}}, From: testFrom, To: testTo, Fields: []Field{{Name: "f"}}}))
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

// TestNewestNeedsALowerTimeBound: a newest-points read without Since would
// scan every shard (Flux from 1970, InfluxQL without a time condition), so
// both builders refuse it; with it, the bound is in the query.
func TestNewestNeedsALowerTimeBound(t *testing.T) {
	unbounded := NewestRequest{Fields: []string{"cpu_usage_percent"}, Count: 2}
	if q, err := BuildFluxNewest("b", "m", unbounded); err == nil {
		t.Errorf("Flux newest without Since: %s", q)
	}
	if q, err := BuildInfluxQLNewest("m", unbounded); err == nil {
		t.Errorf("InfluxQL newest without Since: %s", q)
	}
	bounded := unbounded
	bounded.Since = time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	flux, err := BuildFluxNewest("b", "m", bounded)
	if err != nil || !strings.Contains(flux, "range(start: 2026-05-01T12:00:00Z)") {
		t.Errorf("Flux newest: %v\n%s", err, flux)
	}
	influxQL, err := BuildInfluxQLNewest("m", bounded)
	if err != nil || !strings.Contains(influxQL, "time >= '2026-05-01T12:00:00Z'") {
		t.Errorf("InfluxQL newest: %v\n%s", err, influxQL)
	}
}
