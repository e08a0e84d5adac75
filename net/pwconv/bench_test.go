package pwconv

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// BenchmarkApply times every kernel on the matrix shapes of MobileNet V1
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
	kernels := availableKernels()
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
			b.Run(fmt.Sprintf("%dx%dx%d/%s", s.m, s.k, s.n, kern.name), func(b *testing.B) {
				b.ResetTimer()
				for range b.N {
					p.Apply(dst, src, 0, s.m, ReLU6)
				}
				b.ReportMetric(2*float64(s.m*s.k*s.n)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}
