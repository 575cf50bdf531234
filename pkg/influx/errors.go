package influx

import (
	"errors"
	"fmt"
)

// ErrorKind classifies what went wrong talking to InfluxDB, so that callers
// can say precisely what to fix (CheckHealth) and whose fault it is.
type ErrorKind int

const (
	// ErrQuery: InfluxDB answered but refused or failed the query.
	ErrQuery ErrorKind = iota
	// ErrUnreachable: no HTTP answer (bad host, refused connection, TLS failure).
	ErrUnreachable
	// ErrTimeout: no answer within the configured timeout.
	ErrTimeout
	// ErrCanceled: the caller (Grafana) canceled the request.
	ErrCanceled
	// ErrUnauthorized: InfluxDB refused the credentials (HTTP 401/403).
	ErrUnauthorized
	// ErrDatabaseNotFound: the InfluxQL database (or its DBRP mapping) does not exist.
	ErrDatabaseNotFound
	// ErrBucketNotFound: the Flux bucket does not exist.
	ErrBucketNotFound
	// ErrNoFlux: the server has no Flux endpoint or has Flux disabled.
	ErrNoFlux
	// ErrBadResponse: the answer could not be decoded.
	ErrBadResponse
	// ErrTooManyPoints: the answer holds more points than Config.MaxPoints.
	ErrTooManyPoints
)

// Error is an error of the InfluxDB client. Its message never holds a
// credential.
type Error struct {
	Kind    ErrorKind
	Message string
	Err     error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %v", e.Message, e.Err)
	}
	return e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// KindOf returns the kind of an error of this package, ErrQuery otherwise.
func KindOf(err error) ErrorKind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return ErrQuery
}
