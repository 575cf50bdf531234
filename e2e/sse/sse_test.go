package sse

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func times(n int) []time.Time {
	out := make([]time.Time, n)
	for i := range out {
		out[i] = t0.Add(time.Duration(i) * time.Second)
	}
	return out
}

func f(v float64) *float64 { return &v }

func vmFrame(vm string, meta *data.FrameMeta, fields ...*data.Field) *data.Frame {
	frame := data.NewFrame(vm, append([]*data.Field{data.NewField("time", nil, times(fields[0].Len()))}, fields...)...)
	frame.Meta = meta
	return frame
}

var wideMeta = &data.FrameMeta{Type: data.FrameTypeTimeSeriesWide, TypeVersion: data.FrameTypeVersion{0, 1}}
var multiMeta = &data.FrameMeta{Type: data.FrameTypeTimeSeriesMulti, TypeVersion: data.FrameTypeVersion{0, 1}}

func TestTypedWideReadsOnlyTheFirstFrame(t *testing.T) {
	frames := data.Frames{
		vmFrame("a", wideMeta, data.NewField("cpu", data.Labels{"vm": "a"}, []*float64{f(1), f(2)})),
		vmFrame("b", wideMeta, data.NewField("cpu", data.Labels{"vm": "b"}, []*float64{f(3), f(4)})),
	}
	conv, err := SeriesFromFrames(frames)
	if err != nil {
		t.Fatal(err)
	}
	if conv.Path != "dataplane-timeseries-wide" || len(conv.Series) != 1 || conv.Series[0].Labels["vm"] != "a" {
		t.Fatalf("got path %s, %d series %+v", conv.Path, len(conv.Series), conv.Series)
	}
	if len(conv.Ignored) != 1 || conv.Ignored[0].Frame != 1 || conv.Ignored[0].Reason != "additional frame" {
		t.Fatalf("ignored = %+v", conv.Ignored)
	}
}

func TestTypedWideOneSeriesPerNumericField(t *testing.T) {
	frame := vmFrame("a", wideMeta,
		data.NewField("cpu", data.Labels{"vm": "a", "field": "cpu"}, []*float64{f(1), nil}),
		data.NewField("note", nil, []string{"x", "y"}),
		data.NewField("mem", data.Labels{"vm": "a", "field": "mem"}, []float64{5, 6}))
	conv, err := SeriesFromFrames(data.Frames{frame})
	if err != nil {
		t.Fatal(err)
	}
	if len(conv.Series) != 2 || conv.Series[0].Name != "cpu" || conv.Series[1].Name != "mem" {
		t.Fatalf("series = %+v", conv.Series)
	}
	if conv.Series[0].Values[1] != nil || *conv.Series[1].Values[1] != 6 {
		t.Fatalf("values not copied: %+v", conv.Series)
	}
	if len(conv.Ignored) != 1 || !strings.Contains(conv.Ignored[0].Reason, "unsupported field type") {
		t.Fatalf("string field not reported as ignored: %+v", conv.Ignored)
	}
}

func TestTypedWideWithoutNumericFieldFails(t *testing.T) {
	frame := vmFrame("a", wideMeta, data.NewField("state", nil, []string{"running"}))
	if _, err := SeriesFromFrames(data.Frames{frame}); err == nil || err.Error() != "frame is missing a numeric value field" {
		t.Fatalf("err = %v", err)
	}
}

func TestTypedMultiReadsEveryFrame(t *testing.T) {
	frames := data.Frames{
		vmFrame("a", multiMeta, data.NewField("cpu", data.Labels{"vm": "a"}, []*float64{f(1)}), data.NewField("extra", nil, []*float64{f(9)})),
		vmFrame("b", multiMeta, data.NewField("cpu", data.Labels{"vm": "b"}, []*float64{f(3)})),
		vmFrame("c", nil, data.NewField("cpu", data.Labels{"vm": "c"}, []*float64{f(3)})),
	}
	conv, err := SeriesFromFrames(frames)
	if err != nil {
		t.Fatal(err)
	}
	if len(conv.Series) != 2 || conv.Series[1].Labels["vm"] != "b" {
		t.Fatalf("series = %+v", conv.Series)
	}
	if len(conv.Ignored) != 2 || conv.Ignored[0].Reason != "additional numeric value field" {
		t.Fatalf("ignored = %+v", conv.Ignored)
	}
}

func TestUntypedFramesEachGiveSeries(t *testing.T) {
	frames := data.Frames{
		vmFrame("a", nil, data.NewField("cpu", data.Labels{"vm": "a"}, []*float64{f(1)})),
		vmFrame("b", nil, data.NewField("cpu", data.Labels{"vm": "b"}, []*float64{f(3)})),
	}
	conv, err := SeriesFromFrames(frames)
	if err != nil {
		t.Fatal(err)
	}
	if conv.Path != "multi frame series" || len(conv.Series) != 2 {
		t.Fatalf("conv = %+v", conv)
	}
}

