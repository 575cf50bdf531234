package influx

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
)

// influxQLStream reads the answer of GET /query as it arrives, one JSON
// object per chunk:
//
//	{"results":[{"statement_id":0,"series":[{"name":…,"tags":{…},"columns":[…],
//	  "values":[[…],…],"partial":true}],"partial":true}]}
//
// Each row goes to onRow as soon as it is read, its cells in a slice that the
// next row reuses: no chunk, series or row is held beyond its use, and every
// byte is scanned once. The rows of a series that InfluxDB split over chunks
// (partial) come with the same *Series. Keys other than these are skipped.
type influxQLStream struct {
	json  *jsonStream
	onRow func(series *Series, row []Value) error
	// current is the series rows go to; continues says that its last part
	// was partial, so the next part of the same name, tags and columns
	// continues it.
	current   *Series
	continues bool
	cells     []Value
}

// read consumes the whole answer.
func (s *influxQLStream) read() error {
	for {
		if end, err := s.json.atEnd(); end || err != nil {
			return err
		}
		err := s.json.object(func(key string) error {
			switch key {
			case "results":
				return s.json.array(s.result)
			case "error":
				return s.queryError()
			}
			return s.json.skip()
		})
		if err != nil {
			return err
		}
	}
}

func (s *influxQLStream) result() error {
	return s.json.object(func(key string) error {
		switch key {
		case "series":
			return s.json.array(s.series)
		case "error":
			return s.queryError()
		}
		return s.json.skip()
	})
}

// queryError reads the message of an "error" member, of the answer or of one
// statement's result, as the query's error.
func (s *influxQLStream) queryError() error {
	msg, err := s.json.str()
	if err != nil {
		return err
	}
	return queryError(msg)
}

func (s *influxQLStream) series() error {
	part := &Series{}
	partial := false
	err := s.json.object(func(key string) error {
		var err error
		switch key {
		case "name":
			part.Name, err = s.json.str()
		case "tags":
			part.Tags = map[string]string{}
			err = s.json.object(func(tag string) error {
				value, err := s.json.str()
				part.Tags[tag] = value
				return err
			})
		case "columns":
			err = s.json.array(func() error {
				name, err := s.json.str()
				part.Columns = append(part.Columns, name)
				return err
			})
		case "values":
			series := s.continued(part)
			err = s.json.array(func() error { return s.row(series) })
		case "partial":
			partial, err = s.json.boolean()
		default:
			err = s.json.skip()
		}
		return err
	})
	s.continues = partial
	return err
}

// continued is the series a part's rows go to: the current one when the
// part continues it, else the part, which becomes current.
func (s *influxQLStream) continued(part *Series) *Series {
	c := s.current
	if !s.continues || c == nil || c.Name != part.Name || !sameTags(c.Tags, part.Tags) || !slices.Equal(c.Columns, part.Columns) {
		s.current = part
	}
	return s.current
}

func (s *influxQLStream) row(series *Series) error {
	s.cells = s.cells[:0]
	err := s.json.array(func() error {
		c, err := s.json.peek()
		switch {
		case err != nil:
			return err
		case c == '"':
			text, err := s.json.str()
			s.cells = append(s.cells, Value{kind: kindString, text: text})
			return err
		case c == '[' || c == '{':
			return s.json.fail("an InfluxQL cell is not a scalar")
		}
		token, err := s.json.scalar()
		if err != nil {
			return err
		}
		v, err := parseScalar(token)
		s.cells = append(s.cells, v)
		return err
	})
	if err != nil {
		return err
	}
	if len(s.cells) != len(series.Columns) || len(s.cells) == 0 {
		return &Error{Kind: ErrBadResponse, Message: "InfluxQL answer has a row that does not match its columns"}
	}
	return s.onRow(series, s.cells)
}

