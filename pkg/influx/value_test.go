package influx

import (
	"encoding/json"
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
