package influx

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"
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
	*v = Value{}
	if len(b) == 0 {
		return fmt.Errorf("empty JSON value")
	}
	switch b[0] {
	case 'n':
		return nil
	case 't', 'f':
		v.kind, v.text = kindBool, string(b)
		return nil
	case '"':
		v.kind = kindString
		return json.Unmarshal(b, &v.text)
	case '[', '{':
		return fmt.Errorf("InfluxQL cell %s is not a scalar", b)
	}
	v.kind = kindNumber
	if n, err := strconv.ParseInt(string(b), 10, 64); err == nil {
		v.integer, v.ns, v.number = true, n, float64(n)
		return nil
	}
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		return fmt.Errorf("InfluxQL cell %s is not a number", b)
	}
	v.number = f
	return nil
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
	if v.kind != kindNumber || !v.integer {
		return time.Time{}, &Error{Kind: ErrBadResponse, Message: fmt.Sprintf("InfluxQL time %v is not an integer of nanoseconds", v)}
	}
	return time.Unix(0, v.ns).UTC(), nil
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
