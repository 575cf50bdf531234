package influx

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestValueDecoding(t *testing.T) {
	var row []Value
	if err := json.Unmarshal([]byte(`[1764844245123456789, 40.5, 9007199257145728, 18446744073709551615, 1e3, "running", true, null]`), &row); err != nil {
		t.Fatal(err)
	}
	if ts, err := row[0].Time(); err != nil || !ts.Equal(time.Unix(1764844245, 123456789)) {
		t.Errorf("time cell: %v %v, want the exact nanosecond", ts, err)
	}
	for i, want := range []float64{40.5, 9007199257145728, 18446744073709551615, 1000} {
		if got, ok := row[i+1].Float(); !ok || got != want {
			t.Errorf("number cell %d = %v (%v), want %v", i+1, got, ok, want)
		}
	}
	for i := 5; i < 8; i++ {
		if _, ok := row[i].Float(); ok {
			t.Errorf("cell %d (%v) reads as a number", i, row[i])
		}
	}
	if !row[7].IsNull() || row[5].IsNull() || row[5].String() != `"running"` {
		t.Errorf("null and string cells: %v %v", row[7], row[5])
	}
	if _, err := row[1].Time(); err == nil {
		t.Error("a fractional number reads as a time")
	}
	if err := json.Unmarshal([]byte(`[[1]]`), &row); err == nil {
		t.Error("a nested array reads as a cell")
	}
}

func TestRowsDecoding(t *testing.T) {
	var rows Rows
	in := `[[1, 2.5, null, "a\"b", true], [ 2 ,-3e2,"x",null,false] ,[]]`
	if err := json.Unmarshal([]byte(in), &rows); err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 || len(rows[0]) != 5 || len(rows[1]) != 5 || len(rows[2]) != 0 {
		t.Fatalf("rows %v", rows)
	}
	if v, _ := rows[1][1].Float(); v != -300 {
		t.Errorf("-3e2 read as %v", v)
	}
	if rows[0][3].String() != `"a\"b"` || !rows[0][2].IsNull() || rows[1][2].String() != `"x"` {
		t.Errorf("cells %v %v %v", rows[0][3], rows[0][2], rows[1][2])
	}
	if ns, err := rows[1][0].UnixNano(); err != nil || ns != 2 {
		t.Errorf("time %v %v", ns, err)
	}
	for _, bad := range []string{`[[1,[2]]]`, `[[1,{"a":1}]]`, `[[1,2.x]]`, `[1]`} {
		if err := json.Unmarshal([]byte(bad), &rows); err == nil {
			t.Errorf("%s decoded without error", bad)
		}
	}
}

func TestRowsDecodingLongAnswer(t *testing.T) {
	var b strings.Builder
	b.WriteString("[")
	for i := range 5000 {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, "[%d,%d.5,null]", i, i)
	}
	b.WriteString("]")
	var rows Rows
	if err := json.Unmarshal([]byte(b.String()), &rows); err != nil {
		t.Fatal(err)
	}
	for i, row := range rows {
		if ns, _ := row[0].UnixNano(); len(row) != 3 || ns != int64(i) {
			t.Fatalf("row %d = %v", i, row)
		}
		if v, _ := row[1].Float(); v != float64(i)+0.5 {
			t.Fatalf("row %d value %v", i, v)
		}
	}
}
