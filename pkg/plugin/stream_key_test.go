package plugin

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/vmtelemetry/libvirt-datasource/pkg/models"
)

// TestStreamKeyVectors holds the key to the shared vectors that the
// frontend's tests also read.
func TestStreamKeyVectors(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "..", "testdata", "stream-key-vectors.json"))
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Vectors []struct {
			Query     json.RawMessage `json:"query"`
			Canonical string          `json:"canonical"`
			Key       string          `json:"key"`
		} `json:"vectors"`
	}
	if err := json.Unmarshal(raw, &file); err != nil {
		t.Fatal(err)
	}
	if len(file.Vectors) == 0 {
		t.Fatal("no vectors")
	}
	for _, v := range file.Vectors {
		q, err := models.ParseQuery(v.Query)
		if err != nil {
			t.Fatalf("vector %s: %v", v.Query, err)
		}
		interval := time.Duration(q.LiveIntervalMs) * time.Millisecond
		if got := streamKeyCanonical(q, interval); got != v.Canonical {
			t.Errorf("canonical of %s = %q, want %q", v.Query, got, v.Canonical)
		}
		if got := StreamKey(q, interval); got != v.Key {
			t.Errorf("key of %s = %s, want %s", v.Query, got, v.Key)
		}
		if !isStreamKey(v.Key) {
			t.Errorf("isStreamKey(%q) = false", v.Key)
		}
	}
}

func TestIsStreamKey(t *testing.T) {
	for _, bad := range []string{"", "54564c060fec706", "54564C060FEC7067", "54564c060fec7067a", "54564c060fec706g", "../../../etc/pas"} {
		if isStreamKey(bad) {
			t.Errorf("isStreamKey(%q) = true", bad)
		}
	}
}