// jsonStream scans JSON from a reader through a buffer of its own, so that
// an answer of any length takes the memory of one buffer and one token.
type jsonStream struct {
	// what the stream is, for messages ("InfluxQL answer").
	what string
	r    io.Reader
	buf  []byte
	pos  int
	// offset is the position of buf[0] in the stream, for messages.
	offset int64
	// err is the reader's error, met once buf is drained.
	err error
	// token holds a token that spans two reads of the buffer.
	token []byte
	depth int
}

const (
	jsonBufferSize = 64 << 10
	// maxJSONToken bounds one string or number: InfluxDB's strings are at
	// most 64 KiB; a longer token is no answer of InfluxDB.
	maxJSONToken = 1 << 20
	// maxJSONDepth bounds the nesting of skipped values.
	maxJSONDepth = 64
)

func newJSONStream(what string, r io.Reader) *jsonStream {
	return &jsonStream{what: what, r: r, buf: make([]byte, 0, jsonBufferSize)}
}

// fill reads more bytes into the drained buffer; false at the end or on an
// error of the reader (kept in err).
func (s *jsonStream) fill() bool {
	s.offset += int64(len(s.buf))
	s.buf, s.pos = s.buf[:0], 0
	for s.err == nil {
		n, err := s.r.Read(s.buf[:cap(s.buf)])
		s.buf, s.err = s.buf[:n], err
		if n > 0 {
			return true
		}
	}
	return false
}

// cut is the error of a stream that ended inside a value.
func (s *jsonStream) cut() error {
	if errors.Is(s.err, io.EOF) {
		return &Error{Kind: ErrBadResponse, Message: fmt.Sprintf("decoding the %s: it ends in the middle of its JSON (after %d bytes)", s.what, s.offset+int64(s.pos))}
	}
	return s.err
}

// fail is a syntax error at the current position.
func (s *jsonStream) fail(what string) error {
	return &Error{Kind: ErrBadResponse, Message: fmt.Sprintf("decoding the %s: %s (byte %d)", s.what, what, s.offset+int64(s.pos))}
}

// peek skips white space and returns the next byte without consuming it.
func (s *jsonStream) peek() (byte, error) {
	for {
		for s.pos < len(s.buf) {
			switch c := s.buf[s.pos]; c {
			case ' ', '\t', '\n', '\r':
				s.pos++
			default:
				return c, nil
			}
		}
		if !s.fill() {
			return 0, s.cut()
		}
	}
}

// atEnd says whether only white space is left.
func (s *jsonStream) atEnd() (bool, error) {
	_, err := s.peek()
	if err != nil && errors.Is(s.err, io.EOF) {
		return true, nil
	}
	return false, err
}

func (s *jsonStream) expect(c byte) error {
	got, err := s.peek()
	if err != nil {
		return err
	}
	if got != c {
		return s.fail(fmt.Sprintf("want %q, got %q", c, got))
	}
	s.pos++
	return nil
}

// list reads the elements of an array or object up to closing, calling
// element for each; a ',' separates them.
func (s *jsonStream) list(closing byte, element func() error) error {
	if c, err := s.peek(); err != nil {
		return err
	} else if c == closing {
		s.pos++
		return nil
	}
	for {
		if err := element(); err != nil {
			return err
		}
		c, err := s.peek()
		if err != nil {
			return err
		}
		s.pos++
		switch c {
		case ',':
		case closing:
			return nil
		default:
			s.pos--
			return s.fail(fmt.Sprintf("want ',' or %q, got %q", closing, c))
		}
	}
}

// array reads an array, calling element for each element; null is an
// empty array.
func (s *jsonStream) array(element func() error) error {
	if c, err := s.peek(); err == nil && c == 'n' {
		return s.null()
	}
	if err := s.expect('['); err != nil {
		return err
	}
	return s.list(']', element)
}

// object reads an object, calling member with each key to read its value;
// null is an empty object.
func (s *jsonStream) object(member func(key string) error) error {
	if c, err := s.peek(); err == nil && c == 'n' {
		return s.null()
	}
	if err := s.expect('{'); err != nil {
		return err
	}
	return s.list('}', func() error {
		key, err := s.str()
		if err != nil {
			return err
		}
		if err := s.expect(':'); err != nil {
			return err
		}
		return member(key)
	})
}

