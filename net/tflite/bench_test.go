package tflite_test

import (
	"fmt"
	"testing"

	"github.com/livecam/livecam/internal/testrig/shareddata"
	"github.com/livecam/livecam/net/mobilenet"
	"github.com/livecam/livecam/net/tfjs"
)

// BenchmarkForwardQuant times one uint8 forward pass of each quantized
// file, at 1 and 2 threads.
func BenchmarkForwardQuant(b *testing.B) {
	for _, qm := range quantModels {
		m := loadQuant(b, qm.name)
		for _, threads := range []int{1, 2} {
			b.Run(fmt.Sprintf("%s/threads=%d", qm.name, threads), func(b *testing.B) {
				r := m.NewRunner(threads)
				defer r.Close()
				rgb := make([]uint8, m.InputLen())
				logits := make([]uint8, m.Classes())
				b.ReportAllocs()
				for range b.N {
					if err := r.ForwardQuant(logits, nil, rgb); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// floatModel loads the shared float32 0.75 weights to run at size×size
// (MobileNet V1's weights do not depend on the input size).
func floatModel(tb testing.TB, size int) *mobilenet.Model {
	w, err := tfjs.LoadWeights(shareddata.Path(tb, "models", "mobilenet_v1_0.75_224"))
	if err != nil {
		tb.Fatal(err)
	}
	w.Config.Size = size
	m, err := mobilenet.NewModel(w)
	if err != nil {
		tb.Fatal(err)
	}
	return m
}

// BenchmarkForwardFloat192 times livecam's float32 0.75 network at 192×192.
func BenchmarkForwardFloat192(b *testing.B) {
	m := floatModel(b, 192)
	for _, threads := range []int{1, 2} {
		b.Run(fmt.Sprintf("threads=%d", threads), func(b *testing.B) {
			r := m.NewRunner(threads)
			defer r.Close()
			in, logits := make([]float32, m.InputLen()), make([]float32, m.Classes())
			for range b.N {
				_ = r.Forward(logits, in)
			}
		})
	}
}

// TestQuantAllocatesNothing: a quantized forward pass, to the logits or to
// the probabilities, allocates nothing, on one thread or two.
func TestQuantAllocatesNothing(t *testing.T) {
	m := loadQuant(t, "mobilenet_v1_0.25_128_quant")
	for _, threads := range []int{1, 2} {
		r := m.NewRunner(threads)
		rgb := make([]uint8, m.InputLen())
		logits, out := make([]uint8, m.Classes()), make([]uint8, m.Classes())
		probs := make([]float32, m.Classes())
		if n := testing.AllocsPerRun(20, func() { _ = r.ForwardQuant(logits, out, rgb) }); n != 0 {
			t.Errorf("%d threads: %v allocations per ForwardQuant", threads, n)
		}
		if n := testing.AllocsPerRun(20, func() { _ = r.Probabilities(probs, rgb) }); n != 0 {
			t.Errorf("%d threads: %v allocations per Probabilities", threads, n)
		}
		r.Close()
	}
}
