package pwconv

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/livecam/livecam/net/internal/fmapeak"
)

// BenchmarkApply times every kernel, in every shape, on the matrix shapes of MobileNet V1
// 0.75@224 (M pixels × K inputs × N outputs), reporting GFLOP/s.
func BenchmarkApply(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	shapes := []struct{ m, k, n int }{
		{12544, 27, 24}, // conv1 after im2col
		{12544, 24, 48}, // conv_pw_1
		{3136, 96, 96},  // conv_pw_3
		{196, 384, 384}, // conv_pw_7..11
		{49, 768, 768},  // conv_pw_13
		{1, 768, 1000},  // conv_preds
	}
	kernels := availableShapes()
	for _, s := range shapes {
		src, w, bias := random(rng, s.m*s.k), random(rng, s.k*s.n), random(rng, s.n)
		dst := make([]float32, s.m*s.n)
		for _, kern := range kernels {
			if kern == genericKernel && s.m > 1000 {
				continue // minutes of pure Go: see the model benchmark
			}
			p, err := pack(kern, w, bias, s.k, s.n)
			if err != nil {
				b.Fatal(err)
			}
			b.Run(fmt.Sprintf("%dx%dx%d/%s-%s", s.m, s.k, s.n, kern.name, kern.shape), func(b *testing.B) {
				b.ResetTimer()
				for range b.N {
					p.Apply(dst, src, 0, s.m, ReLU6)
				}
				b.ReportMetric(2*float64(s.m*s.k*s.n)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}

// bigLayers are the large 1x1 layers of MobileNet V1 0.75@224 as the
// model runs them: w×w pixels in strips of whole rows of at least 96
// pixels (net/mobilenet fuses each with the depthwise layer before it,
// a strip at a time), K inputs, N outputs.
var bigLayers = []struct{ w, k, n int }{
	{28, 96, 192},  // conv_pw_4
	{28, 192, 192}, // conv_pw_5
	{14, 192, 384}, // conv_pw_6
	{14, 384, 384}, // conv_pw_7..11
	{7, 384, 768},  // conv_pw_12
	{7, 768, 768},  // conv_pw_13
}

// BenchmarkPeakShare times each big 1x1 layer on every SIMD kernel, in
// every shape, each beside the FMA peak loop of its instruction set
// (net/internal/fmapeak) run for as many flops, all interleaved round by
// round (the machine's state changes under them alike), and reports the
// medians of each one's share of the peak and GFLOP/s, and of the peaks.
func BenchmarkPeakShare(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	type contender struct {
		kern *kernel
		loop fmapeak.Loop
	}
	var cs []contender
	for _, kern := range availableShapes() {
		if loop, ok := fmapeak.Lookup(kern.name); ok {
			cs = append(cs, contender{kern, loop})
		}
	}
	if len(cs) == 0 {
		b.Skip("no SIMD kernel with an FMA peak loop on this CPU")
	}
	for _, l := range bigLayers {
		m, rows := l.w*l.w, (96+l.w-1)/l.w*l.w
		src, w, bias := random(rng, m*l.k), random(rng, l.k*l.n), random(rng, l.n)
		dst := make([]float32, m*l.n)
		ps := make([]*Weights, len(cs))
		for j, c := range cs {
			var err error
			if ps[j], err = pack(c.kern, w, bias, l.k, l.n); err != nil {
				b.Fatal(err)
			}
		}
		flops := 2 * float64(m*l.k*l.n)
		b.Run(fmt.Sprintf("%dx%dx%dx%d", l.w, l.w, l.k, l.n), func(b *testing.B) {
			peak := map[string][]float64{}
			layer, share := make([][]float64, len(cs)), make([][]float64, len(cs))
			for range b.N {
				for j, c := range cs {
					iters := int(flops) / c.loop.FlopsPerIter
					t0 := time.Now()
					c.loop.Run(iters)
					t1 := time.Now()
					applyStrips(ps[j], dst, src, m, rows)
					t2 := time.Now()
					pk := float64(iters*c.loop.FlopsPerIter) / t1.Sub(t0).Seconds() / 1e9
					peak[c.loop.Name] = append(peak[c.loop.Name], pk)
					layer[j] = append(layer[j], flops/t2.Sub(t1).Seconds()/1e9)
					share[j] = append(share[j], 100*layer[j][len(layer[j])-1]/pk)
				}
			}
			for j, c := range cs {
				id := c.kern.name + "-" + c.kern.shape
				b.ReportMetric(median(share[j]), "%peak:"+id)
				b.ReportMetric(median(layer[j]), "GFLOP/s:"+id)
			}
			for name, pk := range peak {
				b.ReportMetric(median(pk), "GFLOP/s:peak-"+name)
			}
		})
	}
}

// median returns the median of xs, which it sorts.
func median(xs []float64) float64 {
	slices.Sort(xs)
	return xs[len(xs)/2]
}

// applyStrips computes the m rows of a layer in strips of rows, as
// net/mobilenet does.
func applyStrips(p *Weights, dst, src []float32, m, rows int) {
	for r := 0; r < m; r += rows {
		p.Apply(dst[r*p.N:], src[r*p.K:], 0, min(rows, m-r), ReLU6)
	}
}

// BenchmarkShapes times the shapes of each SIMD kernel on the big 1x1
// layers, interleaved round by round, and reports the median ratio of
// each shape's time to the default shape's (the first): below 1 is
// faster on this CPU.
func BenchmarkShapes(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	for _, def := range availableKernels() {
		var shapes []*kernel
		for _, k := range availableShapes() {
			if k.name == def.name {
				shapes = append(shapes, k)
			}
		}
		if len(shapes) < 2 {
			continue
		}
		for _, l := range bigLayers {
			m, rows := l.w*l.w, (96+l.w-1)/l.w*l.w
			src, w, bias := random(rng, m*l.k), random(rng, l.k*l.n), random(rng, l.n)
			dst := make([]float32, m*l.n)
			ps := make([]*Weights, len(shapes))
			for j, k := range shapes {
				var err error
				if ps[j], err = pack(k, w, bias, l.k, l.n); err != nil {
					b.Fatal(err)
				}
			}
			b.Run(fmt.Sprintf("%s/%dx%dx%dx%d", def.name, l.w, l.w, l.k, l.n), func(b *testing.B) {
				ts := make([][]float64, len(ps))
				for range b.N {
					for j, p := range ps {
						t0 := time.Now()
						applyStrips(p, dst, src, m, rows)
						ts[j] = append(ts[j], time.Since(t0).Seconds())
					}
				}
				for j := 1; j < len(ps); j++ {
					r := make([]float64, b.N)
					for i := range r {
						r[i] = ts[j][i] / ts[0][i]
					}
					b.ReportMetric(median(r), shapes[j].shape+"/"+shapes[0].shape)
				}
			})
		}
	}
}
