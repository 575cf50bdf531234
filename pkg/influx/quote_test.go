package influx

import (
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/influxdata/influxql"
)

// hostileValues seed the fuzz targets and the table tests, and those in
// UTF-8 are the shared vectors (shared_vectors_test.go): each one tries to
// leave its literal.
var hostileValues = []string{
	"",
	"one-71",
	"vm with spaces",
	"émoji-☃",
	`quote"back\slash`,
	`it's`,
	`'; DROP DATABASE vm_telemetry; --`,
	`" OR 1=1 --`,
	`\`,
	`\\`,
	`\'`,
	`\"`,
	"line\nbreak",
	"carriage\rreturn\ttab",
	"tab\there",
	`a\`,
	"/slash/",
	`\/`,
	`a/ OR 1=1 /`,
	`${env}`,
	`$vm`,
	`web-.*+?()[]{}|^$`,
	`") |> drop() //`,
	"\x00nul",
	"bad utf8 \xff\xfe",
}

var hostilePatterns = []string{
	"",
	"^one-7[12]$",
	"a/b",
	`a\/b`,
	`\\`,
	`a\\`,
	`a\\/`,
	`/ OR 1=1`,
	`\Qa/b\E`,
	`(x)|(y)`,
	`[/]`,
	`.*`,
}

func parseSelect(t *testing.T, q string) *influxql.SelectStatement {
	t.Helper()
	parsed, err := influxql.ParseQuery(q)
	if err != nil {
		t.Fatalf("InfluxQL %q does not parse: %v", q, err)
	}
	if len(parsed.Statements) != 1 {
		t.Fatalf("InfluxQL %q parses into %d statements, want 1", q, len(parsed.Statements))
	}
	stmt, ok := parsed.Statements[0].(*influxql.SelectStatement)
	if !ok {
		t.Fatalf("InfluxQL %q is a %T, want a SELECT", q, parsed.Statements[0])
	}
	return stmt
}

// influxQLCannotCarry says whether InfluxQL has no way to quote s, so that
// the quoting functions must refuse it.
func influxQLCannotCarry(s string) bool {
	return !utf8.ValidString(s) || strings.ContainsAny(s, "\r\x00")
}

func checkQuoteRoundTrip(t *testing.T, value string) {
	ident, identErr := QuoteIdent(value)
	literal, stringErr := QuoteString(value)
	if influxQLCannotCarry(value) {
		if identErr == nil || stringErr == nil {
			t.Fatalf("%q cannot be carried by InfluxQL but was quoted as %s and %s", value, ident, literal)
		}
		return
	}
	if identErr != nil || stringErr != nil {
		t.Fatalf("quoting %q failed: %v, %v", value, identErr, stringErr)
	}
	// A tag value as a string literal, an identifier as field, tag key and measurement.
	q := "SELECT " + ident + " FROM " + ident + " WHERE " + ident + " = " + literal
	stmt := parseSelect(t, q)
	if len(stmt.Fields) != 1 {
		t.Fatalf("%q: %d fields, want 1", q, len(stmt.Fields))
	}
	field, ok := stmt.Fields[0].Expr.(*influxql.VarRef)
	if !ok || field.Val != value {
		t.Fatalf("%q: field is %#v, want VarRef %q", q, stmt.Fields[0].Expr, value)
	}
	if len(stmt.Sources) != 1 {
		t.Fatalf("%q: %d sources, want 1", q, len(stmt.Sources))
	}
	m, ok := stmt.Sources[0].(*influxql.Measurement)
	if !ok || m.Name != value {
		t.Fatalf("%q: source is %#v, want measurement %q", q, stmt.Sources[0], value)
	}
	cond, ok := stmt.Condition.(*influxql.BinaryExpr)
	if !ok || cond.Op != influxql.EQ {
		t.Fatalf("%q: condition %v is not a single equality", q, stmt.Condition)
	}
	lhs, ok := cond.LHS.(*influxql.VarRef)
	if !ok || lhs.Val != value {
		t.Fatalf("%q: condition left side %#v, want VarRef %q", q, cond.LHS, value)
	}
	rhs, ok := cond.RHS.(*influxql.StringLiteral)
	if !ok || rhs.Val != value {
		t.Fatalf("%q: condition right side %#v, want string %q", q, cond.RHS, value)
	}
}

func TestInfluxQLQuotingRoundTrips(t *testing.T) {
	for _, v := range hostileValues {
		checkQuoteRoundTrip(t, v)
	}
}

func FuzzInfluxQLQuoting(f *testing.F) {
	for _, v := range hostileValues {
		f.Add(v)
	}
	f.Fuzz(checkQuoteRoundTrip)
}

