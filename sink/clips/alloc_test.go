package clips_test

import (
	"testing"
	"time"

	"github.com/livecam/livecam/track"
)

// TestWriteAllocatesNothing: between rotations, with a clip queued and
// not yet due, Write adds no allocation to the Recorder's (none).
func TestWriteAllocatesNothing(t *testing.T) {
	r := newRig(t, time.Hour, 0, time.Hour)
	r.until(0, time.Second)
	r.c.ObjectEvent(track.Event{Type: track.Leave, ID: 1, Label: "dog", Start: 100 * time.Millisecond, End: 500 * time.Millisecond})
	pts := time.Second
	allocs := testing.AllocsPerRun(100, func() {
		r.until(pts, pts+step)
		pts += step
	})
	if allocs != 0 {
		t.Errorf("%v allocations per frame, want 0", allocs)
	}
	if err := r.c.Close(); err != nil {
		t.Fatal(err)
	}
}
