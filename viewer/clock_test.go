package viewer

import (
	"sync"
	"time"

	"gocv.io/x/gocv"

	"github.com/livecam/livecam/pipeline"
)

// clock is a clock stepped by hand, for Options.now: staleness is tested
// by moving time on, never by waiting for it.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)} }

// Now returns the clock's time.
func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock on by d.
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// writeFrame writes one small frame to c, from the source
// /videos/NAME.mp4, as its pipeline would.
func writeFrame(c *Camera) {
	img := gocv.NewMatWithSize(8, 8, gocv.MatTypeCV8UC3)
	defer img.Close()
	var r pipeline.Result
	c.Write(&pipeline.Output{Image: img, Result: &r, Source: pipeline.SourceInfo{Name: "/videos/" + c.Name() + ".mp4"}})
}
