package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/livecam/livecam/internal/testrig/shareddata"
)

// TestWatchlist runs the example on the demo photos watching for the hot
// dog and the macaw: each enters once, during its own photo (the fourth
// and sixth, 2 s each from 08:00:00), then leaves, and nothing else is
// reported.
func TestWatchlist(t *testing.T) {
	var out bytes.Buffer
	t.Setenv("LIVECAM_MODELS", shareddata.Path(t, "models"))
	if err := run(&out, "", false, "../../testdata/images/demo", []string{"hotdog", "n01818515"}, 2*time.Second); err != nil {
		t.Fatal(err)
	}
	t.Logf("\n%s", out.String())
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	want := []string{"08:00:06", "hotdog entered", "08:00:08", "hotdog left", "08:00:10", "macaw entered", "08:00:12", "macaw left"}
	if len(lines) != 4 {
		t.Fatalf("%d events, want 4", len(lines))
	}
	for i, l := range lines {
		if !strings.HasPrefix(l, want[2*i]) || !strings.Contains(l, want[2*i+1]) {
			t.Errorf("event %d: %q, want %s ... %s", i, l, want[2*i], want[2*i+1])
		}
	}
}
