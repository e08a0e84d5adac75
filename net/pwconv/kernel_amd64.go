//go:build amd64 && !purego

package pwconv

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

var (
	avx512 = &kernel{name: "avx512", nr: 32, bitMask: true, tiles: []tileFunc{nil,
		gemmAVX512x1, gemmAVX512x2, gemmAVX512x3, gemmAVX512x4, gemmAVX512x5, gemmAVX512x6,
		gemmAVX512x7, gemmAVX512x8, gemmAVX512x9, gemmAVX512x10, gemmAVX512x11, gemmAVX512x12}}
	avx2 = &kernel{name: "avx2", nr: 16, tiles: []tileFunc{nil,
		gemmAVX2x1, gemmAVX2x2, gemmAVX2x3, gemmAVX2x4, gemmAVX2x5, gemmAVX2x6}}
)

// simdKernels lists the amd64 kernels, fastest first;
// net/internal/kernelenv says which of them this CPU runs.
func simdKernels() []*kernel { return []*kernel{avx512, avx2} }
