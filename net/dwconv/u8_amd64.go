//go:build amd64 && !purego

package dwconv

import "github.com/livecam/livecam/net/quant"

//go:noescape
func rowU8AVX512(dst, in0, in1, in2 *uint8, w, bias *int32, rq *quant.SIMD, c, n, step int, mask uint16)

//go:noescape
func rowU8AVX2(dst, in0, in1, in2 *uint8, w, bias *int32, rq *quant.SIMD256, c, n, step int)

// u8SIMDKernels lists the amd64 uint8 kernels; net/internal/kernelenv
// says which of them this CPU runs.
func u8SIMDKernels() []*u8Kernel {
	return []*u8Kernel{
		{name: "avx512", row: rowU8AVX512},
		{name: "avx2", row8: rowU8AVX2},
	}
}
