package mobilenet

import (
	"math"
	"slices"
	"time"
)

// Latencies are the times of a model's forward passes (Latency): the
// median, the 90th percentile (empirical: the smallest time at least 90%
// of the passes took no longer than) and the fastest.
type Latencies struct {
	Threads          int // threads per forward pass, as the runner chose them
	Runs             int // timed passes
	Median, P90, Min time.Duration
}

// Latency times runs forward passes (at least 1) of m, to the logits, on
// a fixed input (float32 values for a float model, RGB bytes for a
// quantized one), with threads threads per pass (0: one per core), after
// a warm-up of a tenth as many passes (at least 3). It measures the
// network alone: no decoding, no preprocessing.
func Latency(m *Model, threads, runs int) Latencies {
	r := m.NewRunner(threads)
	defer r.Close()
	forward := func() {}
	if m.Quantized() {
		rgb := make([]uint8, m.InputLen())
		for i := range rgb {
			rgb[i] = uint8(128 + 127*math.Sin(float64(i)))
		}
		logits := make([]uint8, m.Classes())
		forward = func() { _ = r.ForwardQuant(logits, nil, rgb) }
	} else {
		input := make([]float32, m.InputLen())
		for i := range input {
			input[i] = float32(math.Sin(float64(i)))
		}
		logits := make([]float32, m.Classes())
		forward = func() { _ = r.Forward(logits, input) }
	}
	runs = max(runs, 1)
	for range max(3, runs/10) {
		forward()
	}
	took := make([]time.Duration, runs)
	for i := range took {
		start := time.Now()
		forward()
		took[i] = time.Since(start)
	}
	slices.Sort(took)
	return Latencies{Threads: r.Threads(), Runs: runs, Median: quantile(took, 0.5), P90: quantile(took, 0.9), Min: took[0]}
}

// quantile is the empirical p-quantile of sorted (not empty): the first
// value at which at least a fraction p of the values are counted.
func quantile(sorted []time.Duration, p float64) time.Duration {
	i := int(math.Ceil(p*float64(len(sorted)))) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}
