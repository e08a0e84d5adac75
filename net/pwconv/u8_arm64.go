//go:build arm64 && !purego

package pwconv

import "github.com/livecam/livecam/net/quant"

//go:generate go run gen_u8_arm64.go

// Microkernels in u8_arm64.s; see gen_u8_arm64.go for the contract.

//go:noescape
func gemmU8Dotx1(a, b, c *uint8, bias, rowc *int32, rq *quant.SIMD, k, lda, ldc int)

//go:noescape
func gemmU8Dotx2(a, b, c *uint8, bias, rowc *int32, rq *quant.SIMD, k, lda, ldc int)

//go:noescape
func gemmU8Dotx3(a, b, c *uint8, bias, rowc *int32, rq *quant.SIMD, k, lda, ldc int)

//go:noescape
func gemmU8Dotx4(a, b, c *uint8, bias, rowc *int32, rq *quant.SIMD, k, lda, ldc int)

//go:noescape
func gemmU8Dotx5(a, b, c *uint8, bias, rowc *int32, rq *quant.SIMD, k, lda, ldc int)

//go:noescape
func gemmU8Dotx6(a, b, c *uint8, bias, rowc *int32, rq *quant.SIMD, k, lda, ldc int)

//go:noescape
func gemmU8Dotx7(a, b, c *uint8, bias, rowc *int32, rq *quant.SIMD, k, lda, ldc int)

//go:noescape
func gemmU8Dotx8(a, b, c *uint8, bias, rowc *int32, rq *quant.SIMD, k, lda, ldc int)

//go:noescape
func gemmU8NEONx1(a, b, c *uint8, bias, rowc *int32, rq *quant.SIMD, k, lda, ldc int)

//go:noescape
func gemmU8NEONx2(a, b, c *uint8, bias, rowc *int32, rq *quant.SIMD, k, lda, ldc int)

//go:noescape
func gemmU8NEONx3(a, b, c *uint8, bias, rowc *int32, rq *quant.SIMD, k, lda, ldc int)

//go:noescape
func gemmU8NEONx4(a, b, c *uint8, bias, rowc *int32, rq *quant.SIMD, k, lda, ldc int)

//go:noescape
func gemmU8NEONx5(a, b, c *uint8, bias, rowc *int32, rq *quant.SIMD, k, lda, ldc int)

//go:noescape
func gemmU8NEONx6(a, b, c *uint8, bias, rowc *int32, rq *quant.SIMD, k, lda, ldc int)

//go:noescape
func gemmU8NEONx7(a, b, c *uint8, bias, rowc *int32, rq *quant.SIMD, k, lda, ldc int)

//go:noescape
func gemmU8NEONx8(a, b, c *uint8, bias, rowc *int32, rq *quant.SIMD, k, lda, ldc int)

//go:noescape
func rowSumsNEON(dst *int32, src *uint8, k, rows int)

