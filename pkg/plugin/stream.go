package plugin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/backend/log"
	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/vmtelemetry/libvirt-datasource/pkg/models"
)

var _ backend.StreamHandler = (*Datasource)(nil)

const (
	// minStreamInterval keeps a stream from polling InfluxDB in a busy loop.
	minStreamInterval = 100 * time.Millisecond
	// streamFailureLimit is how many reads in a row may fail before
	// RunStream gives up with an error. Grafana then runs it again with
	// backoff; returning nil would leave the panels frozen.
	streamFailureLimit = 3
)

// errUnknownStreamPath marks a path that is not live/<key>.
var errUnknownStreamPath = errors.New("unknown stream path")

// liveStream is a validated channel: what it streams and how often.
type liveStream struct {
	query    models.Query
	interval time.Duration
}

// parseStream checks a channel path and its data (the query JSON): the path
// must be live/<key>, the data a valid metrics query, and the key the one
// computed from that query and its interval, so that a channel never
// streams anything but what its name says.
func (d *Datasource) parseStream(path string, raw json.RawMessage) (liveStream, error) {
	key, ok := strings.CutPrefix(path, streamPathPrefix)
	if !ok || !isStreamKey(key) {
		return liveStream{}, fmt.Errorf("%w %q: want %s<16 hex digits>", errUnknownStreamPath, path, streamPathPrefix)
	}
	q, err := models.ParseQuery(raw)
	if err != nil {
		return liveStream{}, fmt.Errorf("stream %s: %w", path, err)
	}
	if q.QueryType != models.QueryTypeMetrics {
		return liveStream{}, fmt.Errorf("stream %s: queryType %q cannot stream, only %q", path, q.QueryType, models.QueryTypeMetrics)
	}
	interval := d.Settings.StreamInterval
	if q.LiveIntervalMs > 0 {
		interval = time.Duration(q.LiveIntervalMs) * time.Millisecond
	}
	if interval == 0 {
		interval = models.DefaultStreamInterval
	}
	if interval < minStreamInterval {
		return liveStream{}, fmt.Errorf("stream %s: interval %s is shorter than the minimum %s", path, interval, minStreamInterval)
	}
	if want := StreamKey(q, interval); want != key {
		return liveStream{}, fmt.Errorf("stream %s: key does not match its query (the query's key is %s)", path, want)
	}
	return liveStream{query: q, interval: interval}, nil
}

// SubscribeStream admits a subscriber to live/<key> when the key matches the
// query in the request's data; Grafana calls it for every subscriber.
func (d *Datasource) SubscribeStream(_ context.Context, req *backend.SubscribeStreamRequest) (*backend.SubscribeStreamResponse, error) {
	if _, err := d.parseStream(req.Path, req.Data); err != nil {
		log.DefaultLogger.Warn("refused a live subscription", "path", req.Path, "error", err.Error())
		if errors.Is(err, errUnknownStreamPath) {
			return &backend.SubscribeStreamResponse{Status: backend.SubscribeStreamStatusNotFound}, nil
		}
		return &backend.SubscribeStreamResponse{Status: backend.SubscribeStreamStatusPermissionDenied}, nil
	}
	return &backend.SubscribeStreamResponse{Status: backend.SubscribeStreamStatusOK}, nil
}

// PublishStream refuses: the channels carry only what the backend reads.
func (d *Datasource) PublishStream(_ context.Context, _ *backend.PublishStreamRequest) (*backend.PublishStreamResponse, error) {
	return &backend.PublishStreamResponse{Status: backend.PublishStreamStatusPermissionDenied}, nil
}

// RunStream sends, every interval, one frame per VM of the query with its
// newest sample and the rates against the sample before (LatestFrames),
// until Grafana cancels ctx (its last subscriber left). A frame goes out
// every interval even when nothing changed. A VM that stops reporting keeps
// its frame, with nulls, so the channel's schema never changes. Reads that
// keep failing end the stream with an error, which makes Grafana run it
// again with backoff.
func (d *Datasource) RunStream(ctx context.Context, req *backend.RunStreamRequest, sender *backend.StreamSender) error {
	stream, err := d.parseStream(req.Path, req.Data)
	if err != nil {
		return err
	}
	if d.SettingsErr != nil {
		return d.SettingsErr
	}
	logger := log.DefaultLogger.With("path", req.Path)
	logger.Debug("live stream started", "interval", stream.interval.String())
	defer logger.Debug("live stream stopped")

	ticker := time.NewTicker(stream.interval)
	defer ticker.Stop()
	schema := streamSchema{}
	failures := 0
	for {
		now := time.Now()
		frames, err := d.LatestFrames(ctx, stream.query, stream.interval, now)
		switch {
		case ctx.Err() != nil:
			return nil
		case err != nil:
			failures++
			logger.Warn("live stream: reading the newest samples failed", "failures", failures, "error", err.Error())
			if failures >= streamFailureLimit {
				return fmt.Errorf("live stream %s: reading InfluxDB failed %d times in a row: %w", req.Path, failures, err)
			}
		default:
			failures = 0
			for _, frame := range schema.complete(frames, now) {
				if err := sender.SendFrame(frame, data.IncludeAll); err != nil {
					if ctx.Err() != nil {
						return nil
					}
					return fmt.Errorf("live stream %s: sending a frame: %w", req.Path, err)
				}
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-ticker.C:
		}
	}
}

// streamSchema remembers the last frame sent for each VM of a stream, so
// that a VM without a sample in this round still gets a frame of the same
// fields and labels, with null values.
type streamSchema map[string]*data.Frame

// complete returns the round's frames plus a null frame at now for every VM
// seen before that has none, sorted by VM name.
func (s streamSchema) complete(frames data.Frames, now time.Time) data.Frames {
	present := map[string]bool{}
	for _, frame := range frames {
		present[frame.Name] = true
		s[frame.Name] = frame
	}
	for name, last := range s {
		if !present[name] {
			frames = append(frames, nullSample(last, now))
		}
	}
	sort.Slice(frames, func(i, j int) bool { return frames[i].Name < frames[j].Name })
	return frames
}

// nullSample is a one-row frame at t with the fields of frame and null values.
func nullSample(frame *data.Frame, t time.Time) *data.Frame {
	out := data.NewFrame(frame.Name)
	out.Meta = frame.Meta
	for _, f := range frame.Fields {
		var field *data.Field
		if f.Name == timeFieldName {
			field = data.NewField(f.Name, f.Labels, []time.Time{t})
		} else {
			field = data.NewFieldFromFieldType(f.Type(), 1)
			field.Name, field.Labels = f.Name, f.Labels
		}
		field.Config = f.Config
		out.Fields = append(out.Fields, field)
	}
	return out
}
