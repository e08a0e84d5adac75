//go:build amd64 && !purego

package dwconv

import (
	"golang.org/x/sys/cpu"

	"github.com/livecam/livecam/net/quant"
)

//go:noescape
func rowU8AVX512(dst, in0, in1, in2 *uint8, w, bias *int32, rq *quant.SIMD, c, n, step int, mask uint16)

//go:noescape
func rowU8AVX2(dst, in0, in1, in2 *uint8, w, bias *int32, rq *quant.SIMD256, c, n, step int)

func u8SIMDKernels() []*U8Kernel {
	var ks []*U8Kernel
	if cpu.X86.HasAVX512F && cpu.X86.HasAVX512BW {
		ks = append(ks, &U8Kernel{name: "avx512", row: rowU8AVX512})
	}
	if cpu.X86.HasAVX2 {
		ks = append(ks, &U8Kernel{name: "avx2", row8: rowU8AVX2})
	}
	return ks
}