func TestUntypedFrameWithStringColumnIsNotWide(t *testing.T) {
	frame := vmFrame("a", nil, data.NewField("cpu", nil, []*float64{f(1)}), data.NewField("vm", nil, []string{"a"}))
	_, err := SeriesFromFrames(data.Frames{frame})
	if err == nil || err.Error() != "input data must be a wide series but got type long (input refid)" {
		t.Fatalf("err = %v", err)
	}
}

func TestReduceStrictAndModes(t *testing.T) {
	s := []Series{{Labels: data.Labels{"vm": "a"}, Values: []*float64{f(1), nil, f(5), f(math.NaN()), f(3)}}}
	cases := []struct {
		reducer string
		mode    ReduceMode
		want    *float64 // nil: null; NaN compared with IsNaN
	}{
		{"last", ReduceMode{}, f(3)},
		{"mean", ReduceMode{}, f(math.NaN())},
		{"max", ReduceMode{}, f(math.NaN())},
		{"min", ReduceMode{}, f(math.NaN())},
		{"mean", ReduceMode{Mode: "dropNN"}, f(3)},
		{"max", ReduceMode{Mode: "dropNN"}, f(5)},
		{"min", ReduceMode{Mode: "dropNN"}, f(1)},
		{"max", ReduceMode{Mode: "replaceNN", ReplaceWith: 9}, f(9)},
		{"min", ReduceMode{Mode: "replaceNN", ReplaceWith: -1}, f(-1)},
	}
	for _, c := range cases {
		got, err := Reduce(s, c.reducer, c.mode)
		if err != nil {
			t.Fatal(err)
		}
		v := got[0].Value
		ok := v != nil && (*v == *c.want || (math.IsNaN(*v) && math.IsNaN(*c.want)))
		if !ok || got[0].Labels["vm"] != "a" {
			t.Errorf("%s %q = %v, want %v", c.reducer, c.mode.Mode, deref(v), *c.want)
		}
	}
}

func TestReduceNullLastAndEmpty(t *testing.T) {
	got, _ := Reduce([]Series{{Values: []*float64{f(1), nil}}}, "last", ReduceMode{})
	if got[0].Value != nil {
		t.Fatalf("last of a null point = %v, want null", *got[0].Value)
	}
	got, _ = Reduce([]Series{{Values: nil}}, "mean", ReduceMode{Mode: "dropNN"})
	if got[0].Value != nil {
		t.Fatalf("dropNN mean of nothing = %v, want null", *got[0].Value)
	}
	if _, err := Reduce(nil, "lastNotNull", ReduceMode{}); err == nil || err.Error() != "reduction lastNotNull not implemented" {
		t.Fatalf("err = %v", err)
	}
}

func TestThresholdAndInstances(t *testing.T) {
	numbers := []Number{
		{Labels: data.Labels{"vm": "busy"}, Value: f(75)},
		{Labels: data.Labels{"vm": "idle"}, Value: f(0.5)},
		{Labels: data.Labels{"vm": "gone"}, Value: nil},
	}
	cond, err := Threshold(numbers, "gt", []float64{60})
	if err != nil {
		t.Fatal(err)
	}
	inst, err := Instances(cond)
	if err != nil {
		t.Fatal(err)
	}
	want := []State{Alerting, Normal, NoData}
	for i, s := range want {
		if inst[i].State != s {
			t.Errorf("%v: %s, want %s", inst[i].Labels, inst[i].State, s)
		}
	}
	within, _ := Threshold(numbers[:2], "within_range", []float64{0, 1})
	if *within[0].Value != 0 || *within[1].Value != 1 {
		t.Fatalf("within_range = %v %v", *within[0].Value, *within[1].Value)
	}
	lt, _ := Threshold(numbers[:2], "lt", []float64{1})
	if *lt[0].Value != 0 || *lt[1].Value != 1 {
		t.Fatalf("lt = %v %v", *lt[0].Value, *lt[1].Value)
	}
	if _, err := Threshold(numbers, "within_range", []float64{1}); err == nil ||
		err.Error() != "incorrect number of arguments for threshold function 'within_range': got 1 but need 2" {
		t.Fatalf("err = %v", err)
	}
}

func TestDuplicateLabelSetsFailTheRule(t *testing.T) {
	numbers := []Number{
		{Labels: data.Labels{"vm": "a", "host": "h"}, Value: f(1)},
		{Labels: data.Labels{"host": "h", "vm": "a"}, Value: f(0)},
	}
	_, err := Instances(numbers)
	want := "invalid format of evaluation results for the alert definition : frame cannot uniquely be identified by its labels: has duplicate results with labels {host=h, vm=a}"
	if err == nil || err.Error() != want {
		t.Fatalf("err = %v", err)
	}
}

func deref(v *float64) any {
	if v == nil {
		return nil
	}
	return *v
}
