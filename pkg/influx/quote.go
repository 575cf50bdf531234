package influx

// The one quoting layer of the plugin: every identifier, string literal,
// regex literal and tag value that goes into an InfluxQL or Flux query is
// written by a function of this file, never by string concatenation.

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"
)

// influxQLEscaper escapes the characters that end or break an InfluxQL
// quoted token. InfluxQL's scanner knows the escapes \\ \" \' \n and refuses
// a raw line break inside a quoted token.
var influxQLEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, `'`, `\'`, "\n", `\n`)

// QuoteIdent writes an InfluxQL identifier (database, retention policy,
// measurement, field or tag key) in double quotes.
func QuoteIdent(name string) (string, error) {
	if err := checkInfluxQLText(name); err != nil {
		return "", fmt.Errorf("identifier %q %w", name, err)
	}
	return `"` + influxQLEscaper.Replace(name) + `"`, nil
}

// QuoteString writes an InfluxQL string literal (a tag value, a time) in
// single quotes.
func QuoteString(value string) (string, error) {
	if err := checkInfluxQLText(value); err != nil {
		return "", fmt.Errorf("value %q %w", value, err)
	}
	return `'` + influxQLEscaper.Replace(value) + `'`, nil
}

// checkInfluxQLText refuses what no InfluxQL quoted token can carry: the
// scanner reads a carriage return as a line break and NUL as the end of the
// query, has no escape for either, and replaces bytes that are not UTF-8.
func checkInfluxQLText(s string) error {
	if !utf8.ValidString(s) {
		return errors.New("is not valid UTF-8")
	}
	if strings.ContainsAny(s, "\r\x00") {
		return errors.New("contains a carriage return or NUL, which InfluxQL cannot quote")
	}
	return nil
}

// QuoteRegex writes an RE2 pattern as an InfluxQL regex literal /…/.
//
// InfluxQL's scanner turns \/ into / and keeps every other backslash, so
// escaping each / is enough, except that a literal may not end in a
// backslash (it would escape the closing /) nor hold a raw line break. The
// pattern is therefore wrapped in a non-capturing group, which ends it in ")"
// and matches exactly what the pattern matches; raw line breaks, carriage
// returns and NULs are refused (RE2 reads their escapes \n \r \x00).
func QuoteRegex(pattern string) (string, error) {
	if err := ValidateRegex(pattern); err != nil {
		return "", err
	}
	return "/(?:" + strings.ReplaceAll(pattern, "/", `\/`) + ")/", nil
}

// ValidateRegex says why a pattern cannot be used as a VM filter: it must be
// valid UTF-8 RE2 syntax without line breaks.
func ValidateRegex(pattern string) error {
	if !utf8.ValidString(pattern) {
		return fmt.Errorf("regex %q is not valid UTF-8", pattern)
	}
	if strings.ContainsAny(pattern, "\n\r\x00") {
		return fmt.Errorf("regex %q contains a raw line break, carriage return or NUL; write them as \\n, \\r, \\x00", pattern)
	}
	if _, err := regexp.Compile(pattern); err != nil {
		return fmt.Errorf("bad regex %q: %v", pattern, err)
	}
	// The wrapped form is what InfluxDB compiles; an unterminated \Q would
	// swallow the closing parenthesis.
	if _, err := regexp.Compile("(?:" + pattern + ")"); err != nil {
		return fmt.Errorf("bad regex %q: %v", pattern, err)
	}
	return nil
}

// FluxString writes a Flux string literal. Flux knows the escapes \\ \" \$
// (\$ stops "${" interpolation) \n \r \t and \xNN, which carries bytes that
// are not valid UTF-8.
func FluxString(value string) string {
	var b strings.Builder
	b.Grow(len(value) + 2)
	b.WriteByte('"')
	for i := 0; i < len(value); {
		r, size := utf8.DecodeRuneInString(value[i:])
		if r == utf8.RuneError && size <= 1 {
			fmt.Fprintf(&b, `\x%02x`, value[i])
			i++
			continue
		}
		switch r {
		case '\\':
			b.WriteString(`\\`)
		case '"':
			b.WriteString(`\"`)
		case '$':
			b.WriteString(`\x24`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			if r < 0x20 || r == 0x7f {
				fmt.Fprintf(&b, `\x%02x`, r)
				break
			}
			b.WriteRune(r)
		}
		i += size
	}
	b.WriteByte('"')
	return b.String()
}
