package influx

import (
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

// streamRows reads an answer as EachInfluxQL does and returns each series
// with copies of its rows, in order.
func streamRows(r io.Reader) ([]*Series, error) {
	var all []*Series
	stream := influxQLStream{json: newJSONStream("InfluxQL answer", r), onRow: func(s *Series, row []Value) error {
		if n := len(all); n == 0 || all[n-1] != s {
			all = append(all, s)
		}
		s.Values = append(s.Values, append([]Value(nil), row...))
		return nil
	}}
	return all, stream.read()
}

// A chunked answer as InfluxDB 1.8 writes it: a series split over two
// chunks (partial), a second statement, keys the reader skips.
const chunkedAnswer = `{"results":[{"statement_id":0,"series":[{"name":"vm_telemetry","tags":{"host":"kvm1","vm":"a\"b"},"columns":["time","cpu","state"],` +
	`"values":[[1,2.5,"running"],[ 2 ,-3e2,null]],"partial":true}],"partial":true}]}` + "\n" +
	`{"results":[{"statement_id":0,"series":[{"name":"vm_telemetry","tags":{"host":"kvm1","vm":"a\"b"},"columns":["time","cpu","state"],` +
	`"values":[[3,1e3,"pau\u0073ed"]]}],"messages":[{"level":"warning","text":"x"}]}]}` + "\n" +
	`{"results":[{"statement_id":1,"series":[{"name":"vm_telemetry","tags":{"host":"kvm1","vm":"a\"b"},"columns":["time","cpu","state"],"values":[[4,true,false]]}]}]}` + "\n"

func TestInfluxQLStreamReadsRowsAsTheyCome(t *testing.T) {
	// Whole, and one byte per read: tokens, escapes and rows then span
	// every refill of the buffer.
	for name, r := range map[string]func() io.Reader{
		"whole":    func() io.Reader { return strings.NewReader(chunkedAnswer) },
		"one byte": func() io.Reader { return iotest.OneByteReader(strings.NewReader(chunkedAnswer)) },
	} {
		all, err := streamRows(r())
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(all) != 2 || len(all[0].Values) != 3 || len(all[1].Values) != 1 {
			t.Fatalf("%s: %d series, want the partial one joined and the second statement's apart", name, len(all))
		}
		first := all[0]
		if first.Tags["vm"] != `a"b` || first.Tags["host"] != "kvm1" || strings.Join(first.Columns, ",") != "time,cpu,state" {
			t.Errorf("%s: series %q %v %v", name, first.Name, first.Tags, first.Columns)
		}
		want := []string{`1 2.5 "running"`, `2 -300 null`, `3 1000 "paused"`}
		for i, row := range first.Values {
			if got := fmt.Sprint(row[0], " ", row[1], " ", row[2]); got != want[i] {
				t.Errorf("%s: row %d = %s, want %s", name, i, got, want[i])
			}
		}
		if ns, err := first.Values[1][0].UnixNano(); err != nil || ns != 2 {
			t.Errorf("%s: time %v %v", name, ns, err)
		}
		if got := fmt.Sprint(all[1].Values[0][1], all[1].Values[0][2]); got != "true false" {
			t.Errorf("%s: booleans %s", name, got)
		}
	}
}

func TestInfluxQLStreamLongAnswer(t *testing.T) {
	var b strings.Builder
	b.WriteString(`{"results":[{"series":[{"name":"m","columns":["time","v","w"],"values":[`)
	for i := range 50000 {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, "[%d,%d.5,null]", i, i)
	}
	b.WriteString("]}]}]}")
	rows := 0
	stream := influxQLStream{json: newJSONStream("InfluxQL answer", strings.NewReader(b.String())), onRow: func(s *Series, row []Value) error {
		ns, _ := row[0].UnixNano()
		v, _ := row[1].Float()
		if len(row) != 3 || ns != int64(rows) || v != float64(rows)+0.5 || !row[2].IsNull() {
			return fmt.Errorf("row %d = %v", rows, row)
		}
		rows++
		return nil
	}}
	if err := stream.read(); err != nil || rows != 50000 {
		t.Fatalf("read %d rows: %v", rows, err)
	}
}

func TestInfluxQLStreamRefusesWhatIsNotAnAnswer(t *testing.T) {
	series := func(values string) string {
		return `{"results":[{"series":[{"name":"m","columns":["time","v"],"values":` + values + `}]}]}`
	}
	for name, answer := range map[string]string{
		"nested array cell": series(`[[1,[2]]]`),
		"object cell":       series(`[[1,{"a":1}]]`),
		"bad number":        series(`[[1,2.x]]`),
		"word":              series(`[[1,nope]]`),
		"row too short":     series(`[[1]]`),
		"row too long":      series(`[[1,2,3]]`),
		"not rows":          series(`[1]`),
		"cut short":         series(`[[1,2],[3`),
		"cut in a string":   `{"results":[{"series":[{"name":"m`,
		"missing comma":     series(`[[1 2]]`),
		"not JSON":          `<html>`,
		"deep":              `{"x":` + strings.Repeat("[", 100) + strings.Repeat("]", 100) + `}`,
		"bad escape":        `{"error":"\x"}`,
	} {
		_, err := streamRows(strings.NewReader(answer))
		if KindOf(err) != ErrBadResponse && !strings.Contains(fmt.Sprint(err), "InfluxQL cell") {
			t.Errorf("%s: error %v (kind %d), want a bad answer", name, err, KindOf(err))
		}
	}
	if _, err := streamRows(strings.NewReader(`{"results":[{"statement_id":0,"error":"database not found: x"}]}`)); KindOf(err) != ErrDatabaseNotFound {
		t.Errorf("a statement's error: %v", err)
	}
	if _, err := streamRows(strings.NewReader(`{"error":"boom"}`)); KindOf(err) != ErrQuery || !strings.Contains(err.Error(), "boom") {
		t.Errorf("an answer's error: %v", err)
	}
	if all, err := streamRows(strings.NewReader(" \n")); err != nil || len(all) != 0 {
		t.Errorf("an empty answer: %v %v", all, err)
	}
}

// FuzzInfluxQLStream: no answer makes the reader panic or loop, and every
// row it hands over matches its columns.
func FuzzInfluxQLStream(f *testing.F) {
	f.Add(chunkedAnswer)
	f.Add(`{"results":[{"series":[{"name":"m","columns":["time","v"],"values":[[1,"a\\"],[2,null]]}]}]}`)
	f.Fuzz(func(t *testing.T, answer string) {
		_, _ = streamRows(iotest.HalfReader(strings.NewReader(answer)))
		stream := influxQLStream{json: newJSONStream("InfluxQL answer", strings.NewReader(answer)), onRow: func(s *Series, row []Value) error {
			if len(row) != len(s.Columns) {
				t.Fatalf("row %v for columns %v", row, s.Columns)
			}
			return nil
		}}
		_ = stream.read()
	})
}
