package segment_test

import (
	"testing"
	"time"

	"github.com/livecam/livecam/events"
	"github.com/livecam/livecam/sink/segment"
)

// TestWriteAllocatesNothing: between rotations, Write (the clock, the
// size check, the budget's fstat and the video sink's own work)
// allocates nothing per frame.
func TestWriteAllocatesNothing(t *testing.T) {
	needFFmpeg(t)
	clk := newClock(time.Date(2026, 12, 1, 15, 30, 0, 0, time.Local))
	r, err := segment.New(segment.Options{Dir: t.TempDir(), Camera: "cam", KeepBytes: 1 << 30, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	c := newCamera(clk, 64, 48)
	defer c.close()
	c.write(t, r, 5) // the segment starts
	var werr error
	allocs := testing.AllocsPerRun(200, func() {
		if err := r.Write(c.frame()); err != nil {
			werr = err
		}
	})
	if werr != nil {
		t.Fatal(werr)
	}
	if allocs != 0 {
		t.Errorf("%v allocations per frame, want 0", allocs)
	}
}

// TestWriteWithSidecarsAllocatesNothing: with sidecars, a frame's results
// line and the events that came with it add no allocation either.
func TestWriteWithSidecarsAllocatesNothing(t *testing.T) {
	needFFmpeg(t)
	clk := newClock(time.Date(2026, 12, 1, 15, 30, 0, 0, time.Local))
	r, err := segment.New(segment.Options{Dir: t.TempDir(), Camera: "cam", KeepBytes: 1 << 30, Now: clk.Now, Sidecars: true})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	c := newCamera(clk, 64, 48)
	defer c.close()
	labelled(c)
	ev := events.Event{Type: events.Enter, Label: "tabby cat", Camera: "cam"}
	for range 5 { // the segment starts, its buffers grow
		r.Event(ev)
		c.write(t, r, 1)
	}
	var werr error
	allocs := testing.AllocsPerRun(200, func() {
		r.Event(ev)
		if err := r.Write(c.frame()); err != nil {
			werr = err
		}
	})
	if werr != nil {
		t.Fatal(werr)
	}
	if allocs != 0 {
		t.Errorf("%v allocations per frame, want 0", allocs)
	}
}
