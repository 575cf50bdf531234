package influx

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

// updateVectors rewrites the shared vectors: go test ./pkg/influx -run TestSharedQuoteVectors -update.
var updateVectors = flag.Bool("update", false, "rewrite testdata/influxql-quote-vectors.json")

var sharedVectorsFile = filepath.Join("..", "..", "testdata", "influxql-quote-vectors.json")

// quoteVector is how the quoting layer writes one value; a nil pointer is a
// refusal. JSON (and JavaScript) carry only UTF-8, hence only such values.
type quoteVector struct {
	Value          string  `json:"value"`
	InfluxQLString *string `json:"influxqlString"`
	InfluxQLIdent  *string `json:"influxqlIdent"`
	RegexEscaped   string  `json:"regexEscaped"`
	InfluxQLRegex  *string `json:"influxqlRegex"`
}

// regexLineEscaper writes what RE2 reads as a line break, carriage return or
// NUL without the raw character, which the backend refuses in a pattern.
var regexLineEscaper = strings.NewReplacer("\n", `\n`, "\r", `\r`, "\x00", `\x00`)

// TestSharedQuoteVectors holds testdata/influxql-quote-vectors.json to what
// the quoting layer does with hostileValues; the frontend's escaping
// (src/escape.test.ts) is tested against the same file, so if either side
// changes, one of the two tests fails.
func TestSharedQuoteVectors(t *testing.T) {
	file := struct {
		Description string        `json:"description"`
		Vectors     []quoteVector `json:"vectors"`
	}{
		Description: "Escaping of values by the backend's quoting layer (pkg/influx/quote.go), written by " +
			"`go test ./pkg/influx -run TestSharedQuoteVectors -update`. influxqlString/influxqlIdent: QuoteString/QuoteIdent " +
			"(null: refused). regexEscaped: regexp.QuoteMeta with raw line breaks and NUL written as escapes. " +
			"influxqlRegex: QuoteRegex(regexEscaped) (null: refused). Read by src/escape.test.ts.",
	}
	for _, value := range hostileValues {
		if !utf8.ValidString(value) {
			continue
		}
		escaped := regexLineEscaper.Replace(regexp.QuoteMeta(value))
		if !regexp.MustCompile("^(?:" + escaped + ")$").MatchString(value) {
			t.Fatalf("regex %q does not match exactly %q", escaped, value)
		}
		file.Vectors = append(file.Vectors, quoteVector{
			Value:          value,
			InfluxQLString: orNull(QuoteString(value)),
			InfluxQLIdent:  orNull(QuoteIdent(value)),
			RegexEscaped:   escaped,
			InfluxQLRegex:  orNull(QuoteRegex(escaped)),
		})
	}
	var want bytes.Buffer
	encoder := json.NewEncoder(&want)
	encoder.SetIndent("", " ")
	encoder.SetEscapeHTML(false)
	if err := encoder.Encode(file); err != nil {
		t.Fatal(err)
	}
	if *updateVectors {
		if err := os.WriteFile(sharedVectorsFile, want.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	got, err := os.ReadFile(sharedVectorsFile)
	if err != nil {
		t.Fatalf("reading the shared quote vectors: %v", err)
	}
	if !bytes.Equal(got, want.Bytes()) {
		t.Errorf("%s differs from what the quoting layer writes now; if the change is meant, "+
			"rewrite it (go test ./pkg/influx -run TestSharedQuoteVectors -update) and run the frontend's tests (npx jest src/escape)", sharedVectorsFile)
	}
}

func orNull(quoted string, err error) *string {
	if err != nil {
		return nil
	}
	return &quoted
}
