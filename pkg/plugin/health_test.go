package plugin

import (
	"testing"
	"time"
)

func TestFormatAge(t *testing.T) {
	for age, want := range map[time.Duration]string{
		2300 * time.Millisecond: "2.3 s", 90 * time.Second: "1.5 min", 3 * time.Hour: "3.0 h", 72 * time.Hour: "3.0 days",
	} {
		if got := formatAge(age); got != want {
			t.Errorf("formatAge(%v) = %q, want %q", age, got, want)
		}
	}
}
