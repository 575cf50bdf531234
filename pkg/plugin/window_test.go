package plugin

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/vmtelemetry/libvirt-datasource/pkg/influx"
)

// recordingSource answers every read with one VM climbing one point a
// second from series.Times[0], and records the requests.
type recordingSource struct {
	influx.Source
	series  []influx.VMSeries
	ranges  []influx.RangeRequest
	newests []influx.NewestRequest
}

func (s *recordingSource) Range(_ context.Context, req influx.RangeRequest) ([]influx.VMSeries, error) {
	s.ranges = append(s.ranges, req)
	return s.series, nil
}

func (s *recordingSource) Newest(_ context.Context, req influx.NewestRequest) ([]influx.VMSeries, error) {
	s.newests = append(s.newests, req)
	return s.series, nil
}

// climbing is one VM whose CPU rises one point a second for n seconds from start.
func climbing(start time.Time, n int) []influx.VMSeries {
	s := influx.VMSeries{VM: "one-71", Host: "kvm1", UUID: "u71", Values: map[string][]*float64{}}
	for i := 0; i < n; i++ {
		v := float64(i)
		s.Times = append(s.Times, start.Add(time.Duration(i)*time.Second))
		s.Values["cpu_usage_percent"] = append(s.Values["cpu_usage_percent"], &v)
	}
	return []influx.VMSeries{s}
}

func TestRateWindowReadsBeforeTheRangeAndTrims(t *testing.T) {
	from := time.Unix(1764844200, 0).UTC()
	source := &recordingSource{series: climbing(from.Add(-30*time.Second), 91)}
	d := &Datasource{Source: source}
	resp, err := d.QueryData(t.Context(), &backend.QueryDataRequest{Queries: []backend.DataQuery{{
		RefID: "A", TimeRange: backend.TimeRange{From: from, To: from.Add(time.Minute)}, Interval: time.Second, MaxDataPoints: 1000,
		JSON: []byte(`{"schemaVersion":1,"metrics":["cpu_usage_percent"],"outputs":["rate"],"rateWindowSeconds":30}`),
	}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(source.ranges) != 1 || !source.ranges[0].From.Equal(from.Add(-30*time.Second)) {
		t.Fatalf("reads %+v, want one range read from 30 s before the range", source.ranges)
	}
	dr := resp.Responses["A"]
	if dr.Error != nil || len(dr.Frames) != 1 {
		t.Fatalf("answer %v, %d frames", dr.Error, len(dr.Frames))
	}
	frame := dr.Frames[0]
	if frame.Rows() != 61 || !frame.Fields[0].At(0).(time.Time).Equal(from) {
		t.Fatalf("%d rows from %v, want 61 rows from %v (the lead left out)", frame.Rows(), frame.Fields[0].At(0), from)
	}
	// The first row of the range already has its 30-s reference: 45°.
	first, ok := frame.Fields[1].ConcreteAt(0)
	if !ok || math.Abs(first.(float64)-45) > 1e-9 {
		t.Errorf("first windowed rate = %v (%v), want 45°", first, ok)
	}
}

func TestRateWindowOfLiveFramesReadsTheWholeWindow(t *testing.T) {
	now := time.Unix(1764844300, 0).UTC()
	source := &recordingSource{series: climbing(now.Add(-100*time.Second), 100)}
	d := &Datasource{Source: source}
	window := latestWindow(10 * time.Second)
	frame, err := d.FleetFrame(t.Context(), mustQuery(t, `{"schemaVersion":1,"metrics":["cpu_usage_percent"],"outputs":["rate"],"rateWindowSeconds":60}`), time.Second, window, now, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(source.newests) != 0 || len(source.ranges) != 1 || now.Sub(source.ranges[0].From) < 60*time.Second+latestWindow(10*time.Second) {
		t.Fatalf("reads: newest %+v, range %+v; want one range read reaching back the window plus %v", source.newests, source.ranges, latestWindow(10*time.Second))
	}
	if frame.Rows() != 1 {
		t.Fatalf("fleet frame of %d rows, want one", frame.Rows())
	}
	rate, _ := frame.FieldByName("cpu_usage_percent_rate")
	if v, ok := rate.ConcreteAt(0); !ok || math.Abs(v.(float64)-45) > 1e-9 {
		t.Errorf("newest windowed rate = %v (%v), want 45°", v, ok)
	}

	source.ranges = nil
	if _, err := d.FleetFrame(t.Context(), mustQuery(t, `{"schemaVersion":1,"metrics":["cpu_usage_percent"],"outputs":["rate"]}`), time.Second, window, now, nil); err != nil {
		t.Fatal(err)
	}
	if len(source.ranges) != 0 || len(source.newests) != 1 || source.newests[0].Count != 2 {
		t.Errorf("without a window: newest %+v, range %+v; want the newest two points only", source.newests, source.ranges)
	}
}

func TestAlertQueryMatchingNoVMIsEmptyNotAnError(t *testing.T) {
	from := time.Unix(1764844200, 0).UTC()
	query := backend.DataQuery{RefID: "A", TimeRange: backend.TimeRange{From: from, To: from.Add(time.Minute)}, Interval: time.Second, MaxDataPoints: 1000,
		JSON: []byte(`{"schemaVersion":1,"metrics":["cpu_usage_percent"],"outputs":["rate"],"rateWindowSeconds":30}`)}
	// The only VM stopped before the range: its samples are in the window's lead only.
	d := &Datasource{Source: &recordingSource{series: climbing(from.Add(-30*time.Second), 20)}}
	for _, tc := range []struct {
		headers   map[string]string
		wantError bool
	}{{map[string]string{backend.FromAlertHeaderName: "true"}, false}, {nil, true}} {
		resp, err := d.QueryData(t.Context(), &backend.QueryDataRequest{Headers: tc.headers, Queries: []backend.DataQuery{query}})
		if err != nil {
			t.Fatal(err)
		}
		dr := resp.Responses["A"]
		if (dr.Error != nil) != tc.wantError || len(dr.Frames) != 0 {
			t.Errorf("headers %v: error %v, %d frames; want error %v and no frame", tc.headers, dr.Error, len(dr.Frames), tc.wantError)
		}
	}
}
