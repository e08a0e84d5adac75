package stage_test

import (
	"fmt"
	"time"

	"github.com/livecam/livecam/pipeline/stage"
)

// Every-K and a rate cap compose: of 20 frames 40 ms apart (25 fps),
// every second one is a candidate, and at most 10 a second are classified.
func ExampleAll() {
	gate := stage.All(stage.Every(2), stage.MaxRate(10))
	start := time.Unix(0, 0)
	var classified []int64
	for frame := int64(0); frame < 20; frame++ {
		if gate.Classify(frame, start.Add(time.Duration(frame)*40*time.Millisecond)) {
			classified = append(classified, frame)
		}
	}
	fmt.Println(classified)
	// Output: [0 4 8 12 16]
}
