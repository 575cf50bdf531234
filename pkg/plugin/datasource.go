// Package plugin is the data source backend: QueryData per query type,
// CheckHealth and CallResource over the contract's InfluxDB measurement.
// The Grafana Live stream methods live in stream*.go.
package plugin

import (
	"context"
	"fmt"
	"runtime/debug"
	"strings"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/backend/instancemgmt"
	"github.com/grafana/grafana-plugin-sdk-go/backend/log"
	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/vmtelemetry/libvirt-datasource/pkg/influx"
	"github.com/vmtelemetry/libvirt-datasource/pkg/models"
)

// PluginID is the id of plugin.json.
const PluginID = "vmtelemetry-libvirt-datasource"

var (
	_ backend.QueryDataHandler      = (*Datasource)(nil)
	_ backend.CheckHealthHandler    = (*Datasource)(nil)
	_ backend.CallResourceHandler   = (*Datasource)(nil)
	_ instancemgmt.InstanceDisposer = (*Datasource)(nil)
)

// Datasource is one instance of the data source, made per settings version
// by the SDK's instance manager.
type Datasource struct {
	// Settings are valid when SettingsErr is nil.
	Settings models.Settings
	// SettingsErr says what is wrong with the settings; every call then
	// answers with it instead of querying.
	SettingsErr error
	// Client talks to InfluxDB; nil when SettingsErr is set.
	Client *influx.Client
	// Source reads the measurement in the configured query language.
	Source influx.Source

	resources backend.CallResourceHandler
	// streams caps the live streams of the process (liveStreams).
	streams *streamSlots
}

// NewDatasource builds an instance from Grafana's settings. Bad settings do
// not fail the instance: CheckHealth and queries report them precisely.
func NewDatasource(_ context.Context, instance backend.DataSourceInstanceSettings) (instancemgmt.Instance, error) {
	d := &Datasource{streams: liveStreams}
	d.resources = newResourceHandler(d)
	settings, err := models.LoadSettings(instance)
	if err != nil {
		d.SettingsErr = fmt.Errorf("data source settings: %w", err)
		return d, nil
	}
	d.Settings = settings
	cfg := influx.Config{
		URL:           settings.URL,
		Timeout:       settings.Timeout,
		TLSSkipVerify: settings.TLSSkipVerify,
		MaxPoints:     settings.MaxPointsPerQuery,
	}
	switch settings.AuthType {
	case models.AuthToken:
		cfg.Token = settings.Secrets.Token
	case models.AuthBasic:
		cfg.Username, cfg.Password = settings.Username, settings.Secrets.Password
	}
	if settings.TLSWithCACert {
		cfg.CACertPEM = settings.Secrets.TLSCACert
	}
	client, err := influx.NewClient(cfg)
	if err != nil {
		d.SettingsErr = fmt.Errorf("data source settings: %w", err)
		return d, nil
	}
	d.Client = client
	if settings.QueryLanguage == models.LanguageFlux {
		d.Source = &influx.FluxSource{Client: client, Organization: settings.Organization, Bucket: settings.Bucket, RollupBuckets: settings.RollupBuckets, Measurement: settings.Measurement}
	} else {
		d.Source = &influx.InfluxQLSource{Client: client, Database: settings.Database, RetentionPolicy: settings.RetentionPolicy, Measurement: settings.Measurement}
	}
	return d, nil
}

// Dispose releases the instance's connections when its settings change.
func (d *Datasource) Dispose() {
	if d.Client != nil {
		d.Client.Close()
	}
}

// queryContext is what a handler needs of the request besides its query.
type queryContext struct {
	query     backend.DataQuery
	fromAlert bool
}

type queryHandler func(ctx context.Context, qc queryContext, q models.Query) backend.DataResponse

// QueryData answers each query independently: one query's error never
// hides the others' data.
func (d *Datasource) QueryData(ctx context.Context, req *backend.QueryDataRequest) (*backend.QueryDataResponse, error) {
	response := backend.NewQueryDataResponse()
	fromAlert := IsFromAlert(req.Headers)
	for _, dq := range req.Queries {
		response.Responses[dq.RefID] = d.runQuery(ctx, queryContext{query: dq, fromAlert: fromAlert})
	}
	return response, nil
}

func (d *Datasource) runQuery(ctx context.Context, qc queryContext) (response backend.DataResponse) {
	defer func() {
		if r := recover(); r != nil {
			log.DefaultLogger.Error("query handler panicked", "refId", qc.query.RefID, "panic", r, "stack", string(debug.Stack()))
			response = backend.ErrDataResponseWithSource(backend.StatusInternal, backend.ErrorSourcePlugin,
				fmt.Sprintf("internal error of the data source while running query %s", qc.query.RefID))
		}
	}()
	if d.SettingsErr != nil {
		return errorResponse(userError{d.SettingsErr})
	}
	q, err := models.ParseQuery(qc.query.JSON)
	if err != nil {
		return errorResponse(userError{err})
	}
	var handle queryHandler
	switch q.QueryType {
	case models.QueryTypeMetrics, models.QueryTypeDevices:
		handle = d.handleMetrics
	case models.QueryTypeRaw:
		handle = d.handleRaw
	case models.QueryTypeVariable:
		handle = d.handleVariable
	case models.QueryTypeFleet:
		handle = d.handleFleet
	case models.QueryTypeEvents:
		handle = d.handleEvents
	}
	ctx, executed := influx.WithExecutedQueries(ctx)
	response = handle(ctx, qc, q)
	showExecuted(response.Frames, executed.String())
	if q.QueryType == models.QueryTypeMetrics || q.QueryType == models.QueryTypeDevices || q.QueryType == models.QueryTypeRaw {
		applyAlias(response.Frames, q.Alias)
	}
	return response
}

// showExecuted puts what was sent to InfluxDB in every frame's meta, where
// Grafana's query inspector shows it.
func showExecuted(frames data.Frames, executed string) {
	for _, frame := range frames {
		if frame.Meta == nil {
			frame.Meta = &data.FrameMeta{}
		}
		frame.Meta.ExecutedQueryString = executed
	}
}

// IsFromAlert says whether a request comes from Grafana Alerting. The
// header's key may arrive canonicalised ("Fromalert"), so case is ignored.
func IsFromAlert(headers map[string]string) bool {
	for key, value := range headers {
		if strings.EqualFold(key, backend.FromAlertHeaderName) && value != "" && !strings.EqualFold(value, "false") {
			return true
		}
	}
	return false
}
