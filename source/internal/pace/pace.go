// Package pace holds what livecam's sources share: playing a recording at
// its frame rate, and the bound on frame sizes.
package pace

import (
	"fmt"
	"time"

	"github.com/livecam/livecam/pipeline"
)

// Frame sleeps until frame n of a recording played at fps is due,
// counting from *start, which frame 0 sets.
func Frame(start *time.Time, n int, fps float64) {
	if fps <= 0 {
		return
	}
	if n == 0 {
		*start = time.Now()
	}
	due := start.Add(time.Duration(float64(n) / fps * float64(time.Second)))
	if d := time.Until(due); d > 0 {
		time.Sleep(d)
	}
}

// CheckFrameSize refuses frames larger than pipeline.MaxFrameSide.
func CheckFrameSize(w, h int) error {
	if w > pipeline.MaxFrameSide || h > pipeline.MaxFrameSide {
		return fmt.Errorf("frames of %dx%d are larger than livecam takes (at most %dx%d)", w, h, pipeline.MaxFrameSide, pipeline.MaxFrameSide)
	}
	return nil
}
