//go:build amd64 && !purego

package dwconv

import (
	"golang.org/x/sys/cpu"

	"github.com/livecam/livecam/net/quant"
)

//go:noescape
func rowU8AVX512(dst, in0, in1, in2 *uint8, w, bias *int32, rq *quant.SIMD, c, n, step int, mask uint16)

func u8SIMDKernels() []*U8Kernel {
	if cpu.X86.HasAVX512F && cpu.X86.HasAVX512BW {
		return []*U8Kernel{{name: "avx512", row: rowU8AVX512}}
	}
	return nil
}
