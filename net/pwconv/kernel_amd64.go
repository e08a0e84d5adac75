//go:build amd64 && !purego

package pwconv

import "github.com/livecam/livecam/net/internal/kernelenv"

//go:generate go run gen_amd64.go

// Microkernels in kernel_amd64.s; see gen_amd64.go for the contract.
//
//go:noescape
func gemmAVX512x1(a, b, c, bias *float32, k, lda, ldc int, mask uint32, relu6 int)

//go:noescape
func gemmAVX512x2(a, b, c, bias *float32, k, lda, ldc int, mask uint32, relu6 int)

//go:noescape
func gemmAVX512x3(a, b, c, bias *float32, k, lda, ldc int, mask uint32, relu6 int)

//go:noescape
func gemmAVX512x4(a, b, c, bias *float32, k, lda, ldc int, mask uint32, relu6 int)

//go:noescape
func gemmAVX512x5(a, b, c, bias *float32, k, lda, ldc int, mask uint32, relu6 int)

//go:noescape
func gemmAVX512x6(a, b, c, bias *float32, k, lda, ldc int, mask uint32, relu6 int)

//go:noescape
func gemmAVX512x7(a, b, c, bias *float32, k, lda, ldc int, mask uint32, relu6 int)

//go:noescape
func gemmAVX512x8(a, b, c, bias *float32, k, lda, ldc int, mask uint32, relu6 int)

//go:noescape
func gemmAVX512x9(a, b, c, bias *float32, k, lda, ldc int, mask uint32, relu6 int)

//go:noescape
func gemmAVX512x10(a, b, c, bias *float32, k, lda, ldc int, mask uint32, relu6 int)

//go:noescape
func gemmAVX512x11(a, b, c, bias *float32, k, lda, ldc int, mask uint32, relu6 int)

//go:noescape
func gemmAVX512x12(a, b, c, bias *float32, k, lda, ldc int, mask uint32, relu6 int)

//go:noescape
func gemmAVX2x1(a, b, c, bias *float32, k, lda, ldc int, mask uint32, relu6 int)

//go:noescape
func gemmAVX2x2(a, b, c, bias *float32, k, lda, ldc int, mask uint32, relu6 int)

//go:noescape
func gemmAVX2x3(a, b, c, bias *float32, k, lda, ldc int, mask uint32, relu6 int)

//go:noescape
func gemmAVX2x4(a, b, c, bias *float32, k, lda, ldc int, mask uint32, relu6 int)

//go:noescape
func gemmAVX2x5(a, b, c, bias *float32, k, lda, ldc int, mask uint32, relu6 int)

//go:noescape
func gemmAVX2x6(a, b, c, bias *float32, k, lda, ldc int, mask uint32, relu6 int)

//go:noescape
func gemmAVX512W48x1(a, b, c, bias *float32, k, lda, ldc int, mask uint32, relu6 int)

//go:noescape
func gemmAVX512W48x2(a, b, c, bias *float32, k, lda, ldc int, mask uint32, relu6 int)

//go:noescape
func gemmAVX512W48x3(a, b, c, bias *float32, k, lda, ldc int, mask uint32, relu6 int)

//go:noescape
func gemmAVX512W48x4(a, b, c, bias *float32, k, lda, ldc int, mask uint32, relu6 int)

//go:noescape
func gemmAVX512W48x5(a, b, c, bias *float32, k, lda, ldc int, mask uint32, relu6 int)

//go:noescape
func gemmAVX512W48x6(a, b, c, bias *float32, k, lda, ldc int, mask uint32, relu6 int)

//go:noescape
func gemmAVX512W48x7(a, b, c, bias *float32, k, lda, ldc int, mask uint32, relu6 int)

//go:noescape
func gemmAVX512W48x8(a, b, c, bias *float32, k, lda, ldc int, mask uint32, relu6 int)

//go:noescape
func gemmAVX2U4x1(a, b, c, bias *float32, k, lda, ldc int, mask uint32, relu6 int)

//go:noescape
func gemmAVX2U4x2(a, b, c, bias *float32, k, lda, ldc int, mask uint32, relu6 int)

//go:noescape
func gemmAVX2U4x3(a, b, c, bias *float32, k, lda, ldc int, mask uint32, relu6 int)

//go:noescape
func gemmAVX2U4x4(a, b, c, bias *float32, k, lda, ldc int, mask uint32, relu6 int)

//go:noescape
func gemmAVX2U4x5(a, b, c, bias *float32, k, lda, ldc int, mask uint32, relu6 int)

//go:noescape
func gemmAVX2U4x6(a, b, c, bias *float32, k, lda, ldc int, mask uint32, relu6 int)

//go:noescape
func gemmPatch3AVX512x1(a, b, c, bias *float32, k, lda, ldc int, mask uint32, relu6 int)

//go:noescape
func gemmPatch3AVX512x2(a, b, c, bias *float32, k, lda, ldc int, mask uint32, relu6 int)

//go:noescape
func gemmPatch3AVX512x3(a, b, c, bias *float32, k, lda, ldc int, mask uint32, relu6 int)

//go:noescape
func gemmPatch3AVX512x4(a, b, c, bias *float32, k, lda, ldc int, mask uint32, relu6 int)

//go:noescape
func gemmPatch3AVX512x5(a, b, c, bias *float32, k, lda, ldc int, mask uint32, relu6 int)

//go:noescape
func gemmPatch3AVX512x6(a, b, c, bias *float32, k, lda, ldc int, mask uint32, relu6 int)

