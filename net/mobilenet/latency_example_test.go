package mobilenet_test

import (
	"fmt"

	"github.com/livecam/livecam/internal/randweights"
	"github.com/livecam/livecam/net/mobilenet"
)

// Latency times a model's forward passes: here 5 of the smallest shape,
// with generated weights, on one thread.
func ExampleLatency() {
	m, err := randweights.Model(mobilenet.Config{Alpha: 0.25, Size: 128, Classes: 1000}, 1)
	if err != nil {
		fmt.Println(err)
		return
	}
	l := mobilenet.Latency(m, 1, 5)
	fmt.Println(l.Runs, l.Threads, l.Min <= l.Median && l.Median <= l.P90)
	// Output: 5 1 true
}
