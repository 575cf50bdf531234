package influx

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"
	"unsafe"
)

// valueKind says what JSON value a cell of an InfluxQL answer held.
type valueKind uint8

const (
	kindNull valueKind = iota
	kindNumber
	kindString
	kindBool
)

// Value is one cell of an InfluxQL answer. It decodes itself from JSON
// without the interface and string boxes of a generic decode, which the
// answers of long ranges hold by the million.
type Value struct {
	kind valueKind
	// integer says the number was written without fraction or exponent;
	// then ns holds it exactly (times are nanoseconds since the epoch).
	integer bool
	number  float64
	ns      int64
	text    string
}

// UnmarshalJSON implements json.Unmarshaler.
func (v *Value) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		*v = Value{kind: kindString}
		return json.Unmarshal(b, &v.text)
	}
	parsed, err := parseScalar(b)
	*v = parsed
	return err
}

// parseScalar reads a cell that is no string: a number, true, false or
// null. It returns the cell by value, which stays off the heap.
func parseScalar(b []byte) (Value, error) {
	var v Value
	if len(b) == 0 {
		return v, fmt.Errorf("empty JSON value")
	}
	switch b[0] {
	case 'n':
		if string(b) != "null" {
			return v, fmt.Errorf("InfluxQL cell %.20q is not JSON", b)
		}
		return v, nil
	case 't', 'f':
		if string(b) != "true" && string(b) != "false" {
			return v, fmt.Errorf("InfluxQL cell %.20q is not JSON", b)
		}
		v.kind, v.text = kindBool, string(b)
		return v, nil
	case '[', '{':
		return v, fmt.Errorf("InfluxQL cell %.40s is not a scalar", b)
	}
	if c := b[0]; c != '-' && (c < '0' || c > '9') {
		return v, fmt.Errorf("InfluxQL cell %.20q is not a number", b)
	}
	v.kind = kindNumber
	// The parsers only read the text; on failure the message is made from b.
	text := unsafe.String(&b[0], len(b))
	if isIntegerText(b) {
		if n, err := strconv.ParseInt(text, 10, 64); err == nil {
			v.integer, v.ns, v.number = true, n, float64(n)
			return v, nil
		}
	}
	f, err := strconv.ParseFloat(text, 64)
	if err != nil {
		return v, fmt.Errorf("InfluxQL cell %.40q is not a number", b)
	}
	v.number = f
	return v, nil
}

// isIntegerText says whether a JSON number has no fraction or exponent.
func isIntegerText(b []byte) bool {
	for _, c := range b {
		if c == '.' || c == 'e' || c == 'E' {
			return false
		}
	}
	return true
}

// Float returns a numeric cell as float64; ok is false for strings,
// booleans and nulls.
func (v Value) Float() (value float64, ok bool) {
	return v.number, v.kind == kindNumber
}

// Text returns a string cell; ok is false for every other kind.
func (v Value) Text() (value string, ok bool) {
	return v.text, v.kind == kindString
}

// IsNull says whether the cell was null.
func (v Value) IsNull() bool { return v.kind == kindNull }

// Time reads the time column of an answer made with epoch=ns.
func (v Value) Time() (time.Time, error) {
	ns, err := v.UnixNano()
	if err != nil {
		return time.Time{}, err
	}
	return time.Unix(0, ns).UTC(), nil
}

// UnixNano reads the time column of an answer made with epoch=ns.
func (v Value) UnixNano() (int64, error) {
	if v.kind != kindNumber || !v.integer {
		return 0, &Error{Kind: ErrBadResponse, Message: fmt.Sprintf("InfluxQL time %v is not an integer of nanoseconds", v)}
	}
	return v.ns, nil
}

// String writes the cell as it was in the answer, for messages.
func (v Value) String() string {
	switch v.kind {
	case kindNull:
		return "null"
	case kindNumber:
		if v.integer {
			return strconv.FormatInt(v.ns, 10)
		}
		return strconv.FormatFloat(v.number, 'g', -1, 64)
	case kindString:
		return strconv.Quote(v.text)
	}
	return v.text
}
