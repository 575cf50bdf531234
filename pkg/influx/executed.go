package influx

import (
	"context"
	"strings"
	"sync"
)

// ExecutedQueries collects the InfluxQL statements and Flux scripts a
// request sent, for Grafana's query inspector (frame meta
// executedQueryString). The client records into the one its context carries.
type ExecutedQueries struct {
	mu      sync.Mutex
	queries []string
}

type executedQueriesKey struct{}

// WithExecutedQueries returns a context whose queries are recorded into the returned collector.
func WithExecutedQueries(ctx context.Context) (context.Context, *ExecutedQueries) {
	e := &ExecutedQueries{}
	return context.WithValue(ctx, executedQueriesKey{}, e), e
}

func recordExecuted(ctx context.Context, query string) {
	if e, ok := ctx.Value(executedQueriesKey{}).(*ExecutedQueries); ok {
		e.mu.Lock()
		e.queries = append(e.queries, query)
		e.mu.Unlock()
	}
}

// String is the queries in the order they were sent, one per paragraph.
func (e *ExecutedQueries) String() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return strings.Join(e.queries, "\n\n")
}
