package grafanahost

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"time"
)

// LogBuffer collects the log lines of a plugin process (one JSON object per
// line, as hclog writes them), safe for concurrent use.
type LogBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// Write appends log output.
func (l *LogBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

// String is everything logged so far.
func (l *LogBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// Contains says whether any log line so far contains s.
func (l *LogBuffer) Contains(s string) bool { return strings.Contains(l.String(), s) }

// Count is how many times s occurs in the log so far.
func (l *LogBuffer) Count(s string) int { return strings.Count(l.String(), s) }

// WaitFor waits until s occurs n times in the log, or ctx ends.
func (l *LogBuffer) WaitFor(ctx context.Context, s string, n int) error {
	ticker := time.NewTicker(20 * time.Millisecond)
	defer ticker.Stop()
	for l.Count(s) < n {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-ticker.C:
		}
	}
	return nil
}
