// Command quote-vectors writes testdata/influxql-quote-vectors.json: how the
// backend's quoting layer (pkg/influx) writes hostile template-variable
// values, so that the frontend's escaping (src/escape.ts) can be tested
// against the same answers. Run from the repository root:
//
//	go run ./testdata/quote-vectors > testdata/influxql-quote-vectors.json
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strings"

	"github.com/vmtelemetry/libvirt-datasource/pkg/influx"
)

// values try to leave the literal they are written into. JSON (and
// JavaScript) cannot carry text that is not UTF-8, so none is here.
var values = []string{
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
	`a\`,
	"line\nbreak",
	"carriage\rreturn",
	"tab\there",
	"/slash/",
	`\/`,
	`a/ OR 1=1 /`,
	`${env}`,
	`$vm`,
	`web-.*+?()[]{}|^$`,
	"\x00nul",
	"",
}

// lineEscaper writes what RE2 reads as a line break, carriage return or NUL
// without the raw character, which the backend refuses in a pattern.
var lineEscaper = strings.NewReplacer("\n", `\n`, "\r", `\r`, "\x00", `\x00`)

type vector struct {
	Value          string  `json:"value"`
	InfluxQLString *string `json:"influxqlString"`
	InfluxQLIdent  *string `json:"influxqlIdent"`
	RegexEscaped   string  `json:"regexEscaped"`
	InfluxQLRegex  *string `json:"influxqlRegex"`
}

func main() {
	out := struct {
		Description string   `json:"description"`
		Vectors     []vector `json:"vectors"`
	}{
		Description: "Escaping of values by the backend's quoting layer (pkg/influx/quote.go), written by testdata/quote-vectors. " +
			"influxqlString/influxqlIdent: QuoteString/QuoteIdent (null: refused). regexEscaped: regexp.QuoteMeta with raw line breaks and NUL " +
			"written as escapes. influxqlRegex: QuoteRegex(regexEscaped) (null: refused). Read by src/escape.test.ts.",
	}
	for _, value := range values {
		escaped := lineEscaper.Replace(regexp.QuoteMeta(value))
		if !regexp.MustCompile("^(?:" + escaped + ")$").MatchString(value) {
			fail("regex %q does not match exactly %q", escaped, value)
		}
		out.Vectors = append(out.Vectors, vector{
			Value:          value,
			InfluxQLString: orNull(influx.QuoteString(value)),
			InfluxQLIdent:  orNull(influx.QuoteIdent(value)),
			RegexEscaped:   escaped,
			InfluxQLRegex:  orNull(influx.QuoteRegex(escaped)),
		})
	}
	encoder := json.NewEncoder(os.Stdout)
	encoder.SetIndent("", " ")
	encoder.SetEscapeHTML(false)
	if err := encoder.Encode(out); err != nil {
		fail("%v", err)
	}
}

func orNull(quoted string, err error) *string {
	if err != nil {
		return nil
	}
	return &quoted
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "quote-vectors: "+format+"\n", args...)
	os.Exit(1)
}
