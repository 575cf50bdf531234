package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// influxDB is the bare HTTP API of the benchmark's InfluxDB 1.8: the
// baseline the plugin is measured against, and how the data set is written.
type influxDB struct {
	url      string
	database string
}

var httpClient = &http.Client{Timeout: 5 * time.Minute}

// write stores line protocol (nanosecond timestamps). A batch InfluxDB did
// not finish within its write timeout (HTTP 500 "timeout", frequent on a
// busy machine) is sent again: its points are the same, so a part already
// stored is only overwritten.
func (db influxDB) write(ctx context.Context, lines string) error {
	target := db.url + "/write?" + url.Values{"db": {db.database}, "precision": {"ns"}}.Encode()
	for attempt := 1; ; attempt++ {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, strings.NewReader(lines))
		if err != nil {
			return err
		}
		resp, err := httpClient.Do(req)
		if err != nil {
			return err
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		switch {
		case resp.StatusCode/100 == 2:
			return nil
		case resp.StatusCode == http.StatusInternalServerError && strings.Contains(string(body), "timeout") && attempt < 5:
			time.Sleep(time.Duration(attempt) * time.Second)
		default:
			return fmt.Errorf("writing to InfluxDB: HTTP %d: %s", resp.StatusCode, body)
		}
	}
}

// query runs InfluxQL over GET /query and reads the whole answer, as any
// client of the HTTP API must; it returns the answer.
func (db influxDB) query(ctx context.Context, influxQL string) ([]byte, error) {
	target := db.url + "/query?" + url.Values{"db": {db.database}, "q": {influxQL}, "epoch": {"ns"}}.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return nil, err
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode/100 != 2 || strings.Contains(string(body[:min(len(body), 200)]), `"error"`) {
		return nil, fmt.Errorf("InfluxQL %q: HTTP %d: %.300s", influxQL, resp.StatusCode, body)
	}
	return body, nil
}
