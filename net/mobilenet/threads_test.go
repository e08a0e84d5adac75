package mobilenet_test

import (
	"math"
	"testing"

	"github.com/livecam/livecam/internal/randweights"
	"github.com/livecam/livecam/net/mobilenet"
)

// TestThreadsGiveSameBits checks that every traced layer's output is the
// same bits at 1, 2 and 3 threads and from one pass to the next: the
// workers claim fixed chunks, so neither the thread count nor which
// worker runs a chunk may change a value. The variant has layers split by
// rows (64×64 to 16×16) and by columns (8×8 and 4×4).
func TestThreadsGiveSameBits(t *testing.T) {
	m, err := randweights.Model(randweights.Small, 3)
	if err != nil {
		t.Fatal(err)
	}
	input := make([]float32, m.InputLen())
	for i := range input {
		input[i] = float32(math.Sin(float64(i) * 0.37))
	}
	logits := make([]float32, m.Classes())
	var want [][]float32
	r := m.NewRunner(1)
	if err := r.Trace(logits, input, func(_ mobilenet.Layer, out []float32) {
		want = append(want, append([]float32(nil), out...))
	}); err != nil {
		t.Fatal(err)
	}
	r.Close()
	for _, threads := range []int{1, 2, 3} {
		r := m.NewRunner(threads)
		for pass := range 8 {
			i := 0
			err := r.Trace(logits, input, func(l mobilenet.Layer, out []float32) {
				for k, v := range out {
					if math.Float32bits(v) != math.Float32bits(want[i][k]) {
						t.Fatalf("%d threads, pass %d: %s value %d = %v, %v at 1 thread", threads, pass, l.Name, k, v, want[i][k])
					}
				}
				i++
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		r.Close()
	}
}
