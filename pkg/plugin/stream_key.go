package plugin

import (
	"fmt"
	"hash/fnv"
	"math"
	"strings"
	"time"

	"github.com/vmtelemetry/libvirt-datasource/pkg/models"
)

// streamPathPrefix starts the path of every live channel: ds/<uid>/live/<key>.
const streamPathPrefix = "live/"

// streamKeyCanonical is the string whose hash names a live channel
// (docs/PLUGIN-API.md): every part of the query that changes what the
// stream sends, so that one channel (shared by all its subscribers, run with
// the first one's data) never serves two different queries.
func streamKeyCanonical(q models.Query, interval time.Duration) string {
	canonical := strings.Join([]string{
		"v1",
		q.VMMode,
		strings.Join(q.VMs, "\n"),
		q.VMRegex,
		q.Host,
		strings.Join(q.Metrics, ","),
		strings.Join(q.Outputs, ","),
		fmt.Sprint(interval.Milliseconds()),
	}, "|")
	// A rate window changes the rates; absent, the keys of queries saved
	// before it stay as they were.
	if windowMs := int64(math.Round(q.RateWindowSeconds * 1000)); windowMs > 0 {
		canonical += fmt.Sprintf("|w=%d", windowMs)
	}
	return canonical
}

// StreamKey is the <key> of the channel live/<key> that streams q every
// interval: FNV-1a 64 of the canonical string, 16 lower-case hex digits.
func StreamKey(q models.Query, interval time.Duration) string {
	h := fnv.New64a()
	h.Write([]byte(streamKeyCanonical(q, interval)))
	return fmt.Sprintf("%016x", h.Sum64())
}

// isStreamKey says whether s has the form of a key (16 lower-case hex digits).
func isStreamKey(s string) bool {
	if len(s) != 16 {
		return false
	}
	for _, c := range s {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}