func (s *jsonStream) null() error {
	token, err := s.scalar()
	if err == nil && string(token) != "null" {
		return s.fail(fmt.Sprintf("want null, got %.20q", token))
	}
	return err
}

func (s *jsonStream) boolean() (bool, error) {
	token, err := s.scalar()
	switch {
	case err != nil:
		return false, err
	case string(token) == "true":
		return true, nil
	case string(token) == "false":
		return false, nil
	}
	return false, s.fail(fmt.Sprintf("want true or false, got %.20q", token))
}

// scalar reads a number, true, false or null as it is written; the bytes
// are valid until the next read.
func (s *jsonStream) scalar() ([]byte, error) {
	if _, err := s.peek(); err != nil {
		return nil, err
	}
	s.token = s.token[:0]
	for {
		start := s.pos
		for s.pos < len(s.buf) {
			switch s.buf[s.pos] {
			case ',', ']', '}', ':', ' ', '\t', '\n', '\r', '"', '[', '{':
				if len(s.token) == 0 {
					return s.buf[start:s.pos], nil
				}
				s.token = append(s.token, s.buf[start:s.pos]...)
				return s.token, nil
			}
			s.pos++
		}
		s.token = append(s.token, s.buf[start:s.pos]...)
		if len(s.token) > maxJSONToken {
			return nil, s.fail("a JSON number is longer than 1 MiB")
		}
		if !s.fill() {
			if errors.Is(s.err, io.EOF) && len(s.token) > 0 {
				return s.token, nil
			}
			return nil, s.cut()
		}
	}
}

// str reads a string.
func (s *jsonStream) str() (string, error) {
	if err := s.expect('"'); err != nil {
		return "", err
	}
	s.token = s.token[:0]
	escaped := false
	for {
		start := s.pos
		for s.pos < len(s.buf) {
			switch s.buf[s.pos] {
			case '\\':
				escaped = true
				s.pos++ // the escaped byte is taken below, in this read or the next
				if s.pos < len(s.buf) {
					s.pos++
				} else {
					s.token = append(s.token, s.buf[start:s.pos]...)
					if !s.fill() {
						return "", s.cut()
					}
					start = s.pos
					s.pos++
				}
				continue
			case '"':
				s.pos++
				if len(s.token) == 0 && !escaped {
					return string(s.buf[start : s.pos-1]), nil
				}
				s.token = append(s.token, s.buf[start:s.pos-1]...)
				if !escaped {
					return string(s.token), nil
				}
				return s.unescape()
			}
			s.pos++
		}
		s.token = append(s.token, s.buf[start:s.pos]...)
		if len(s.token) > maxJSONToken {
			return "", s.fail("a JSON string is longer than 1 MiB")
		}
		if !s.fill() {
			return "", s.cut()
		}
	}
}

// unescape decodes the escapes of the string in token (rare in answers:
// only values that hold quotes, backslashes or control characters).
func (s *jsonStream) unescape() (string, error) {
	quoted := make([]byte, 0, len(s.token)+2)
	quoted = append(append(append(quoted, '"'), s.token...), '"')
	var text string
	if err := json.Unmarshal(quoted, &text); err != nil {
		return "", s.fail("a JSON string has a bad escape")
	}
	return text, nil
}

// skip reads any value and drops it.
func (s *jsonStream) skip() error {
	c, err := s.peek()
	if err != nil {
		return err
	}
	switch c {
	case '"':
		_, err := s.str()
		return err
	case '[', '{':
		if s.depth++; s.depth > maxJSONDepth {
			return s.fail("it nests JSON deeper than 64 levels")
		}
		defer func() { s.depth-- }()
		if c == '[' {
			return s.array(s.skip)
		}
		return s.object(func(string) error { return s.skip() })
	}
	token, err := s.scalar()
	if err != nil {
		return err
	}
	_, err = parseScalar(token)
	return err
}
