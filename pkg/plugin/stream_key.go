package plugin

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"
)

// streamPathPrefix starts the path of every live channel:
// ds/<uid>/fleet/<readable>/<hash>.
const streamPathPrefix = "fleet/"

// panelSideKeys are the keys of a query that never change what the data
// source's stream sends: which VMs and fields a panel shows is picked in the
// browser from the one stream (docs/PLUGIN-API.md, "Live streams"), and a
// stream sends raw newest samples, so aggregation plays no part. Every
// other key, including ones added to the query model later, changes the
// channel: a new option cannot be forgotten.
var panelSideKeys = map[string]bool{
	"refId": true, "datasource": true, "hide": true, "key": true, "queryType": true,
	"vmMode": true, "vms": true, "vmRegex": true, "metrics": true, "outputs": true,
	"live": true, "aggregation": true, "rawQuery": true, "variable": true,
	"intervalMs": true, "maxDataPoints": true, "datasourceId": true,
}

// streamCanonical is the canonical encoding of a stream's data: the JSON
// object without panelSideKeys, keys sorted at every depth, no spaces,
// numbers and strings written as JavaScript's JSON.stringify writes them.
// The frontend (src/streamKey.ts) writes the same bytes.
func streamCanonical(raw json.RawMessage) (string, error) {
	decoder := json.NewDecoder(bytes.NewReader(raw))
	decoder.UseNumber()
	var object map[string]any
	if err := decoder.Decode(&object); err != nil {
		return "", fmt.Errorf("stream data is not a JSON object: %v", err)
	}
	for key := range object {
		if panelSideKeys[key] {
			delete(object, key)
		}
	}
	var b strings.Builder
	if err := writeCanonical(&b, object); err != nil {
		return "", err
	}
	return b.String(), nil
}

func writeCanonical(b *strings.Builder, value any) error {
	switch v := value.(type) {
	case nil:
		b.WriteString("null")
	case bool:
		fmt.Fprint(b, v)
	case json.Number:
		// As JavaScript writes the number: Go's JSON encoding of a float64
		// follows ECMAScript's Number::toString (1000, 0.1, 1e-7, 1e+21).
		f, err := v.Float64()
		if err != nil {
			return fmt.Errorf("stream data holds the number %s, which is out of range", v)
		}
		text, _ := json.Marshal(f)
		b.Write(text)
	case string:
		if !utf8.ValidString(v) {
			return fmt.Errorf("stream data holds a string that is not UTF-8")
		}
		writeJSString(b, v)
	case []any:
		b.WriteByte('[')
		for i, item := range v {
			if i > 0 {
				b.WriteByte(',')
			}
			if err := writeCanonical(b, item); err != nil {
				return err
			}
		}
		b.WriteByte(']')
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		// JavaScript sorts by UTF-16 code units; for keys of the query
		// model (ASCII) that is Go's byte order.
		sort.Strings(keys)
		b.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				b.WriteByte(',')
			}
			writeJSString(b, k)
			b.WriteByte(':')
			if err := writeCanonical(b, v[k]); err != nil {
				return err
			}
		}
		b.WriteByte('}')
	default:
		return fmt.Errorf("stream data holds a %T", value)
	}
	return nil
}

// writeJSString quotes s as JSON.stringify does: \" \\ \b \f \n \r \t, other
// control characters as \u00xx, everything else as it is.
func writeJSString(b *strings.Builder, s string) {
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			if r < 0x20 {
				fmt.Fprintf(b, `\u%04x`, r)
			} else {
				b.WriteRune(r)
			}
		}
	}
	b.WriteByte('"')
}

// StreamPath is the path of the channel that streams a query's data:
// fleet/<host or "all">/<SHA-256 of the canonical encoding, 32 hex digits>.
// The readable part (host, only the characters Grafana allows in a path,
// at most 40 of them) comes first; the hash keeps two different data apart
// and the path within Grafana's 160 characters.
func StreamPath(raw json.RawMessage) (string, error) {
	canonical, err := streamCanonical(raw)
	if err != nil {
		return "", err
	}
	var fields struct {
		Host string `json:"host"`
	}
	_ = json.Unmarshal(raw, &fields) // a malformed object failed above
	sum := sha256.Sum256([]byte(canonical))
	return streamPathPrefix + readableSegment(fields.Host) + "/" + hex.EncodeToString(sum[:16]), nil
}

// readableSegment writes a host for a path: "all" for none, else its
// characters with those Grafana refuses in a path as "_", cut at 40.
func readableSegment(host string) string {
	if host == "" {
		return "all"
	}
	var b strings.Builder
	n := 0
	for _, r := range host {
		if n == 40 {
			break
		}
		if r < 0x80 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-' || r == '.' || r == '=') {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
		n++
	}
	return "h-" + b.String()
}
