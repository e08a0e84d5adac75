package net

import (
	"fmt"
	"os"
	"testing"
	"time"
)

// TestLayerTimes prints per-layer latency at 1 and 2 threads when
// LIVECAM_LAYER_TIMES is set; it is a profiling aid, not a check.
func TestLayerTimes(t *testing.T) {
	if os.Getenv("LIVECAM_LAYER_TIMES") == "" {
		t.Skip("set LIVECAM_LAYER_TIMES=1 to print per-layer times")
	}
	w, err := RandomWeights(DefaultConfig, 1)
	if err != nil {
		t.Fatal(err)
	}
	m, err := NewModel(w)
	if err != nil {
		t.Fatal(err)
	}
	const runs = 200
	times := map[int][]time.Duration{}
	for _, threads := range []int{1, 2} {
		r := m.NewRunner(threads)
		in := make([]float32, m.InputLen())
		logits := make([]float32, m.Classes())
		d := make([]time.Duration, len(m.layers))
		var last time.Time
		for run := range runs + 20 {
			last = time.Now()
			r.Trace(logits, in, func(l Layer, _ []float32) {
				now := time.Now()
				if run >= 20 {
					for i := range m.layers {
						if m.layers[i].Name == l.Name {
							d[i] += now.Sub(last)
						}
					}
				}
				last = now
			})
		}
		times[threads] = d
		r.Close()
	}
	var tot1, tot2 time.Duration
	for i, l := range m.layers {
		a, b := times[1][i]/runs, times[2][i]/runs
		tot1 += a
		tot2 += b
		fmt.Printf("%-28s %9v %9v  %.2fx  %6.1f GFLOP/s\n", l.Name, a, b, float64(a)/float64(b), 2*float64(l.MultAdds())/float64(a.Nanoseconds()))
	}
	fmt.Printf("%-28s %9v %9v  %.2fx\n", "total", tot1, tot2, float64(tot1)/float64(tot2))
}
