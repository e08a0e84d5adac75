package mobilenet_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/livecam/livecam/internal/randweights"
	"github.com/livecam/livecam/net/mobilenet"
)

func BenchmarkForward(b *testing.B) {
	m := realModel(b)
	for _, threads := range []int{1, 2} {
		b.Run(fmt.Sprintf("%s/threads=%d", m.Name(), threads), func(b *testing.B) {
			r := m.NewRunner(threads)
			defer r.Close()
			input := make([]float32, m.InputLen())
			logits := make([]float32, m.Classes())
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				if err := r.Forward(logits, input); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func TestForwardAllocatesNothing(t *testing.T) {
	m, err := randweights.Model(randweights.Small, 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, threads := range []int{1, 2} {
		r := m.NewRunner(threads)
		input := make([]float32, m.InputLen())
		logits := make([]float32, m.Classes())
		if n := testing.AllocsPerRun(20, func() { _ = r.Forward(logits, input) }); n != 0 {
			t.Errorf("%d threads: %v allocations per Forward, want 0", threads, n)
		}
		r.Close()
	}
}

// TestRunnerMemory checks that a runner holds less than twice the largest
// amount of activation data any layer needs at once (its input and its
// output), for every published width and size.
func TestRunnerMemory(t *testing.T) {
	for _, a := range mobilenet.Alphas {
		for _, s := range mobilenet.Sizes {
			cfg := mobilenet.Config{Alpha: a, Size: s, Classes: 1000}
			w, err := randweights.New(cfg, 1)
			if err != nil {
				t.Fatal(err)
			}
			m, err := mobilenet.NewModel(w)
			if err != nil {
				t.Fatal(err)
			}
			need := 0
			for _, l := range m.Layers() {
				need = max(need, 4*(l.InLen()+l.OutLen()))
			}
			for _, threads := range []int{1, 2} {
				r := m.NewRunner(threads)
				if got := r.ScratchBytes(); got > 2*need {
					t.Errorf("%s, %d threads: runner holds %d bytes, over twice the %d the largest layer needs", cfg.Name(), threads, got, need)
				} else if a == 0.75 && s == 224 {
					t.Logf("%s, %d threads: %d bytes held, %d needed (%.2fx)", cfg.Name(), threads, got, need, float64(got)/float64(need))
				}
				r.Close()
			}
		}
	}
}

// BenchmarkScaling measures the 2-thread speed-up of the forward pass with
// the two runners interleaved (10 passes each per round, order rotating),
// so that the noise of a shared machine hits both alike. It reports the
// median latency of each and the median of the per-round speed-ups.
func BenchmarkScaling(b *testing.B) {
	m := realModel(b)
	input := make([]float32, m.InputLen())
	logits := make([]float32, m.Classes())
	runners := []*mobilenet.Runner{m.NewRunner(1), m.NewRunner(2)}
	defer runners[0].Close()
	defer runners[1].Close()
	var all [2][]float64
	var speedups []float64
	b.ResetTimer()
	for round := 0; round < b.N; round++ {
		var med [2]float64
		for k := range 2 {
			i := (k + round) % 2
			var ms []float64
			for range 10 {
				t := time.Now()
				runners[i].Forward(logits, input)
				ms = append(ms, float64(time.Since(t).Nanoseconds())/1e6)
			}
			med[i] = medianOf(ms)
			all[i] = append(all[i], ms...)
		}
		speedups = append(speedups, med[0]/med[1])
	}
	b.ReportMetric(medianOf(all[0]), "1thread-ms")
	b.ReportMetric(medianOf(all[1]), "2threads-ms")
	b.ReportMetric(medianOf(speedups), "speedup")
}

func medianOf(x []float64) float64 {
	s := slices.Clone(x)
	slices.Sort(s)
	return s[len(s)/2]
}
