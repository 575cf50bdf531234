//go:build e2e

package e2e

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"os"
	"strings"
	"testing"
)

// liveQuery is the part of a query that names its live channel
// (docs/PLUGIN-API.md, Live streams).
type liveQuery struct {
	VMMode         string   `json:"vmMode"`
	VMs            []string `json:"vms"`
	VMRegex        string   `json:"vmRegex"`
	Host           string   `json:"host"`
	Metrics        []string `json:"metrics"`
	Outputs        []string `json:"outputs"`
	LiveIntervalMs int64    `json:"liveIntervalMs"`
}

// streamKey is the channel key the frontend subscribes with: FNV-1a 64 of
// the canonical string, in lower-case hex.
func streamKey(q liveQuery) string {
	canonical := fmt.Sprintf("v1|%s|%s|%s|%s|%s|%s|%d", q.VMMode, strings.Join(q.VMs, "\n"), q.VMRegex, q.Host,
		strings.Join(q.Metrics, ","), strings.Join(q.Outputs, ","), q.LiveIntervalMs)
	h := fnv.New64a()
	h.Write([]byte(canonical))
	return fmt.Sprintf("%016x", h.Sum64())
}

func TestStreamKeyVectors(t *testing.T) {
	raw, err := os.ReadFile("../testdata/stream-key-vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Vectors []struct {
			Query liveQuery `json:"query"`
			Key   string    `json:"key"`
		} `json:"vectors"`
	}
	if err := json.Unmarshal(raw, &file); err != nil {
		t.Fatal(err)
	}
	if len(file.Vectors) == 0 {
		t.Fatal("no stream key vectors")
	}
	for _, v := range file.Vectors {
		if got := streamKey(v.Query); got != v.Key {
			t.Errorf("key of %+v = %s, want %s", v.Query, got, v.Key)
		}
	}
}
