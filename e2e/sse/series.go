package sse

import (
	"errors"
	"fmt"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"
)

// ErrSeriesMustBeWide is Grafana's error for legacy (untyped) frames that
// are not wide time series (pkg/expr/errors.go).
var ErrSeriesMustBeWide = errors.New("input data must be a wide series")

// Series is one time series as server-side expressions hold it: the value
// field's name and labels, and its points.
type Series struct {
	Name   string
	Labels data.Labels
	Times  []time.Time
	Values []*float64
}

// Ignored names a field that Grafana's reader skips without an error
// (the dataplane "remainder"): the e2e test reports these, because a
// skipped field is data an alert rule never sees.
type Ignored struct {
	Frame  int
	Field  int
	Reason string
}

// Conversion is the result of reading one query's frames.
type Conversion struct {
	// Path is Grafana's converter path: "dataplane-timeseries-wide",
	// "dataplane-timeseries-multi", "single frame series",
	// "multi frame series" or "no-data".
	Path    string
	Series  []Series
	Ignored []Ignored
}

// SeriesFromFrames converts a data source's answer for one refId the way
// Grafana's ResultConverter.Convert does: typed frames (Meta.Type and a
// non-zero TypeVersion on the first frame) go through the dataplane
// readers, untyped frames must each be a wide time series and give one
// series per numeric field (WideToMany).
func SeriesFromFrames(frames data.Frames) (Conversion, error) {
	if len(frames) == 0 {
		return Conversion{Path: "no-data"}, nil
	}
	first := frames[0]
	if first != nil && first.Meta != nil && first.Meta.Type != "" && !first.Meta.TypeVersion.IsZero() {
		return dataplaneSeries(frames)
	}
	return legacySeries(frames)
}

func dataplaneSeries(frames data.Frames) (Conversion, error) {
	switch frames[0].Meta.Type {
	case data.FrameTypeTimeSeriesWide:
		return wideFrameSeries(frames)
	case data.FrameTypeTimeSeriesMulti:
		return multiFrameSeries(frames)
	default:
		return Conversion{}, fmt.Errorf("sse mirror: frame type %q is not mirrored", frames[0].Meta.Type)
	}
}

// wideFrameSeries mirrors dataplane's validateAndGetRefsWide: a
// timeseries-wide answer is ONE frame; every frame after the first is
// ignored, whatever it holds.
func wideFrameSeries(frames data.Frames) (Conversion, error) {
	conv := Conversion{Path: "dataplane-timeseries-wide"}
	frame := frames[0]
	if len(frame.Fields) > 0 {
		if err := malformedFrameCheck(0, frame); err != nil {
			return Conversion{}, err
		}
		timeIdx, err := selectTime(0, frame, &conv)
		if err != nil {
			return Conversion{}, err
		}
		valueIdx := valueFieldIndices(frame)
		if len(valueIdx) == 0 {
			return Conversion{}, errors.New("frame is missing a numeric value field")
		}
		ignoreNonValueFields(0, frame, &conv)
		for _, idx := range valueIdx {
			s, err := seriesOf(frame.Fields[timeIdx], frame.Fields[idx])
			if err != nil {
				return Conversion{}, err
			}
			conv.Series = append(conv.Series, s)
		}
	}
	for i := 1; i < len(frames); i++ {
		if frames[i] == nil {
			return Conversion{}, fmt.Errorf("nil frame at %v which is invalid", i-1)
		}
		conv.Ignored = append(conv.Ignored, Ignored{Frame: i, Field: -1, Reason: "additional frame"})
	}
	return conv, nil
}

// multiFrameSeries mirrors dataplane's validateAndGetRefsMulti: one series
// per frame (its first numeric field); frames without the type are ignored
// unless they come first.
func multiFrameSeries(frames data.Frames) (Conversion, error) {
	conv := Conversion{Path: "dataplane-timeseries-multi"}
	if len(frames[0].Fields) == 0 {
		for i := 1; i < len(frames); i++ {
			conv.Ignored = append(conv.Ignored, Ignored{Frame: i, Field: -1, Reason: "extra frame on no data response"})
		}
		return conv, nil
	}
	for i, frame := range frames {
		if frame == nil {
			return Conversion{}, fmt.Errorf("frame %v is nil which is not valid", i)
		}
		if frame.Meta == nil || frame.Meta.Type != data.FrameTypeTimeSeriesMulti {
			if i == 0 {
				return Conversion{}, errors.New("first frame must have the many/multi type indicator in frame metadata")
			}
			conv.Ignored = append(conv.Ignored, Ignored{Frame: i, Field: -1, Reason: "no type indicator in frame or metadata is not type many/multi"})
			continue
		}
		if len(frame.Fields) == 0 {
			return Conversion{}, fmt.Errorf("frame %v has zero or null fields which is invalid when more than one frame", i)
		}
		if err := malformedFrameCheck(i, frame); err != nil {
			return Conversion{}, err
		}
		timeIdx, err := selectTime(i, frame, &conv)
		if err != nil {
			return Conversion{}, err
		}
		valueIdx := valueFieldIndices(frame)
		if len(valueIdx) == 0 {
			return Conversion{}, fmt.Errorf("frame %v must have at least one value field but has %v", i, 0)
		}
		for _, idx := range valueIdx[1:] {
			conv.Ignored = append(conv.Ignored, Ignored{Frame: i, Field: idx, Reason: "additional numeric value field"})
		}
		ignoreNonValueFields(i, frame, &conv)
		s, err := seriesOf(frame.Fields[timeIdx], frame.Fields[valueIdx[0]])
		if err != nil {
			return Conversion{}, err
		}
		conv.Series = append(conv.Series, s)
	}
	if len(conv.Series) == 0 {
		return Conversion{}, errors.New("no metrics in response and not a no data response")
	}
	return conv, nil
}