//go:noescape
func gemmPatch3AVX512x7(a, b, c, bias *float32, k, lda, ldc int, mask uint32, relu6 int)

//go:noescape
func gemmPatch3AVX512x8(a, b, c, bias *float32, k, lda, ldc int, mask uint32, relu6 int)

//go:noescape
func gemmPatch3AVX512x9(a, b, c, bias *float32, k, lda, ldc int, mask uint32, relu6 int)

//go:noescape
func gemmPatch3AVX512x10(a, b, c, bias *float32, k, lda, ldc int, mask uint32, relu6 int)

//go:noescape
func gemmPatch3AVX512x11(a, b, c, bias *float32, k, lda, ldc int, mask uint32, relu6 int)

//go:noescape
func gemmPatch3AVX512x12(a, b, c, bias *float32, k, lda, ldc int, mask uint32, relu6 int)

//go:noescape
func gemmPatch3AVX2x1(a, b, c, bias *float32, k, lda, ldc int, mask uint32, relu6 int)

//go:noescape
func gemmPatch3AVX2x2(a, b, c, bias *float32, k, lda, ldc int, mask uint32, relu6 int)

//go:noescape
func gemmPatch3AVX2x3(a, b, c, bias *float32, k, lda, ldc int, mask uint32, relu6 int)

//go:noescape
func gemmPatch3AVX2x4(a, b, c, bias *float32, k, lda, ldc int, mask uint32, relu6 int)

//go:noescape
func gemmPatch3AVX2x5(a, b, c, bias *float32, k, lda, ldc int, mask uint32, relu6 int)

//go:noescape
func gemmPatch3AVX2x6(a, b, c, bias *float32, k, lda, ldc int, mask uint32, relu6 int)

// patch3AVX2 are the AVX2 kernels' first-convolution tiles (both shapes).
var patch3AVX2 = []tileFunc{nil, gemmPatch3AVX2x1, gemmPatch3AVX2x2, gemmPatch3AVX2x3,
	gemmPatch3AVX2x4, gemmPatch3AVX2x5, gemmPatch3AVX2x6}

var (
	avx512 = &kernel{name: "avx512", shape: "12x32", nr: 32, bitMask: true, tiles: []tileFunc{nil,
		gemmAVX512x1, gemmAVX512x2, gemmAVX512x3, gemmAVX512x4, gemmAVX512x5, gemmAVX512x6,
		gemmAVX512x7, gemmAVX512x8, gemmAVX512x9, gemmAVX512x10, gemmAVX512x11, gemmAVX512x12},
		patch3: []tileFunc{nil,
			gemmPatch3AVX512x1, gemmPatch3AVX512x2, gemmPatch3AVX512x3, gemmPatch3AVX512x4,
			gemmPatch3AVX512x5, gemmPatch3AVX512x6, gemmPatch3AVX512x7, gemmPatch3AVX512x8,
			gemmPatch3AVX512x9, gemmPatch3AVX512x10, gemmPatch3AVX512x11, gemmPatch3AVX512x12}}
	avx2 = &kernel{name: "avx2", shape: "6x16", nr: 16, tiles: []tileFunc{nil,
		gemmAVX2x1, gemmAVX2x2, gemmAVX2x3, gemmAVX2x4, gemmAVX2x5, gemmAVX2x6}, patch3: patch3AVX2}
	// The shapes chosen on Intel cores: fewer loads per FMA (8 rows ×
	// 3 vectors: 11 loads for 24 FMAs, where 12×32 has 14) and a k loop
	// unrolled 4 times (a quarter of the pointer updates and branches).
	avx512W48 = &kernel{name: "avx512", shape: "8x48u4", nr: 48, tiles: []tileFunc{nil,
		gemmAVX512W48x1, gemmAVX512W48x2, gemmAVX512W48x3, gemmAVX512W48x4,
		gemmAVX512W48x5, gemmAVX512W48x6, gemmAVX512W48x7, gemmAVX512W48x8}}
	avx2U4 = &kernel{name: "avx2", shape: "6x16u4", nr: 16, tiles: []tileFunc{nil,
		gemmAVX2U4x1, gemmAVX2U4x2, gemmAVX2U4x3, gemmAVX2U4x4, gemmAVX2U4x5, gemmAVX2U4x6}, patch3: patch3AVX2}
)

// simdKernels lists the amd64 kernels, every shape, fastest path first
// and each path's default shape (the one tuned on AMD EPYC) before its
// others; net/internal/kernelenv says which paths this CPU runs.
func simdKernels() []*kernel { return []*kernel{avx512, avx512W48, avx2, avx2U4} }

// shapeFor returns the shape of kernel k's path this CPU runs for a layer
// of n outputs: on Intel cores the unrolled AVX2 shape, and the 8×48
// AVX-512 one unless its panels would pad n wider than 12×32's (n = 24:
// 48 columns instead of 32), all measured faster there
// (BenchmarkShapes); elsewhere (AMD, other vendors) the default. Every
// shape of a kernel gives the same bits, so the choice is free per layer.
func shapeFor(k *kernel, n int) *kernel {
	if kernelenv.Vendor() != kernelenv.Intel {
		return k
	}
	switch k {
	case avx512:
		if padded(n, avx512W48.nr) > padded(n, avx512.nr) {
			return avx512
		}
		return avx512W48
	case avx2:
		return avx2U4
	}
	return k
}

// padded returns n rounded up to a multiple of nr.
func padded(n, nr int) int { return (n + nr - 1) / nr * nr }
