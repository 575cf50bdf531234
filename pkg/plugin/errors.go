package plugin

import (
	"errors"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/vmtelemetry/libvirt-datasource/pkg/influx"
)

// userError marks an error in what the user asked for (query model,
// settings): the user fixes it, not the plugin.
type userError struct{ error }

func (e userError) Unwrap() error { return e.error }

// notFoundError marks a query that matched no data.
type notFoundError struct{ error }

func (e notFoundError) Unwrap() error { return e.error }

// errorResponse turns an error into a per-query response with the status
// and error source Grafana uses to tell plugin faults from others'.
func errorResponse(err error) backend.DataResponse {
	status, source := classify(err)
	return backend.ErrDataResponseWithSource(status, source, err.Error())
}

func classify(err error) (backend.Status, backend.ErrorSource) {
	var user userError
	var notFound notFoundError
	var influxErr *influx.Error
	switch {
	case errors.As(err, &user):
		return backend.StatusBadRequest, backend.ErrorSourceDownstream
	case errors.As(err, &notFound):
		return backend.StatusNotFound, backend.ErrorSourceDownstream
	case errors.As(err, &influxErr):
		switch influxErr.Kind {
		case influx.ErrUnreachable, influx.ErrBadResponse:
			return backend.StatusBadGateway, backend.ErrorSourceDownstream
		case influx.ErrTimeout, influx.ErrCanceled:
			return backend.StatusTimeout, backend.ErrorSourceDownstream
		case influx.ErrUnauthorized:
			return backend.StatusUnauthorized, backend.ErrorSourceDownstream
		case influx.ErrDatabaseNotFound, influx.ErrBucketNotFound:
			return backend.StatusNotFound, backend.ErrorSourceDownstream
		default:
			return backend.StatusBadRequest, backend.ErrorSourceDownstream
		}
	}
	return backend.StatusInternal, backend.ErrorSourcePlugin
}
