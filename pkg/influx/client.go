// Package influx talks to InfluxDB over HTTP: InfluxQL over /query (1.x,
// 2.x through DBRP mappings) and Flux over /api/v2/query (1.8+, 2.x). It
// builds every query through the quoting layer of quote.go.
package influx

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Config says where InfluxDB is and how to authenticate.
type Config struct {
	URL string
	// Token, when set, is sent as "Authorization: Token …" (2.x/3.x).
	Token string
	// Username and Password, when Username is set, are sent as basic auth (1.x).
	Username string
	Password string
	// Timeout bounds each request; 0 means 30 s.
	Timeout       time.Duration
	TLSSkipVerify bool
	// CACertPEM, when set, is the only CA trusted for the server certificate.
	CACertPEM string
	// MaxPoints bounds the points one query may read, a point being one
	// field's value at one time (as InfluxDB 2.x counts them): an InfluxQL
	// row's cells besides time, a Flux record. The plugin's memory grows by
	// the values it holds, and a raw query chooses its columns. Reading stops
	// with ErrTooManyPoints past it. 0: no bound.
	MaxPoints int
}

// maxErrorBody bounds how much of an error answer is read.
const maxErrorBody = 64 << 10

// Client is an InfluxDB HTTP client; it is safe for concurrent use.
type Client struct {
	base      *url.URL
	http      *http.Client
	timeout   time.Duration
	auth      func(*http.Request)
	maxPoints int
}

// NewClient checks the configuration and builds a client.
func NewClient(cfg Config) (*Client, error) {
	base, err := url.Parse(strings.TrimRight(cfg.URL, "/"))
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return nil, fmt.Errorf("InfluxDB URL %q is not an http(s) URL with a host", redactURL(cfg.URL))
	}
	tlsConfig := &tls.Config{InsecureSkipVerify: cfg.TLSSkipVerify} // #nosec G402 -- the user's explicit choice
	if cfg.CACertPEM != "" {
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM([]byte(cfg.CACertPEM)) {
			return nil, errors.New("the CA certificate (tlsCACert) holds no PEM certificate")
		}
		tlsConfig.RootCAs = pool
	}
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.TLSClientConfig = tlsConfig
	timeout := cfg.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	c := &Client{base: base, http: &http.Client{Transport: transport}, timeout: timeout, auth: func(*http.Request) {}, maxPoints: cfg.MaxPoints}
	switch {
	case cfg.Token != "":
		token := cfg.Token
		c.auth = func(r *http.Request) { r.Header.Set("Authorization", "Token "+token) }
	case cfg.Username != "":
		user, password := cfg.Username, cfg.Password
		c.auth = func(r *http.Request) { r.SetBasicAuth(user, password) }
	}
	return c, nil
}

// pointCounter counts the points of one query against the client's bound.
type pointCounter struct {
	max, seen int
}

func (c *Client) newPointCounter() *pointCounter { return &pointCounter{max: c.maxPoints} }

// add counts n more points; past the bound it returns the error that says
// which limit was hit and how to stay under it.
func (p *pointCounter) add(n int) error {
	p.seen += n
	if p.max > 0 && p.seen > p.max {
		return &Error{Kind: ErrTooManyPoints, Message: fmt.Sprintf(
			"the query reads more than %d points, the data source's limit (maxPointsPerQuery in its settings): "+
				"narrow the time range, select fewer VMs or fields, let the panel aggregate (a smaller Max data points), or raise the limit", p.max)}
	}
	return nil
}

// RedactURL hides the user:password@ part of a URL for errors and logs.
func RedactURL(raw string) string { return redactURL(raw) }

// Close releases idle connections.
func (c *Client) Close() { c.http.CloseIdleConnections() }

// URL is the base URL with any user info removed, for messages.
func (c *Client) URL() string { return c.base.Redacted() }

// Ping asks /ping whether the server is up and returns its version header.
func (c *Client) Ping(ctx context.Context) (version string, err error) {
	resp, err := c.do(ctx, http.MethodGet, "/ping", nil, nil, "")
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxErrorBody))
	if resp.StatusCode/100 != 2 {
		return "", c.httpError(resp.StatusCode, nil, "/ping")
	}
	return resp.Header.Get("X-Influxdb-Version"), nil
}

