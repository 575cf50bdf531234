// Package models holds the data source settings and the query model of
// docs/PLUGIN-API.md, with their defaults, migration and validation.
package models

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/vmtelemetry/libvirt-datasource/pkg/influx"
)

// Auth types of jsonData.authType.
const (
	AuthNone  = "none"
	AuthToken = "token"
	AuthBasic = "basic"
)

// Query languages of jsonData.queryLanguage.
const (
	LanguageInfluxQL = "influxql"
	LanguageFlux     = "flux"
)

// Settings are a data source instance's jsonData with its decrypted secrets.
type Settings struct {
	URL             string
	AuthType        string
	Username        string
	Database        string
	RetentionPolicy string
	Measurement     string
	QueryLanguage   string
	Organization    string
	// Bucket is the Flux bucket, already defaulted to <database>/<rp or autogen>.
	Bucket string
	// Rollups says that InfluxDB holds the rollups of docs/CONTRACT.md
	// (1 and 10 minutes): long ranges are read from them.
	Rollups bool
	// RollupBuckets are the Flux buckets of the rollups of each step
	// (influx.RollupSteps). The 1-minute one is jsonData's rollupBucket, by
	// default <database>/rollup_1m for a 1.x "<database>/<rp>" bucket, else
	// <bucket>_1m; the 10-minute one is its name with "_1m" at the end made
	// "_10m" (none when it does not end in "_1m": Flux reads stay on the
	// 1-minute rollups).
	RollupBuckets  map[time.Duration]string
	Timeout        time.Duration
	TLSSkipVerify  bool
	TLSWithCACert  bool
	StreamInterval time.Duration
	// MaxPointsPerQuery bounds the values one query may read (influx.Config's
	// MaxPoints), so no viewer can exhaust the plugin's memory.
	MaxPointsPerQuery int
	Secrets           Secrets
}

// Secrets are the decrypted secureJsonData. They print as "[redacted]" so
// that a log line of the settings never shows them.
type Secrets struct {
	Token     string
	Password  string
	TLSCACert string
}

// String hides the secrets from fmt and loggers.
func (Secrets) String() string { return "[redacted]" }

// GoString hides the secrets from %#v.
func (Secrets) GoString() string { return "[redacted]" }

// MarshalJSON hides the secrets from JSON encoders.
func (Secrets) MarshalJSON() ([]byte, error) { return []byte(`"[redacted]"`), nil }

// jsonData is the stored form; numbers may arrive as JSON strings from
// provisioning files, hence flexibleNumber.
type jsonData struct {
	AuthType          string         `json:"authType"`
	Username          string         `json:"username"`
	Database          string         `json:"database"`
	RetentionPolicy   string         `json:"retentionPolicy"`
	Measurement       string         `json:"measurement"`
	QueryLanguage     string         `json:"queryLanguage"`
	Organization      string         `json:"organization"`
	Bucket            string         `json:"bucket"`
	Rollups           bool           `json:"rollups"`
	RollupBucket      string         `json:"rollupBucket"`
	TimeoutSeconds    flexibleNumber `json:"timeoutSeconds"`
	TLSSkipVerify     bool           `json:"tlsSkipVerify"`
	TLSWithCACert     bool           `json:"tlsWithCACert"`
	StreamIntervalMs  flexibleNumber `json:"streamIntervalMs"`
	MaxPointsPerQuery flexibleNumber `json:"maxPointsPerQuery"`
}

// flexibleNumber accepts 30 and "30"; absent or "" stays unset.
type flexibleNumber struct {
	Value float64
	Set   bool
}

func (n *flexibleNumber) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		if strings.TrimSpace(s) == "" {
			return nil
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil {
			return fmt.Errorf("%q is not a number", s)
		}
		n.Value, n.Set = v, true
		return nil
	}
	if string(b) == "null" {
		return nil
	}
	if err := json.Unmarshal(b, &n.Value); err != nil {
		return fmt.Errorf("%s is not a number", b)
	}
	n.Set = true
	return nil
}

// Defaults of docs/PLUGIN-API.md.
const (
	DefaultDatabase       = "vm_telemetry"
	DefaultMeasurement    = "vm_telemetry"
	DefaultTimeout        = 30 * time.Second
	DefaultStreamInterval = time.Second
	// MinStreamInterval is the floor of streamIntervalMs and of a query's
	// liveIntervalMs: each push runs a query, so a viewer must not set a storm.
	MinStreamInterval = 100 * time.Millisecond
	// DefaultMaxPointsPerQuery allows a week of 1-s samples of three fields,
	// or 1000 points of 2000 series (a panel of 500 VMs by four metrics), at
	// 80-115 bytes a value of the plugin's peak memory (measured: raw and
	// metrics queries through the launched plugin).
	DefaultMaxPointsPerQuery = 2_000_000
	minMaxPointsPerQuery     = 1000
)

