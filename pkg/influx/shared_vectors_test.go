package influx

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// TestSharedQuoteVectors holds the quoting layer to
// testdata/influxql-quote-vectors.json, which the frontend's escaping is
// tested against: if either side changes, one of the two tests fails.
func TestSharedQuoteVectors(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "..", "testdata", "influxql-quote-vectors.json"))
	if err != nil {
		t.Fatalf("reading the shared quote vectors: %v", err)
	}
	var file struct {
		Vectors []struct {
			Value          string  `json:"value"`
			InfluxQLString *string `json:"influxqlString"`
			InfluxQLIdent  *string `json:"influxqlIdent"`
			RegexEscaped   string  `json:"regexEscaped"`
			InfluxQLRegex  *string `json:"influxqlRegex"`
		} `json:"vectors"`
	}
	if err := json.Unmarshal(raw, &file); err != nil {
		t.Fatalf("decoding the shared quote vectors: %v", err)
	}
	if len(file.Vectors) == 0 {
		t.Fatal("the shared quote vectors file holds no vectors")
	}
	check := func(what, value string, want *string, got string, err error) {
		t.Helper()
		switch {
		case want == nil && err == nil:
			t.Errorf("%s(%q) = %s, the vectors say it is refused", what, value, got)
		case want != nil && err != nil:
			t.Errorf("%s(%q) refused (%v), the vectors say %s", what, value, err, *want)
		case want != nil && got != *want:
			t.Errorf("%s(%q) = %s, the vectors say %s", what, value, got, *want)
		}
	}
	for _, v := range file.Vectors {
		got, err := QuoteString(v.Value)
		check("QuoteString", v.Value, v.InfluxQLString, got, err)
		got, err = QuoteIdent(v.Value)
		check("QuoteIdent", v.Value, v.InfluxQLIdent, got, err)
		got, err = QuoteRegex(v.RegexEscaped)
		check("QuoteRegex", v.RegexEscaped, v.InfluxQLRegex, got, err)
	}
}
