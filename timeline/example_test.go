package timeline_test

import (
	"os"
	"time"

	"github.com/livecam/livecam/timeline"
)

// A live camera's outage is a segment of its own (Lost, when the
// pipeline says the signal is lost), not the last label stretched
// across it.
func ExampleBuilder_Lost() {
	b := timeline.New(timeline.Options{})
	for pts := 56 * time.Second; pts < 60*time.Second; pts += 40 * time.Millisecond {
		b.Add(pts, 144, "pelican", 1)
	}
	b.Lost()
	for pts := 210 * time.Second; pts < 213*time.Second; pts += 40 * time.Millisecond {
		b.Add(pts, 144, "pelican", 1)
	}
	timeline.Write(os.Stdout, b.Segments())
	// Output:
	//   0:56.0 - 1:00.0  pelican      mean 100%  peak 100%
	//   1:00.0 - 3:30.0  (no signal)
	//   3:30.0 - 3:33.0  pelican      mean 100%  peak 100%
}
