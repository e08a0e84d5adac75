//go:build arm64 && !purego

package dwconv

import "github.com/livecam/livecam/net/quant"

//go:generate go run gen_u8_arm64.go

//go:noescape
func rowU8NEON(dst, in0, in1, in2 *uint8, w *int16, bias *int32, rq *quant.SIMD, c, n, step int)

// u8SIMDKernels lists the ARMv8.0 NEON kernel, which every arm64 core runs.
func u8SIMDKernels() []*u8Kernel {
	return []*u8Kernel{{name: "neon", rowH: rowU8NEON}}
}
