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
	// The parsers only read the text; on failure the message is made from b.
	text := unsafe.String(&b[0], len(b))
	if isIntegerText(b) {
		if n, err := strconv.ParseInt(text, 10, 64); err == nil {
			v.integer, v.ns, v.number = true, n, float64(n)
			return nil
		}
	}
	f, err := strconv.ParseFloat(text, 64)
	if err != nil {
		return fmt.Errorf("InfluxQL cell %s is not a number", string(b))
	}
	v.number = f
	return nil
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

// Rows are the values of an InfluxQL series: one row of cells per time.
// They decode with a scanner of their own: encoding/json has validated the
// bytes already, and calling Value.UnmarshalJSON through reflection for
// each of millions of cells costs more than InfluxDB takes to write them.
type Rows [][]Value

// UnmarshalJSON implements json.Unmarshaler.
func (r *Rows) UnmarshalJSON(b []byte) error {
	s := rowScanner{b: b}
	rows, err := s.rows()
	if err != nil {
		return fmt.Errorf("InfluxQL values: %w", err)
	}
	*r = rows
	return nil
}

// rowScanner reads an array of arrays of scalars.
type rowScanner struct {
	b   []byte
	pos int
}

func (s *rowScanner) skipSpace() {
	for s.pos < len(s.b) {
		switch s.b[s.pos] {
		case ' ', '\t', '\n', '\r':
			s.pos++
		default:
			return
		}
	}
}

// expect consumes c after any white space.
func (s *rowScanner) expect(c byte) error {
	s.skipSpace()
	if s.pos >= len(s.b) || s.b[s.pos] != c {
		return fmt.Errorf("want %q at byte %d", c, s.pos)
	}
	s.pos++
	return nil
}

// next says whether the list goes on: it consumes a ',' (true) or the
// closing c (false).
func (s *rowScanner) next(closing byte) (bool, error) {
	s.skipSpace()
	if s.pos < len(s.b) {
		switch s.b[s.pos] {
		case ',':
			s.pos++
			return true, nil
		case closing:
			s.pos++
			return false, nil
		}
	}
	return false, fmt.Errorf("want ',' or %q at byte %d", closing, s.pos)
}

// empty consumes the closing c of an empty list.
func (s *rowScanner) empty(closing byte) bool {
	s.skipSpace()
	if s.pos < len(s.b) && s.b[s.pos] == closing {
		s.pos++
		return true
	}
	return false
}

func (s *rowScanner) rows() (Rows, error) {
	if s.skipSpace(); s.pos+4 <= len(s.b) && string(s.b[s.pos:s.pos+4]) == "null" {
		return nil, nil
	}
	if err := s.expect('['); err != nil {
		return nil, err
	}
	var rows Rows
	if s.empty(']') {
		return rows, nil
	}
	// Cells of all rows share one backing array, grown as rows come.
	width := 0
	var cells []Value
	for {
		if err := s.expect('['); err != nil {
			return nil, err
		}
		start := len(cells)
		if !s.empty(']') {
			for {
				var v Value
				if err := s.cell(&v); err != nil {
					return nil, err
				}
				if len(cells) == cap(cells) {
					// A new backing array, with this row's cells so far;
					// rows already taken keep the old one.
					grown := make([]Value, 0, max(256*max(width, 1), 2*cap(cells)))
					cells = append(grown, cells[start:]...)
					start = 0
				}
				cells = append(cells, v)
				more, err := s.next(']')
				if err != nil {
					return nil, err
				}
				if !more {
					break
				}
			}
		}
		width = len(cells) - start
		rows = append(rows, cells[start:len(cells):len(cells)])
		more, err := s.next(']')
		if err != nil {
			return nil, err
		}
		if !more {
			break
		}
	}
	if s.skipSpace(); s.pos != len(s.b) {
		return nil, fmt.Errorf("trailing bytes at %d", s.pos)
	}
	return rows, nil
}

// cell reads one scalar.
func (s *rowScanner) cell(v *Value) error {
	s.skipSpace()
	if s.pos >= len(s.b) {
		return fmt.Errorf("a cell is missing at the end")
	}
	start := s.pos
	switch c := s.b[s.pos]; {
	case c == '"':
		s.pos++
		escaped := false
		for s.pos < len(s.b) {
			switch s.b[s.pos] {
			case '\\':
				escaped = true
				s.pos += 2
				continue
			case '"':
				s.pos++
				if !escaped {
					*v = Value{kind: kindString, text: string(s.b[start+1 : s.pos-1])}
					return nil
				}
				return v.UnmarshalJSON(s.b[start:s.pos])
			}
			s.pos++
		}
		return fmt.Errorf("unterminated string at byte %d", start)
	case c == '[' || c == '{':
		return fmt.Errorf("InfluxQL cell at byte %d is not a scalar", start)
	}
	for s.pos < len(s.b) {
		switch s.b[s.pos] {
		case ',', ']', ' ', '\t', '\n', '\r':
			return v.UnmarshalJSON(s.b[start:s.pos])
		}
		s.pos++
	}
	return v.UnmarshalJSON(s.b[start:s.pos])
}
