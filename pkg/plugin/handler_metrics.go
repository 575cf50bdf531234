package plugin

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/backend/log"
	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/vmtelemetry/libvirt-datasource/pkg/influx"
	"github.com/vmtelemetry/libvirt-datasource/pkg/models"
	"github.com/vmtelemetry/libvirt-datasource/pkg/rate"
)

// handleMetrics answers queryType "metrics": one wide frame per VM; and
// queryType "devices", whose selection reads a per-device measurement
// instead: one wide frame per VM and device.
func (d *Datasource) handleMetrics(ctx context.Context, qc queryContext, q models.Query) backend.DataResponse {
	plan := planRange(qc.query.TimeRange, qc.query.Interval, qc.query.MaxDataPoints)
	now := time.Now()
	var steps []time.Duration
	if d.Settings.Rollups && q.ReadsRollups() {
		steps = d.Settings.RollupSteps()
		plan = plan.onRollups(now, steps)
	}
	read := func(plan rangePlan) ([]influx.VMSeries, error) {
		return d.Source.Range(ctx, influx.RangeRequest{
			Selection:    q.Selection(),
			Fields:       rangeFields(q, plan),
			From:         readStart(plan.From, q, plan.Bucket),
			To:           plan.To,
			Interval:     plan.Bucket,
			RollupBefore: plan.RollupBefore,
			RollupStep:   plan.RollupStep,
		})
	}
	series, err := read(plan)
	var missing []string
	for err != nil && plan.RollupStep != 0 && rollupsMissing(err) {
		// A stack set up before these rollups existed: answer from the
		// finer ones or the 1-s data (slower, same buckets) and say what to do.
		log.DefaultLogger.Warn("rollups missing, reading finer data", "step", plan.RollupStep, "error", err)
		missing = append(missing, fmt.Sprintf("the %s rollups (%v)", influx.RollupSuffix(plan.RollupStep), err))
		steps = slices.DeleteFunc(slices.Clone(steps), func(step time.Duration) bool { return step == plan.RollupStep })
		plan = plan.onRollups(now, steps)
		series, err = read(plan)
	}
	if err != nil {
		return errorResponse(err)
	}
	gapLimit := q.GapLimit(plan.gapInterval(qc.query.Interval))
	response := vmFramesResponse(series, q, gapLimit, plan.From, plan.To, qc.fromAlert, "in the time range")
	if len(missing) > 0 {
		source := "the 1-s data"
		if plan.RollupStep != 0 {
			source = "the " + influx.RollupSuffix(plan.RollupStep) + " rollups"
		}
		notice := fmt.Sprintf("InfluxDB lacks %s: this range was read from %s. "+
			"Run provisioning/influxdb/init/15-rollups.sh setup, or turn rollups off in the data source settings.", strings.Join(missing, " and "), source)
		for _, frame := range response.Frames {
			frame.AppendNotices(data.Notice{Severity: data.NoticeSeverityWarning, Text: notice})
		}
	}
	return response
}

// rollupsMissing says whether a rollup read failed because InfluxDB has no
// rollups of its step: no retention policy rollup_<step> (InfluxQL on 1.x, or no DBRP
// mapping of it on 2.x; Flux on 1.8 calls it invalid) or no rollup bucket
// (Flux on 2.x).
func rollupsMissing(err error) bool {
	var e *influx.Error
	if !errors.As(err, &e) {
		return false
	}
	message := strings.ToLower(e.Message)
	return e.Kind == influx.ErrBucketNotFound || e.Kind == influx.ErrDatabaseNotFound ||
		strings.Contains(message, "retention policy not found") || strings.Contains(message, "invalid retention policy")
}

// rangeFields lists the stored fields to read; counters are always
// aggregated with last (a mean of a counter is no counter), and so is the
// state (a name has no mean).
func rangeFields(q models.Query, plan rangePlan) []influx.Field {
	fields := make([]influx.Field, len(q.Metrics))
	for i, name := range q.Metrics {
		fields[i] = influx.Field{Name: name}
		if plan.Bucket > 0 {
			fields[i].Aggregate = q.Aggregation
			if metric, _ := q.Metric(name); metric.Kind == rate.Counter || metric.State {
				fields[i].Aggregate = "last"
			}
		}
	}
	return fields
}

// vmFramesResponse makes the response of per-VM series from the rows at
// or after from: an error when no VM matched, an error line per listed VM
// without data beside the others' frames. An alert rule instead gets what
// is there, without an error: no VM with data is empty data, which Grafana
// calls NoData (an error would put the rule in its Error state, as if the
// data source were broken), and a listed VM without data simply has no
// series, like a VM that stopped.
func vmFramesResponse(series []influx.VMSeries, q models.Query, gapLimit time.Duration, from, to time.Time, fromAlert bool, where string) backend.DataResponse {
	var response backend.DataResponse
	found := map[string]bool{}
	for i, s := range series {
		frame := vmFrame(s, q, gapLimit, from, to)
		// The frame holds what it needs: the series' other slices go as the
		// frames are made, not after the last.
		series[i] = influx.VMSeries{}
		if frame.Rows() == 0 {
			// Only samples of the rate window's lead, before the range.
			continue
		}
		// A list entry names a VM by "<host>/<name>" or by name alone.
		found[s.VM], found[s.ID().Ref()] = true, true
		if valueFieldCount(frame) == 0 {
			return errorResponse(userError{fmt.Errorf("outputs %q give no field for metrics %q (per_second exists only for byte counters)", q.Outputs, q.Metrics)})
		}
		if fromAlert {
			response.Frames = append(response.Frames, alertingFrames(frame)...)
		} else {
			response.Frames = append(response.Frames, frame)
		}
	}
	if fromAlert {
		return response
	}
	if len(found) == 0 {
		return errorResponse(notFoundError{fmt.Errorf("no VM matches %s %s", q.DescribeSelection(), where)})
	}
	if q.VMMode == models.VMModeList {
		var missing []string
		for _, vm := range sortedUnique(q.VMs) {
			if !found[vm] {
				missing = append(missing, fmt.Sprintf("no data for VM %q %s", vm, where))
			}
		}
		if len(missing) > 0 {
			response.Error = notFoundError{errors.New(strings.Join(missing, "\n"))}
			response.Status = backend.StatusNotFound
			response.ErrorSource = backend.ErrorSourceDownstream
		}
	}
	return response
}