// do sends one request under the client's timeout and classifies transport
// failures. The caller closes the body.
func (c *Client) do(ctx context.Context, method, path string, query url.Values, body []byte, contentType string) (*http.Response, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	u := *c.base
	u.Path = strings.TrimRight(u.Path, "/") + path
	u.RawQuery = query.Encode()
	var reader io.Reader
	if body != nil {
		reader = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), reader)
	if err != nil {
		cancel()
		return nil, &Error{Kind: ErrUnreachable, Message: "building the request to " + c.URL(), Err: err}
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	c.auth(req)
	resp, err := c.http.Do(req)
	if err != nil {
		cancel()
		return nil, c.transportError(ctx, err)
	}
	resp.Body = &cancelOnClose{ReadCloser: resp.Body, cancel: cancel}
	return resp, nil
}

// cancelOnClose ends the request's timeout context once the body is read.
type cancelOnClose struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (b *cancelOnClose) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}

func (c *Client) transportError(ctx context.Context, err error) error {
	// url.Error carries the request URL, which may hold user info: unwrap it.
	var uerr *url.Error
	if errors.As(err, &uerr) {
		err = uerr.Err
	}
	switch {
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		return &Error{Kind: ErrTimeout, Message: fmt.Sprintf("InfluxDB at %s did not answer within %s", c.URL(), c.timeout)}
	case errors.Is(err, context.Canceled):
		return &Error{Kind: ErrCanceled, Message: "the request to InfluxDB was canceled", Err: err}
	}
	return &Error{Kind: ErrUnreachable, Message: "cannot reach InfluxDB at " + c.URL(), Err: err}
}

// httpError turns a non-2xx answer into an Error, reading InfluxDB's
// message from the body ({"error": …} on 1.x, {"message": …} on 2.x).
func (c *Client) httpError(status int, body []byte, path string) error {
	msg := errorMessage(body)
	if msg == "" {
		msg = http.StatusText(status)
	}
	e := &Error{Kind: ErrQuery, Message: fmt.Sprintf("InfluxDB answered %d on %s: %s", status, path, msg)}
	lower := strings.ToLower(msg)
	switch {
	case path == fluxPath && strings.Contains(lower, "bucket"):
		e.Kind = ErrBucketNotFound
	case path == fluxPath && status == http.StatusNotFound:
		e.Kind = ErrNoFlux
		e.Message = fmt.Sprintf("InfluxDB at %s has no Flux endpoint (%s answered 404: it is older than 1.8); use InfluxQL", c.URL(), fluxPath)
	case path == fluxPath && strings.Contains(lower, "flux") && strings.Contains(lower, "disabled"):
		e.Kind = ErrNoFlux
		e.Message = fmt.Sprintf("InfluxDB at %s has Flux disabled (%s); set flux-enabled = true in its [http] section, or use InfluxQL", c.URL(), msg)
	case path == fluxPath && strings.Contains(lower, "no database"):
		// InfluxDB 1.8 names a missing <database>/<rp> bucket this way.
		e.Kind = ErrBucketNotFound
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		e.Kind = ErrUnauthorized
		e.Message = fmt.Sprintf("InfluxDB refused the credentials (HTTP %d: %s)", status, msg)
	default:
		classifyMessage(e, lower)
	}
	return e
}

// classifyMessage recognises InfluxDB's wording for a missing database or bucket.
func classifyMessage(e *Error, lowerMessage string) {
	switch {
	case strings.Contains(lowerMessage, "database not found"):
		e.Kind = ErrDatabaseNotFound
	case strings.Contains(lowerMessage, "bucket") && strings.Contains(lowerMessage, "not found"),
		strings.Contains(lowerMessage, "could not find bucket"):
		e.Kind = ErrBucketNotFound
	case strings.Contains(lowerMessage, "authorization") || strings.Contains(lowerMessage, "unauthorized"):
		e.Kind = ErrUnauthorized
	}
}

func errorMessage(body []byte) string {
	var parsed struct {
		Error   string `json:"error"`
		Message string `json:"message"`
	}
	if json.Unmarshal(body, &parsed) == nil {
		if parsed.Error != "" {
			return parsed.Error
		}
		if parsed.Message != "" {
			return parsed.Message
		}
	}
	return strings.TrimSpace(string(body))
}

func redactURL(raw string) string {
	if u, err := url.Parse(raw); err == nil {
		return u.Redacted()
	}
	return "(unparsable URL)"
}
