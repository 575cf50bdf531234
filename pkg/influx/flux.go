package influx

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

const fluxPath = "/api/v2/query"

// FluxRow is one record of a Flux answer's annotated CSV.
type FluxRow struct {
	columns map[string]int
	types   []string
	values  []string
}

// Get returns the cell of a column, "" when the table has no such column.
func (r FluxRow) Get(column string) string {
	if i, ok := r.columns[column]; ok && i < len(r.values) {
		return r.values[i]
	}
	return ""
}

// Type returns the #datatype annotation of a column ("double", "long", …).
func (r FluxRow) Type(column string) string {
	if i, ok := r.columns[column]; ok && i < len(r.types) {
		return r.types[i]
	}
	return ""
}

// Flux runs a Flux query over POST /api/v2/query and calls onRow for each
// record of every table, in the order InfluxDB sends them.
func (c *Client) Flux(ctx context.Context, organization, query string, onRow func(FluxRow) error) error {
	recordExecuted(ctx, query)
	body, err := json.Marshal(map[string]any{
		"query":   query,
		"type":    "flux",
		"dialect": map[string]any{"annotations": []string{"datatype"}, "header": true},
	})
	if err != nil {
		return err
	}
	params := url.Values{}
	if organization != "" {
		params.Set("org", organization)
	}
	resp, err := c.do(ctx, http.MethodPost, fluxPath, params, body, "application/json")
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		errBody, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
		return c.httpError(resp.StatusCode, errBody, fluxPath)
	}
	points := c.newPointCounter()
	err = readAnnotatedCSV(resp.Body, func(row FluxRow) error {
		if err := points.add(1); err != nil {
			return err
		}
		return onRow(row)
	})
	if err != nil {
		return c.readError(ctx, err, "decoding the Flux answer")
	}
	return nil
}

// readAnnotatedCSV walks Flux's annotated CSV: each table starts with a
// #datatype row, then a header row, then records. A table whose header is
// "error,reference" carries a query error.
func readAnnotatedCSV(r io.Reader, onRow func(FluxRow) error) error {
	reader := csv.NewReader(r)
	reader.FieldsPerRecord = -1
	// Each record is handed to onRow, which keeps none of it but strings.
	reader.ReuseRecord = true
	var (
		row         FluxRow
		types       []string
		expectHead  bool
		inErrorPart bool
	)
	for {
		record, err := reader.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		switch {
		case len(record) > 0 && record[0] == "#datatype":
			types, expectHead = slices.Clone(record), true
		case len(record) > 0 && strings.HasPrefix(record[0], "#"):
			// Other annotations (group, default) are not requested.
		case expectHead:
			row = FluxRow{columns: make(map[string]int, len(record)), types: types}
			for i, name := range record {
				row.columns[name] = i
			}
			_, hasError := row.columns["error"]
			_, hasReference := row.columns["reference"]
			inErrorPart = hasError && hasReference && len(record) <= 3
			expectHead = false
		case inErrorPart:
			row.values = record
			return queryError(row.Get("error"))
		default:
			row.values = record
			if err := onRow(row); err != nil {
				return err
			}
		}
	}
}
