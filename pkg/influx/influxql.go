package influx

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

const influxQLPath = "/query"

// Series is one series of an InfluxQL answer; with epoch=ns the time
// column holds integers of nanoseconds. Values is filled by InfluxQL only:
// EachInfluxQL hands the rows over one by one.
type Series struct {
	Name    string            `json:"name"`
	Tags    map[string]string `json:"tags"`
	Columns []string          `json:"columns"`
	Values  [][]Value         `json:"values"`
}

// chunkSize is the rows per chunk InfluxDB streams: small enough that
// decoding overlaps with InfluxDB still producing the answer.
const chunkSize = 10000

// EachInfluxQL runs a read query over GET /query with a chunked answer and
// calls onRow for each row as it is read (influxQLStream), so that neither
// the answer nor a chunk of it is ever held. All rows of one series come
// with the same *Series, also when InfluxDB split it over chunks; row is
// reused once onRow returns. GET matters: InfluxDB refuses SELECT … INTO
// over it.
func (c *Client) EachInfluxQL(ctx context.Context, database, retentionPolicy, query string, onRow func(series *Series, row []Value) error) error {
	recordExecuted(ctx, query)
	params := url.Values{"q": {query}, "db": {database}, "epoch": {"ns"}, "chunked": {"true"}, "chunk_size": {fmt.Sprint(chunkSize)}}
	if retentionPolicy != "" {
		params.Set("rp", retentionPolicy)
	}
	resp, err := c.do(ctx, http.MethodGet, influxQLPath, params, nil, "")
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
		return c.httpError(resp.StatusCode, body, influxQLPath)
	}
	points := c.newPointCounter()
	stream := influxQLStream{json: newJSONStream("InfluxQL answer", resp.Body), onRow: func(series *Series, row []Value) error {
		if err := points.add(len(row) - 1); err != nil {
			return err
		}
		return onRow(series, row)
	}}
	if err := stream.read(); err != nil {
		return c.readError(ctx, err, "decoding the InfluxQL answer")
	}
	return nil
}

// InfluxQL runs a read query like EachInfluxQL and returns every series of
// every statement with its rows.
func (c *Client) InfluxQL(ctx context.Context, database, retentionPolicy, query string) ([]Series, error) {
	var all []*Series
	// The rows' cells share blocks of one allocation each.
	var block []Value
	err := c.EachInfluxQL(ctx, database, retentionPolicy, query, func(s *Series, row []Value) error {
		if n := len(all); n == 0 || all[n-1] != s {
			all = append(all, s)
		}
		if len(block)+len(row) > cap(block) {
			block = make([]Value, 0, 1024*len(row))
		}
		start := len(block)
		block = append(block, row...)
		s.Values = append(s.Values, block[start:len(block):len(block)])
		return nil
	})
	answer := make([]Series, len(all))
	for i, s := range all {
		answer[i] = *s
	}
	return answer, err
}

func sameTags(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if bv, ok := b[k]; !ok || bv != v {
			return false
		}
	}
	return true
}

// readError classifies an error met while reading an answer's body: a
// timeout or cancel mid-body is no decoding problem.
func (c *Client) readError(ctx context.Context, err error, what string) error {
	var e *Error
	switch {
	case errors.As(err, &e):
		return e
	case errors.Is(err, context.DeadlineExceeded):
		return &Error{Kind: ErrTimeout, Message: fmt.Sprintf("InfluxDB at %s did not finish its answer within %s", c.URL(), c.timeout)}
	case errors.Is(err, context.Canceled) || ctx.Err() != nil:
		return &Error{Kind: ErrCanceled, Message: "the request to InfluxDB was canceled", Err: err}
	}
	return &Error{Kind: ErrBadResponse, Message: what, Err: err}
}

func queryError(msg string) error {
	e := &Error{Kind: ErrQuery, Message: "InfluxDB: " + msg}
	classifyMessage(e, strings.ToLower(msg))
	return e
}