func checkRegexRoundTrip(t *testing.T, pattern string) {
	literal, err := QuoteRegex(pattern)
	if err != nil {
		// Beyond what RE2 refuses, only raw control characters, bytes
		// that are not UTF-8 and an unterminated \Q may be refused.
		_, compileErr := regexp.Compile(pattern)
		if compileErr == nil && !influxQLCannotCarry(pattern) && !strings.Contains(pattern, "\n") &&
			!strings.Contains(pattern, `\Q`) {
			t.Fatalf("QuoteRegex refused valid pattern %q: %v", pattern, err)
		}
		return
	}
	q := `SELECT "f" FROM "m" WHERE "vm" =~ ` + literal
	stmt := parseSelect(t, q)
	cond, ok := stmt.Condition.(*influxql.BinaryExpr)
	if !ok || cond.Op != influxql.EQREGEX {
		t.Fatalf("%q: condition %v is not a single regex match", q, stmt.Condition)
	}
	if ref, ok := cond.LHS.(*influxql.VarRef); !ok || ref.Val != "vm" {
		t.Fatalf("%q: regex applies to %#v, want vm", q, cond.LHS)
	}
	re, ok := cond.RHS.(*influxql.RegexLiteral)
	if !ok {
		t.Fatalf("%q: right side %#v is not a regex", q, cond.RHS)
	}
	if want := "(?:" + pattern + ")"; re.Val.String() != want {
		t.Fatalf("%q: InfluxQL reads the regex as %q, want %q", q, re.Val.String(), want)
	}
}

func TestInfluxQLRegexRoundTrips(t *testing.T) {
	for _, p := range append(hostilePatterns, hostileValues...) {
		checkRegexRoundTrip(t, p)
	}
}

func TestQuoteRegexRefusesWhatInfluxCannotRead(t *testing.T) {
	for pattern, wantInError := range map[string]string{
		"one(":       "bad regex",
		`a\`:         "bad regex",
		"a\nb":       "line break",
		`\Qunclosed`: "bad regex",
		"bad \xff":   "UTF-8",
	} {
		_, err := QuoteRegex(pattern)
		if err == nil || !strings.Contains(err.Error(), wantInError) {
			t.Errorf("QuoteRegex(%q) error = %v, want one naming %q", pattern, err, wantInError)
		}
	}
}

func FuzzInfluxQLRegexQuoting(f *testing.F) {
	for _, p := range append(hostilePatterns, hostileValues...) {
		f.Add(p)
	}
	f.Fuzz(checkRegexRoundTrip)
}

// readFluxString is Flux's string literal scanner (the language spec's
// string_lit: escapes \\ \" \$ \n \r \t \xNN; raw line breaks allowed),
// stricter in refusing any raw $. It returns the value and the rest of the
// input after the closing quote.
func readFluxString(t *testing.T, src string) (value, rest string) {
	t.Helper()
	if !strings.HasPrefix(src, `"`) {
		t.Fatalf("Flux string %q does not start with a quote", src)
	}
	var b strings.Builder
	for i := 1; i < len(src); i++ {
		switch c := src[i]; c {
		case '"':
			return b.String(), src[i+1:]
		case '$':
			t.Fatalf("Flux string %q holds a raw $ at %d (interpolation, or Flux 0.65's $-pairs)", src, i)
		case '\\':
			i++
			if i >= len(src) {
				t.Fatalf("Flux string %q ends in a backslash", src)
			}
			switch e := src[i]; e {
			case '\\', '"', '$':
				b.WriteByte(e)
			case 'n':
				b.WriteByte('\n')
			case 'r':
				b.WriteByte('\r')
			case 't':
				b.WriteByte('\t')
			case 'x':
				if i+2 >= len(src) {
					t.Fatalf("Flux string %q: short \\x escape", src)
				}
				var v byte
				for _, h := range src[i+1 : i+3] {
					v <<= 4
					switch {
					case h >= '0' && h <= '9':
						v |= byte(h - '0')
					case h >= 'a' && h <= 'f':
						v |= byte(h-'a') + 10
					default:
						t.Fatalf("Flux string %q: bad hex digit %q", src, h)
					}
				}
				b.WriteByte(v)
				i += 2
			default:
				t.Fatalf("Flux string %q: invalid escape \\%c", src, e)
			}
		default:
			b.WriteByte(c)
		}
	}
	t.Fatalf("Flux string %q is not terminated", src)
	return "", ""
}

func checkFluxRoundTrip(t *testing.T, value string) {
	const tail = ` and r.host == "x")`
	quoted := FluxString(value)
	got, rest := readFluxString(t, quoted+tail)
	if got != value {
		t.Fatalf("FluxString(%q) = %s reads back as %q", value, quoted, got)
	}
	if rest != tail {
		t.Fatalf("FluxString(%q) = %s leaves %q after the literal, want %q", value, quoted, rest, tail)
	}
}

func TestFluxQuotingRoundTrips(t *testing.T) {
	for _, v := range hostileValues {
		checkFluxRoundTrip(t, v)
	}
}

func FuzzFluxQuoting(f *testing.F) {
	for _, v := range hostileValues {
		f.Add(v)
	}
	f.Fuzz(checkFluxRoundTrip)
}
