// Package sse mirrors the parts of Grafana's server-side expressions
// (grafana/grafana pkg/expr, pkg/expr/mathexp, the dataplane readers of
// grafana/dataplane sdata/timeseries, and the result check of
// pkg/services/ngalert/eval) that an alert rule of this data source goes
// through: data-source frames → series, Reduce, Threshold, and the alert
// instances with their states.
//
// Grafana's own packages cannot be fetched here (the Go proxy refuses
// github.com/grafana/grafana and github.com/grafana/dataplane), so the
// end-to-end test uses this mirror. It follows Grafana's rules and error
// texts line by line for the cases it covers; anything it does not mirror
// is an error that says so, never a guess.
package sse