// legacySeries mirrors the untyped branch of ResultConverter.Convert and
// WideToMany: each frame must be a wide time series; each numeric field
// becomes a series with the field's labels.
func legacySeries(frames data.Frames) (Conversion, error) {
	conv := Conversion{Path: "single frame series"}
	if len(frames) > 1 {
		conv.Path = "multi frame series"
	}
	if len(frames) == 1 && len(frames[0].Fields) == 0 {
		return Conversion{Path: "no-data"}, nil
	}
	for _, frame := range frames {
		schema := frame.TimeSeriesSchema()
		if schema.Type != data.TimeSeriesTypeWide {
			return Conversion{}, fmt.Errorf("%w but got type %s (input refid)", ErrSeriesMustBeWide, schema.Type)
		}
		for _, idx := range schema.ValueIndices {
			s, err := seriesOf(frame.Fields[schema.TimeIndex], frame.Fields[idx])
			if err != nil {
				return Conversion{}, err
			}
			conv.Series = append(conv.Series, s)
		}
	}
	return conv, nil
}

// seriesOf copies a time and a numeric field into a Series, as mathexp's
// SeriesFromFrame does (values become *float64, null stays nil).
func seriesOf(timeField, valueField *data.Field) (Series, error) {
	s := Series{Name: valueField.Name, Labels: valueField.Labels.Copy()}
	for i := 0; i < valueField.Len(); i++ {
		t, ok := timeField.ConcreteAt(i)
		if !ok {
			return Series{}, fmt.Errorf("series %q has a null time at row %d", valueField.Name, i)
		}
		v, err := valueField.NullableFloatAt(i)
		if err != nil {
			return Series{}, fmt.Errorf("series %q: %w", valueField.Name, err)
		}
		if v != nil {
			copied := *v
			v = &copied
		}
		s.Times = append(s.Times, t.(time.Time))
		s.Values = append(s.Values, v)
	}
	return s, nil
}

func malformedFrameCheck(frameIdx int, frame *data.Frame) error {
	for fieldIdx, field := range frame.Fields {
		if field == nil {
			return fmt.Errorf("frame %v has a nil field at %v", frameIdx, fieldIdx)
		}
	}
	if _, err := frame.RowLen(); err != nil {
		return fmt.Errorf("frame %v has mismatched field lengths: %w", frameIdx, err)
	}
	return nil
}

// selectTime takes the first []time.Time field (nullable time does not
// count) and records any further time fields as ignored.
func selectTime(frameIdx int, frame *data.Frame, conv *Conversion) (int, error) {
	timeIdx := frame.TypeIndices(data.FieldTypeTime)
	if len(timeIdx) == 0 {
		return 0, fmt.Errorf("frame %v is missing a []time.Time field", frameIdx)
	}
	for _, idx := range timeIdx[1:] {
		conv.Ignored = append(conv.Ignored, Ignored{Frame: frameIdx, Field: idx, Reason: "additional time field"})
	}
	return timeIdx[0], nil
}

// valueFieldIndices lists numeric fields (dataplane's ValidValueFields;
// bool fields are left out: no rule here reads them).
func valueFieldIndices(frame *data.Frame) []int {
	var idx []int
	for i, f := range frame.Fields {
		if f.Type().Numeric() {
			idx = append(idx, i)
		}
	}
	return idx
}

func ignoreNonValueFields(frameIdx int, frame *data.Frame, conv *Conversion) {
	for _, idx := range frame.TypeIndices(data.FieldTypeNullableTime, data.FieldTypeString, data.FieldTypeNullableString) {
		conv.Ignored = append(conv.Ignored, Ignored{Frame: frameIdx, Field: idx,
			Reason: fmt.Sprintf("unsupported field type %v", frame.Fields[idx].Type())})
	}
}
