package rate

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// rateVectors mirrors testdata/rate-vectors.json, shared with the TypeScript tests.
type rateVectors struct {
	Tolerance float64 `json:"tolerance"`
	Vectors   []struct {
		Name              string        `json:"name"`
		Kind              string        `json:"kind"`
		Scale             float64       `json:"scale"`
		GapLimitSeconds   *float64      `json:"gap_limit_seconds"`
		WindowSeconds     float64       `json:"window_seconds"`
		Points            [][2]*float64 `json:"points"`
		ExpectedRate      []*float64    `json:"expected_rate"`
		ExpectedPerSecond []*float64    `json:"expected_per_second"`
	} `json:"vectors"`
}

func loadVectors(t *testing.T) rateVectors {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "..", "testdata", "rate-vectors.json"))
	if err != nil {
		t.Fatalf("reading the shared rate vectors: %v", err)
	}
	var v rateVectors
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("decoding the shared rate vectors: %v", err)
	}
	if len(v.Vectors) == 0 {
		t.Fatal("the shared rate vectors file holds no vectors")
	}
	return v
}

func secondsToTime(s float64) time.Time {
	whole, frac := math.Modf(s)
	return time.Unix(int64(whole), int64(math.Round(frac*1e9)))
}

func TestSeriesMatchesSharedVectors(t *testing.T) {
	vectors := loadVectors(t)
	for _, vec := range vectors.Vectors {
		t.Run(vec.Name, func(t *testing.T) {
			opts := Options{Scale: vec.Scale, Window: time.Duration(vec.WindowSeconds * float64(time.Second))}
			switch vec.Kind {
			case "gauge":
				opts.Kind = Gauge
			case "counter":
				opts.Kind = Counter
			default:
				t.Fatalf("unknown kind %q", vec.Kind)
			}
			if vec.GapLimitSeconds != nil {
				opts.GapLimit = time.Duration(*vec.GapLimitSeconds * float64(time.Second))
			}
			times := make([]time.Time, len(vec.Points))
			values := make([]*float64, len(vec.Points))
			for i, p := range vec.Points {
				times[i] = secondsToTime(*p[0])
				values[i] = p[1]
			}
			angles, perSecond := make([]*float64, len(values)), make([]*float64, len(values))
			Series(times, values, opts, func(i int, angle, perSec float64) {
				angles[i], perSecond[i] = &angle, &perSec
			})
			compare(t, "rate", angles, vec.ExpectedRate, vectors.Tolerance)
			if vec.ExpectedPerSecond != nil {
				compare(t, "per_second", perSecond, vec.ExpectedPerSecond, vectors.Tolerance)
			}
		})
	}
}

func compare(t *testing.T, what string, got, want []*float64, tolerance float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: got %d values, want %d", what, len(got), len(want))
	}
	for i := range want {
		switch {
		case want[i] == nil && got[i] != nil:
			t.Errorf("%s[%d] = %v, want null", what, i, *got[i])
		case want[i] != nil && got[i] == nil:
			t.Errorf("%s[%d] = null, want %v", what, i, *want[i])
		case want[i] != nil && math.Abs(*got[i]-*want[i]) > tolerance:
			t.Errorf("%s[%d] = %v, want %v", what, i, *got[i], *want[i])
		}
	}
}

func TestSeedExampleIs84Point3Degrees(t *testing.T) {
	forty, fifty := 40.0, 50.0
	t0 := time.Unix(1764844245, 0)
	angle, _, ok := Step(t0, &forty, t0.Add(time.Second), &fifty, Options{Kind: Gauge, Scale: 1})
	if !ok || math.Round(angle*10)/10 != 84.3 {
		t.Fatalf("40 → 50 in 1 s gave %v (ok=%v), want 84.3°", angle, ok)
	}
}

func TestZeroScaleMeansOne(t *testing.T) {
	a, b := 0.0, 1.0
	t0 := time.Unix(0, 0)
	angle, _, ok := Step(t0, &a, t0.Add(time.Second), &b, Options{})
	if !ok || math.Abs(angle-45) > 1e-9 {
		t.Fatalf("scale 0 gave %v, want 45° (scale 1)", angle)
	}
}
