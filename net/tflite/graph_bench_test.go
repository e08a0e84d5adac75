package tflite_test

import (
	"testing"

	"github.com/livecam/livecam/internal/testrig/shareddata"
	"github.com/livecam/livecam/net/tflite"
)

// ssdModel is the shared quantized COCO SSD-MobileNet V1 detector.
const ssdModel = "coco_ssd_mobilenet_v1_1.0_quant_2018_06_29"

// loadGraph plans a shared TFLite file on the default kernels.
func loadGraph(tb testing.TB, name string) *tflite.Graph {
	tb.Helper()
	g, err := tflite.LoadGraph(shareddata.Path(tb, "models", "tflite", name+".tflite"))
	if err != nil {
		tb.Fatal(err)
	}
	return g
}

// BenchmarkGraphSSD times one run of the SSD detector (network and
// postprocess) at 1 thread; BenchmarkGraphV1 the 0.75@192 classifier
// through the graph runner, to compare with BenchmarkForwardQuant.
func BenchmarkGraphSSD(b *testing.B) { benchGraph(b, ssdModel, 1) }

// BenchmarkGraphSSD2 is BenchmarkGraphSSD at 2 threads.
func BenchmarkGraphSSD2(b *testing.B) { benchGraph(b, ssdModel, 2) }

// BenchmarkGraphV1 times the uint8 0.75@192 MobileNet V1 at 1 thread
// through the graph runner and through net/mobilenet (the same input,
// one after the other), and through the graph at 2 threads.
func BenchmarkGraphV1(b *testing.B) {
	const name = "mobilenet_v1_0.75_192_quant"
	for range 2 {
		b.Run("graph", func(b *testing.B) { benchGraph(b, name, 1) })
		b.Run("mobilenet", func(b *testing.B) {
			m := loadQuant(b, name)
			r := m.NewRunner(1)
			defer r.Close()
			rgb := make([]uint8, m.InputLen())
			logits, out := make([]uint8, m.Classes()), make([]uint8, m.Classes())
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				if err := r.ForwardQuant(logits, out, rgb); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("graph/threads=2", func(b *testing.B) { benchGraph(b, name, 2) })
}

func benchGraph(b *testing.B, name string, threads int) {
	g := loadGraph(b, name)
	r := g.NewRunner(threads)
	defer r.Close()
	in := make([]uint8, len(r.Uint8(g.Input().Index)))
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if err := r.Run(in); err != nil {
			b.Fatal(err)
		}
	}
}