// armTile computes mr rows of one 8-column panel with the dot-product
// (neon false) or the ARMv8.0 kernel. The calls are static, so that the
// compiler sees that no argument escapes.
func armTile(neon bool, mr int, a, b, c *uint8, bias, rowc *int32, rq *quant.SIMD, k, lda, ldc int) {
	key := mr
	if neon {
		key += 8
	}
	switch key {
	case 1:
		gemmU8Dotx1(a, b, c, bias, rowc, rq, k, lda, ldc)
	case 2:
		gemmU8Dotx2(a, b, c, bias, rowc, rq, k, lda, ldc)
	case 3:
		gemmU8Dotx3(a, b, c, bias, rowc, rq, k, lda, ldc)
	case 4:
		gemmU8Dotx4(a, b, c, bias, rowc, rq, k, lda, ldc)
	case 5:
		gemmU8Dotx5(a, b, c, bias, rowc, rq, k, lda, ldc)
	case 6:
		gemmU8Dotx6(a, b, c, bias, rowc, rq, k, lda, ldc)
	case 7:
		gemmU8Dotx7(a, b, c, bias, rowc, rq, k, lda, ldc)
	case 8:
		gemmU8Dotx8(a, b, c, bias, rowc, rq, k, lda, ldc)
	case 9:
		gemmU8NEONx1(a, b, c, bias, rowc, rq, k, lda, ldc)
	case 10:
		gemmU8NEONx2(a, b, c, bias, rowc, rq, k, lda, ldc)
	case 11:
		gemmU8NEONx3(a, b, c, bias, rowc, rq, k, lda, ldc)
	case 12:
		gemmU8NEONx4(a, b, c, bias, rowc, rq, k, lda, ldc)
	case 13:
		gemmU8NEONx5(a, b, c, bias, rowc, rq, k, lda, ldc)
	case 14:
		gemmU8NEONx6(a, b, c, bias, rowc, rq, k, lda, ldc)
	case 15:
		gemmU8NEONx7(a, b, c, bias, rowc, rq, k, lda, ldc)
	case 16:
		gemmU8NEONx8(a, b, c, bias, rowc, rq, k, lda, ldc)
	default:
		panic("pwconv: no arm64 tile of that shape")
	}
}

// u8Dot is the arm64 kernel with the dot-product extension (UDOT, 8×8
// tiles, 16 k per step); u8NEON the ARMv8.0 one (UMLAL on 16-bit values)
// for the cores without it.
var (
	u8Dot  = &u8Kernel{name: "neon-dotprod", arm: armDot}
	u8NEON = &u8Kernel{name: "neon", arm: armNEON}
)

// u8SIMDKernels lists the arm64 uint8 kernels; net/internal/kernelenv
// says which of them this CPU runs (UDOT only where the CPU has it).
func u8SIMDKernels() []*u8Kernel { return []*u8Kernel{u8Dot, u8NEON} }

// applyARM computes rows [0, rows) and panels [p0, p1) with the arm64
// tiles; a partial last panel goes through a scratch tile.
func (w *U8Weights) applyARM(dst, src []uint8, rows, p0, p1 int) {
	const mr = 8
	var rowc [mr]int32
	var tile [mr * 8]uint8
	neon := w.kern.arm == armNEON
	rq := &w.vrq
	for i := 0; i < rows; i += mr {
		r := min(mr, rows-i)
		rowSumsNEON(&rowc[0], &src[i*w.k], w.k, r)
		for j := range r {
			rowc[j] *= w.c
		}
		for p := p0; p < p1; p++ {
			b, bias := &w.packed8[p*w.panelBytes], &w.pbias[p*8]
			cols := min(8, w.n-p*8)
			if cols == 8 {
				armTile(neon, r, &src[i*w.k], b, &dst[i*w.n+p*8], bias, &rowc[0], rq, w.k, w.k, w.n)
				continue
			}
			armTile(neon, r, &src[i*w.k], b, &tile[0], bias, &rowc[0], rq, w.k, w.k, 8)
			for j := range r {
				copy(dst[(i+j)*w.n+p*8:(i+j)*w.n+p*8+cols], tile[j*8:])
			}
		}
	}
}

func (w *U8Weights) applyVNNI(dst, src []uint8, rows, p0, p1 int) {
	panic("pwconv: no VNNI kernel here")
}

// u8AMXFallback is never used here: no kernel of this build has amx set.
var u8AMXFallback = u8GenericKernel

func (w *U8Weights) applyAMX(dst, src []uint8, rows, p0, p1 int) {
	panic("pwconv: no AMX kernel here")
}

func (w *U8Weights) applyAVXVNNI(dst, src []uint8, rows, p0, p1 int) {
	panic("pwconv: no AVX-VNNI kernel here")
}

func (w *U8Weights) applyAVX2(dst, src []uint8, rows, p0, p1 int) {
	panic("pwconv: no AVX2 kernel here")
}