// LoadSettings reads and validates a data source instance's settings.
func LoadSettings(instance backend.DataSourceInstanceSettings) (Settings, error) {
	var jd jsonData
	if len(instance.JSONData) > 0 {
		if err := json.Unmarshal(instance.JSONData, &jd); err != nil {
			return Settings{}, fmt.Errorf("reading jsonData: %w", err)
		}
	}
	s := Settings{
		URL:               strings.TrimSpace(instance.URL),
		AuthType:          orDefault(jd.AuthType, AuthNone),
		Username:          jd.Username,
		Database:          orDefault(jd.Database, DefaultDatabase),
		RetentionPolicy:   jd.RetentionPolicy,
		Measurement:       orDefault(jd.Measurement, DefaultMeasurement),
		QueryLanguage:     orDefault(jd.QueryLanguage, LanguageInfluxQL),
		Organization:      jd.Organization,
		Bucket:            jd.Bucket,
		Rollups:           jd.Rollups,
		Timeout:           DefaultTimeout,
		TLSSkipVerify:     jd.TLSSkipVerify,
		TLSWithCACert:     jd.TLSWithCACert,
		StreamInterval:    DefaultStreamInterval,
		MaxPointsPerQuery: DefaultMaxPointsPerQuery,
		Secrets: Secrets{
			Token:     instance.DecryptedSecureJSONData["token"],
			Password:  instance.DecryptedSecureJSONData["password"],
			TLSCACert: instance.DecryptedSecureJSONData["tlsCACert"],
		},
	}
	if jd.TimeoutSeconds.Set {
		if jd.TimeoutSeconds.Value <= 0 {
			return Settings{}, fmt.Errorf("timeoutSeconds must be positive, got %v", jd.TimeoutSeconds.Value)
		}
		s.Timeout = time.Duration(jd.TimeoutSeconds.Value * float64(time.Second))
	}
	if jd.StreamIntervalMs.Set {
		if jd.StreamIntervalMs.Value < float64(MinStreamInterval/time.Millisecond) {
			return Settings{}, fmt.Errorf("streamIntervalMs must be at least %d, got %v", MinStreamInterval/time.Millisecond, jd.StreamIntervalMs.Value)
		}
		s.StreamInterval = time.Duration(jd.StreamIntervalMs.Value * float64(time.Millisecond))
	}
	if jd.MaxPointsPerQuery.Set {
		if jd.MaxPointsPerQuery.Value < minMaxPointsPerQuery || jd.MaxPointsPerQuery.Value > math.MaxInt32 || jd.MaxPointsPerQuery.Value != math.Trunc(jd.MaxPointsPerQuery.Value) {
			return Settings{}, fmt.Errorf("maxPointsPerQuery must be a whole number from %d to %d, got %v", minMaxPointsPerQuery, math.MaxInt32, jd.MaxPointsPerQuery.Value)
		}
		s.MaxPointsPerQuery = int(jd.MaxPointsPerQuery.Value)
	}
	if s.Bucket == "" {
		s.Bucket = s.Database + "/" + orDefault(s.RetentionPolicy, "autogen")
	}
	s.RollupBuckets = rollupBuckets(jd.RollupBucket, s.Bucket)
	if err := s.Validate(); err != nil {
		return Settings{}, err
	}
	return s, nil
}

// Validate says what is wrong with the settings, naming the key.
func (s Settings) Validate() error {
	u, err := url.Parse(s.URL)
	switch {
	case s.URL == "":
		return errors.New("url is empty: set the InfluxDB URL, e.g. http://influxdb:8086")
	case err != nil:
		return fmt.Errorf("url %q is not a valid URL", influx.RedactURL(s.URL))
	case u.Scheme != "http" && u.Scheme != "https":
		return fmt.Errorf("url %q must start with http:// or https://", influx.RedactURL(s.URL))
	case u.Host == "":
		return fmt.Errorf("url %q has no host", influx.RedactURL(s.URL))
	}
	switch s.AuthType {
	case AuthNone:
	case AuthToken:
		if s.Secrets.Token == "" {
			return errors.New("authType is token but secureJsonData.token is empty")
		}
	case AuthBasic:
		if s.Username == "" {
			return errors.New("authType is basic but username is empty")
		}
	default:
		return fmt.Errorf("authType %q is unknown: want none, token or basic", s.AuthType)
	}
	switch s.QueryLanguage {
	case LanguageInfluxQL, LanguageFlux:
	default:
		return fmt.Errorf("queryLanguage %q is unknown: want influxql or flux", s.QueryLanguage)
	}
	if s.TLSWithCACert && strings.TrimSpace(s.Secrets.TLSCACert) == "" {
		return errors.New("tlsWithCACert is set but secureJsonData.tlsCACert is empty")
	}
	for key, name := range map[string]string{
		"database": s.Database, "retentionPolicy": s.RetentionPolicy, "measurement": s.Measurement,
	} {
		if _, err := influx.QuoteIdent(name); err != nil {
			return fmt.Errorf("%s: %w", key, err)
		}
	}
	return nil
}

// RollupSteps are the steps of the rollups the query language can read:
// every step of the contract with InfluxQL (retention policies of fixed
// names), those with a bucket with Flux.
func (s Settings) RollupSteps() []time.Duration {
	if s.QueryLanguage != LanguageFlux {
		return influx.RollupSteps
	}
	var steps []time.Duration
	for _, step := range influx.RollupSteps {
		if s.RollupBuckets[step] != "" {
			steps = append(steps, step)
		}
	}
	return steps
}

// rollupBuckets names the Flux buckets of the rollups of each step
// (Settings.RollupBuckets): the 1-minute one as set or by default, the
// coarser ones by the contract's naming rule from it.
func rollupBuckets(set, bucket string) map[time.Duration]string {
	oneMinute := set
	if oneMinute == "" {
		if database, _, isV1 := strings.Cut(bucket, "/"); isV1 {
			oneMinute = database + "/" + influx.RollupRetentionPolicy(time.Minute)
		} else {
			oneMinute = bucket + "_" + influx.RollupSuffix(time.Minute)
		}
	}
	buckets := map[time.Duration]string{time.Minute: oneMinute}
	if stem, named := strings.CutSuffix(oneMinute, "_"+influx.RollupSuffix(time.Minute)); named {
		for _, step := range influx.RollupSteps {
			buckets[step] = stem + "_" + influx.RollupSuffix(step)
		}
	}
	return buckets
}

func orDefault(value, fallback string) string {
	if value == "" {
		return fallback
	}
	return value
}
