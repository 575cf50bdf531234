package influx

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

const influxQLPath = "/query"

// Series is one series of an InfluxQL answer. Values hold json.Number,
// string, bool or nil; with epoch=ns the time column is an integer of
// nanoseconds.
type Series struct {
	Name    string            `json:"name"`
	Tags    map[string]string `json:"tags"`
	Columns []string          `json:"columns"`
	Values  [][]any           `json:"values"`
}

type influxQLAnswer struct {
	Results []struct {
		Series  []Series `json:"series"`
		Error   string   `json:"error"`
		Partial bool     `json:"partial"`
	} `json:"results"`
	Error string `json:"error"`
}

// InfluxQL runs a read query over GET /query (InfluxDB refuses statements
// that write over GET, which keeps raw user queries read-only) and returns
// the series of all its statements.
func (c *Client) InfluxQL(ctx context.Context, database, retentionPolicy, query string) ([]Series, error) {
	params := url.Values{"q": {query}, "db": {database}, "epoch": {"ns"}}
	if retentionPolicy != "" {
		params.Set("rp", retentionPolicy)
	}
	resp, err := c.do(ctx, http.MethodGet, influxQLPath, params, nil, "")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
		return nil, c.httpError(resp.StatusCode, body, influxQLPath)
	}
	var answer influxQLAnswer
	decoder := json.NewDecoder(resp.Body)
	decoder.UseNumber()
	if err := decoder.Decode(&answer); err != nil {
		return nil, c.readError(ctx, err, "decoding the InfluxQL answer")
	}
	if answer.Error != "" {
		return nil, queryError(answer.Error)
	}
	var series []Series
	for i, result := range answer.Results {
		if result.Error != "" {
			return nil, queryError(result.Error)
		}
		if result.Partial {
			return nil, &Error{Kind: ErrQuery, Message: fmt.Sprintf("InfluxDB returned a partial result for statement %d (its max-row-limit cut it); narrow the time range or VMs", i)}
		}
		series = append(series, result.Series...)
	}
	return series, nil
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
