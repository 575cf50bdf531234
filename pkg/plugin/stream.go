package plugin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
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
	minStreamInterval = models.MinStreamInterval
	// streamFailureLimit is how many reads in a row may fail before
	// RunStream gives up with an error. Grafana then runs it again with
	// backoff; returning nil would leave the panels frozen.
	streamFailureLimit = 3
)

// errUnknownStreamPath marks a path that is not fleet/<readable>/<hash>.
var errUnknownStreamPath = errors.New("unknown stream path")

// liveStream is a validated channel: the stream options of its query and
// how often it reads.
type liveStream struct {
	query    models.Query
	interval time.Duration
}

// parseStream checks a channel path and its data (the stream's query JSON):
// the data must be a valid query and the path the one StreamPath computes
// from it, so that a channel never streams anything but what its name says
// and two different data never share a channel.
func (d *Datasource) parseStream(path string, raw json.RawMessage) (liveStream, error) {
	if !strings.HasPrefix(path, streamPathPrefix) {
		return liveStream{}, fmt.Errorf("%w %q: want %s<host or all>/<hash>", errUnknownStreamPath, path, streamPathPrefix)
	}
	q, err := models.ParseQuery(raw)
	if err != nil {
		return liveStream{}, fmt.Errorf("stream %s: %w", path, err)
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
	want, err := StreamPath(raw)
	if err != nil {
		return liveStream{}, fmt.Errorf("stream %s: %w", path, err)
	}
	if want != path {
		return liveStream{}, fmt.Errorf("stream %s: path does not match its data (the data's path is %s)", path, want)
	}
	return liveStream{query: q, interval: interval}, nil
}

// SubscribeStream admits a subscriber to live/<key> when the key matches the
// query in the request's data and the channel runs already or the process
// has room for one more stream (maxLiveStreams); Grafana calls it for every
// subscriber.
func (d *Datasource) SubscribeStream(_ context.Context, req *backend.SubscribeStreamRequest) (*backend.SubscribeStreamResponse, error) {
	if _, err := d.parseStream(req.Path, req.Data); err != nil {
		log.DefaultLogger.Warn("refused a live subscription", "path", req.Path, "error", err.Error())
		if errors.Is(err, errUnknownStreamPath) {
			return &backend.SubscribeStreamResponse{Status: backend.SubscribeStreamStatusNotFound}, nil
		}
		return &backend.SubscribeStreamResponse{Status: backend.SubscribeStreamStatusPermissionDenied}, nil
	}
	if !d.streams.admits(channelKey(req.PluginContext, req.Path)) {
		log.DefaultLogger.Warn("refused a live subscription", "path", req.Path, "error", d.streams.full().Error())
		return &backend.SubscribeStreamResponse{Status: backend.SubscribeStreamStatusPermissionDenied}, nil
	}
	return &backend.SubscribeStreamResponse{Status: backend.SubscribeStreamStatusOK}, nil
}

// PublishStream refuses: the channels carry only what the backend reads.
func (d *Datasource) PublishStream(_ context.Context, _ *backend.PublishStreamRequest) (*backend.PublishStreamResponse, error) {
	return &backend.PublishStreamResponse{Status: backend.PublishStreamStatusPermissionDenied}, nil
}

// RunStream sends, every interval, the fleet frame (FleetFrame): one row
// per VM of the channel's host filter with its newest sample and rates, so
// that one InfluxDB read per interval serves every live panel of every
// viewer, whatever VM or field each shows (the browser picks them). A frame
// goes out every interval even when nothing changed; a VM that stops
// reporting keeps its row, stale with null values, so the schema never
// changes. The reads follow the exporters' sampling ticks (readSchedule), so
// a frame goes out just after the fleet's samples arrive. Reads that keep
// failing end the stream with an error, which makes Grafana run it again
// with backoff.
func (d *Datasource) RunStream(ctx context.Context, req *backend.RunStreamRequest, sender *backend.StreamSender) error {
	stream, err := d.parseStream(req.Path, req.Data)
	if err != nil {
		return err
	}
	if d.SettingsErr != nil {
		return d.SettingsErr
	}
	release, err := d.streams.acquire(channelKey(req.PluginContext, req.Path))
	if err != nil {
		return fmt.Errorf("live stream %s: %w", req.Path, err)
	}
	defer release()
	logger := log.DefaultLogger.With("path", req.Path)
	logger.Debug("live stream started", "interval", stream.interval.String())
	defer logger.Debug("live stream stopped")

	schedule := newReadSchedule(stream.interval)
	timer := time.NewTimer(0) // the first read at once
	defer timer.Stop()
	memory := fleetMemory{}
	gapLimit := stream.query.GapLimit(stream.interval)
	window := latestWindow(gapLimit)
	failures := 0
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-timer.C:
		}
		frame, err := d.FleetFrame(ctx, stream.query, stream.interval, window, time.Now(), memory)
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
			window = lookback(stream.interval, gapLimit)
			schedule.observe(memory, staleAfter(stream.interval))
			if err := sender.SendFrame(frame, data.IncludeAll); err != nil {
				if ctx.Err() != nil {
					return nil
				}
				return fmt.Errorf("live stream %s: sending a frame: %w", req.Path, err)
			}
		}
		timer.Reset(time.Until(schedule.next(time.Now())))
	}
}

// latestWindow is how far back a stream's first read reaches: the VMs
// silent for longer are not listed, and a rate across a longer step would be
// null anyway.
func latestWindow(gapLimit time.Duration) time.Duration {
	return max(time.Minute, 2*gapLimit)
}

// lookback is how far back the reads after the first reach: a VM whose
// newest sample is older is stale (its row comes from the stream's memory),
// and the sample before its newest counts for a rate only within the gap
// limit. So every read finds what the first read's window would, while
// InfluxDB scans seconds of samples per VM instead of a minute of them.
func lookback(interval, gapLimit time.Duration) time.Duration {
	return staleAfter(interval) + gapLimit
}
