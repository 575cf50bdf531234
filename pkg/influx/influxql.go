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

// Series is one series of an InfluxQL answer; with epoch=ns the time
// column holds integers of nanoseconds.
type Series struct {
	Name    string            `json:"name"`
	Tags    map[string]string `json:"tags"`
	Columns []string          `json:"columns"`
	Values  Rows              `json:"values"`
	// Partial says that the next chunk continues this series.
	Partial bool `json:"partial"`
}

// influxQLChunk is one JSON object of a chunked answer.
type influxQLChunk struct {
	Results []struct {
		Series []Series `json:"series"`
		Error  string   `json:"error"`
	} `json:"results"`
	Error string `json:"error"`
}

// chunkSize is the rows per chunk InfluxDB streams: small enough that
// decoding overlaps with InfluxDB still producing the answer.
const chunkSize = 10000

// EachInfluxQL runs a read query over GET /query with a chunked answer and
// calls onSeries for each chunk as it arrives, so the whole answer is never
// held at once. A series longer than a chunk comes in several calls with the
// same name and tags. GET matters: InfluxDB refuses SELECT … INTO over it.
func (c *Client) EachInfluxQL(ctx context.Context, database, retentionPolicy, query string, onSeries func(Series) error) error {
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
	decoder := json.NewDecoder(resp.Body)
	points := c.newPointCounter()
	for {
		var chunk influxQLChunk
		if err := decoder.Decode(&chunk); errors.Is(err, io.EOF) {
			return nil
		} else if err != nil {
			return c.readError(ctx, err, "decoding the InfluxQL answer")
		}
		if chunk.Error != "" {
			return queryError(chunk.Error)
		}
		for _, result := range chunk.Results {
			if result.Error != "" {
				return queryError(result.Error)
			}
			for _, series := range result.Series {
				if err := points.add(len(series.Values)); err != nil {
					return err
				}
				if err := onSeries(series); err != nil {
					return err
				}
			}
		}
	}
}

// InfluxQL runs a read query like EachInfluxQL and returns every series of
// every statement, the chunks of a series joined.
func (c *Client) InfluxQL(ctx context.Context, database, retentionPolicy, query string) ([]Series, error) {
	var all []Series
	continues := false
	err := c.EachInfluxQL(ctx, database, retentionPolicy, query, func(s Series) error {
		if n := len(all); continues && n > 0 && all[n-1].Name == s.Name && sameTags(all[n-1].Tags, s.Tags) {
			all[n-1].Values = append(all[n-1].Values, s.Values...)
		} else {
			all = append(all, s)
		}
		continues = s.Partial
		return nil
	})
	return all, err
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
