package pwconv_test

import (
	"slices"
	"testing"
	"time"

	"github.com/livecam/livecam/internal/testrig/shareddata"
	"github.com/livecam/livecam/net/internal/kernelenv"
	"github.com/livecam/livecam/net/mobilenet"
	"github.com/livecam/livecam/net/tfjs"
	"github.com/livecam/livecam/net/tflite"
)

// BenchmarkPaths192 times, interleaved pass by pass in one process at 1
// thread, Google's uint8 MobileNet V1 0.75@192 on every SIMD kernel path
// this CPU runs and livecam's float32 network of the same width and size (the
// real 0.75 weights at 192) on the avx2 path. Each b.N iteration is one
// forward pass of each; it reports each one's median (ms/NAME) and the
// ratios issue 24 names, the median of the per-pass ratios:
// avxvnni/avx2-float (<= 0.6 wanted) and avx2-u8/avx2-float (<= 0.8).
//
//	go test ./net/pwconv -run '^$' -bench Paths192 -benchtime 20x
func BenchmarkPaths192(b *testing.B) {
	file := shareddata.Path(b, "models", "tflite", "mobilenet_v1_0.75_192_quant.tflite")
	type contender struct {
		name string
		run  func()
		ms   []float64
	}
	var cs []*contender
	paths := kernelenv.Paths()
	for _, p := range paths {
		if p.String() == "generic" {
			continue // a hundred times slower: it would be most of the run
		}
		restore := kernelenv.Force(p)
		m, err := tflite.Load(file, nil)
		restore()
		if err != nil {
			b.Fatal(err)
		}
		r := m.NewRunner(1)
		defer r.Close()
		rgb := make([]uint8, m.InputLen())
		for i := range rgb {
			rgb[i] = uint8(i * 7)
		}
		logits := make([]uint8, m.Classes())
		cs = append(cs, &contender{name: p.String() + "-u8", run: func() { _ = r.ForwardQuant(logits, nil, rgb) }})
	}
	if i := slices.IndexFunc(paths, func(p kernelenv.Path) bool { return p.String() == "avx2" }); i >= 0 {
		w, err := tfjs.LoadWeights(shareddata.Path(b, "models", "mobilenet_v1_0.75_224"))
		if err != nil {
			b.Fatal(err)
		}
		w.Config.Size = 192
		restore := kernelenv.Force(paths[i])
		m, err := mobilenet.NewModel(w)
		restore()
		if err != nil {
			b.Fatal(err)
		}
		r := m.NewRunner(1)
		defer r.Close()
		in, logits := make([]float32, m.InputLen()), make([]float32, m.Classes())
		cs = append(cs, &contender{name: "avx2-float", run: func() { _ = r.Forward(logits, in) }})
	}
	for _, c := range cs {
		c.run() // warm up
	}
	b.ResetTimer()
	for range b.N {
		for _, c := range cs {
			t := time.Now()
			c.run()
			c.ms = append(c.ms, float64(time.Since(t).Nanoseconds())/1e6)
		}
	}
	b.StopTimer()
	byName := map[string]*contender{}
	for _, c := range cs {
		byName[c.name] = c
	}
	if f := byName["avx2-float"]; f != nil {
		for _, name := range []string{"avxvnni-u8", "avx2-u8", "avx512-vnni-u8"} {
			if c := byName[name]; c != nil {
				ratios := make([]float64, len(c.ms))
				for i := range c.ms {
					ratios[i] = c.ms[i] / f.ms[i]
				}
				b.ReportMetric(median(ratios), name+"/avx2-float")
			}
		}
	}
	for _, c := range cs { // after the ratios: median sorts
		b.ReportMetric(median(c.ms), "ms/"+c.name)
	}
}

// median returns the median of xs (sorted in place).
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	slices.Sort(xs)
	if n := len(xs); n%2 == 0 {
		return (xs[n/2-1] + xs[n/2]) / 2
	}
	return xs[len(xs)/2]
}
