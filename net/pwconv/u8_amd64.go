//go:build amd64 && !purego

package pwconv

import (
	"sync"

	"github.com/livecam/livecam/net/quant"
)

//go:generate go run gen_u8_amd64.go

// u8Tile computes one MR×(16·NZ) tile; see gen_u8_amd64.go.
type u8Tile func(a *uint8, b *int8, c *uint8, bias, rowc *int32, rq *quant.SIMD, k4, lda, ldc int, mask uint16)

//go:noescape
func gemmU8VNNI1x1(a *uint8, b *int8, c *uint8, bias, rowc *int32, rq *quant.SIMD, k4, lda, ldc int, mask uint16)

//go:noescape
func gemmU8VNNI2x1(a *uint8, b *int8, c *uint8, bias, rowc *int32, rq *quant.SIMD, k4, lda, ldc int, mask uint16)

//go:noescape
func gemmU8VNNI3x1(a *uint8, b *int8, c *uint8, bias, rowc *int32, rq *quant.SIMD, k4, lda, ldc int, mask uint16)

//go:noescape
func gemmU8VNNI4x1(a *uint8, b *int8, c *uint8, bias, rowc *int32, rq *quant.SIMD, k4, lda, ldc int, mask uint16)

//go:noescape
func gemmU8VNNI5x1(a *uint8, b *int8, c *uint8, bias, rowc *int32, rq *quant.SIMD, k4, lda, ldc int, mask uint16)

//go:noescape
func gemmU8VNNI6x1(a *uint8, b *int8, c *uint8, bias, rowc *int32, rq *quant.SIMD, k4, lda, ldc int, mask uint16)

//go:noescape
func gemmU8VNNI1x2(a *uint8, b *int8, c *uint8, bias, rowc *int32, rq *quant.SIMD, k4, lda, ldc int, mask uint16)

//go:noescape
func gemmU8VNNI2x2(a *uint8, b *int8, c *uint8, bias, rowc *int32, rq *quant.SIMD, k4, lda, ldc int, mask uint16)

//go:noescape
func gemmU8VNNI3x2(a *uint8, b *int8, c *uint8, bias, rowc *int32, rq *quant.SIMD, k4, lda, ldc int, mask uint16)

//go:noescape
func gemmU8VNNI4x2(a *uint8, b *int8, c *uint8, bias, rowc *int32, rq *quant.SIMD, k4, lda, ldc int, mask uint16)

//go:noescape
func gemmU8VNNI5x2(a *uint8, b *int8, c *uint8, bias, rowc *int32, rq *quant.SIMD, k4, lda, ldc int, mask uint16)

//go:noescape
func gemmU8VNNI6x2(a *uint8, b *int8, c *uint8, bias, rowc *int32, rq *quant.SIMD, k4, lda, ldc int, mask uint16)

//go:noescape
func gemmU8VNNI1x3(a *uint8, b *int8, c *uint8, bias, rowc *int32, rq *quant.SIMD, k4, lda, ldc int, mask uint16)

//go:noescape
func gemmU8VNNI2x3(a *uint8, b *int8, c *uint8, bias, rowc *int32, rq *quant.SIMD, k4, lda, ldc int, mask uint16)

//go:noescape
func gemmU8VNNI3x3(a *uint8, b *int8, c *uint8, bias, rowc *int32, rq *quant.SIMD, k4, lda, ldc int, mask uint16)

//go:noescape
func gemmU8VNNI4x3(a *uint8, b *int8, c *uint8, bias, rowc *int32, rq *quant.SIMD, k4, lda, ldc int, mask uint16)

//go:noescape
func gemmU8VNNI5x3(a *uint8, b *int8, c *uint8, bias, rowc *int32, rq *quant.SIMD, k4, lda, ldc int, mask uint16)

//go:noescape
func gemmU8VNNI6x3(a *uint8, b *int8, c *uint8, bias, rowc *int32, rq *quant.SIMD, k4, lda, ldc int, mask uint16)

//go:noescape
func gemmU8VNNI1x4(a *uint8, b *int8, c *uint8, bias, rowc *int32, rq *quant.SIMD, k4, lda, ldc int, mask uint16)

//go:noescape
func gemmU8VNNI2x4(a *uint8, b *int8, c *uint8, bias, rowc *int32, rq *quant.SIMD, k4, lda, ldc int, mask uint16)

//go:noescape
func gemmU8VNNI3x4(a *uint8, b *int8, c *uint8, bias, rowc *int32, rq *quant.SIMD, k4, lda, ldc int, mask uint16)

//go:noescape
func gemmU8VNNI4x4(a *uint8, b *int8, c *uint8, bias, rowc *int32, rq *quant.SIMD, k4, lda, ldc int, mask uint16)

//go:noescape
func gemmU8VNNI5x4(a *uint8, b *int8, c *uint8, bias, rowc *int32, rq *quant.SIMD, k4, lda, ldc int, mask uint16)

//go:noescape
func gemmU8VNNI6x4(a *uint8, b *int8, c *uint8, bias, rowc *int32, rq *quant.SIMD, k4, lda, ldc int, mask uint16)

//go:noescape
func rowSumsAVX512(dst *int32, src *uint8, k, rows int)

// vnniTile computes mr rows of nz groups of 16 columns. The calls are
// static, so that the compiler sees that no argument escapes.
func vnniTile(nz, mr int, a *uint8, b *int8, c *uint8, bias, rowc *int32, rq *quant.SIMD, k4, lda, ldc int, mask uint16) {
	switch nz*8 + mr {
	case 9:
		gemmU8VNNI1x1(a, b, c, bias, rowc, rq, k4, lda, ldc, mask)
	case 10:
		gemmU8VNNI2x1(a, b, c, bias, rowc, rq, k4, lda, ldc, mask)
	case 11:
		gemmU8VNNI3x1(a, b, c, bias, rowc, rq, k4, lda, ldc, mask)
	case 12:
		gemmU8VNNI4x1(a, b, c, bias, rowc, rq, k4, lda, ldc, mask)
	case 13:
		gemmU8VNNI5x1(a, b, c, bias, rowc, rq, k4, lda, ldc, mask)
	case 14:
		gemmU8VNNI6x1(a, b, c, bias, rowc, rq, k4, lda, ldc, mask)
	case 17:
		gemmU8VNNI1x2(a, b, c, bias, rowc, rq, k4, lda, ldc, mask)
	case 18:
		gemmU8VNNI2x2(a, b, c, bias, rowc, rq, k4, lda, ldc, mask)
	case 19:
		gemmU8VNNI3x2(a, b, c, bias, rowc, rq, k4, lda, ldc, mask)
	case 20:
		gemmU8VNNI4x2(a, b, c, bias, rowc, rq, k4, lda, ldc, mask)
	case 21:
		gemmU8VNNI5x2(a, b, c, bias, rowc, rq, k4, lda, ldc, mask)
	case 22:
		gemmU8VNNI6x2(a, b, c, bias, rowc, rq, k4, lda, ldc, mask)
	case 25:
		gemmU8VNNI1x3(a, b, c, bias, rowc, rq, k4, lda, ldc, mask)
	case 26:
		gemmU8VNNI2x3(a, b, c, bias, rowc, rq, k4, lda, ldc, mask)
	case 27:
		gemmU8VNNI3x3(a, b, c, bias, rowc, rq, k4, lda, ldc, mask)
	case 28:
		gemmU8VNNI4x3(a, b, c, bias, rowc, rq, k4, lda, ldc, mask)
	case 29:
		gemmU8VNNI5x3(a, b, c, bias, rowc, rq, k4, lda, ldc, mask)
	case 30:
		gemmU8VNNI6x3(a, b, c, bias, rowc, rq, k4, lda, ldc, mask)
	case 33:
		gemmU8VNNI1x4(a, b, c, bias, rowc, rq, k4, lda, ldc, mask)
	case 34:
		gemmU8VNNI2x4(a, b, c, bias, rowc, rq, k4, lda, ldc, mask)
	case 35:
		gemmU8VNNI3x4(a, b, c, bias, rowc, rq, k4, lda, ldc, mask)
	case 36:
		gemmU8VNNI4x4(a, b, c, bias, rowc, rq, k4, lda, ldc, mask)
	case 37:
		gemmU8VNNI5x4(a, b, c, bias, rowc, rq, k4, lda, ldc, mask)
	case 38:
		gemmU8VNNI6x4(a, b, c, bias, rowc, rq, k4, lda, ldc, mask)
	default:
		panic("pwconv: no VNNI tile of that shape")
	}
}

// u8VNNI is the AVX-512 VNNI kernel of the uint8 product (VPDPBUSD, 6×64
// tiles, requantization in registers).
var u8VNNI = &u8Kernel{name: "avx512-vnni", vnni: true}

// u8AVX2 is the AVX2 kernel of the uint8 product (VPMADDWD on 16-bit
// pairs, 6×16 tiles), for the x86 cores without VNNI.
var u8AVX2 = &u8Kernel{name: "avx2", avx2: true}

// u8AVXVNNI is the AVX-VNNI kernel of the uint8 product (VEX VPDPBUSD on
// YMM, 6×16 tiles), for the x86 cores with AVX-VNNI and no AVX-512.
var u8AVXVNNI = &u8Kernel{name: "avxvnni", avxvnni: true}

// u8SIMDKernels lists the amd64 uint8 kernels; net/internal/kernelenv
// says which of them this CPU runs.
func u8SIMDKernels() []*u8Kernel { return []*u8Kernel{u8AMX, u8VNNI, u8AVXVNNI, u8AVX2} }

//go:noescape
func gemmU8AVX2x1(a *int16, b *int16, c *uint8, bias *int32, rq *quant.SIMD256, k4, lda, ldc int)

//go:noescape
func gemmU8AVX2x2(a *int16, b *int16, c *uint8, bias *int32, rq *quant.SIMD256, k4, lda, ldc int)

//go:noescape
func gemmU8AVX2x3(a *int16, b *int16, c *uint8, bias *int32, rq *quant.SIMD256, k4, lda, ldc int)

//go:noescape
func gemmU8AVX2x4(a *int16, b *int16, c *uint8, bias *int32, rq *quant.SIMD256, k4, lda, ldc int)

//go:noescape
func gemmU8AVX2x5(a *int16, b *int16, c *uint8, bias *int32, rq *quant.SIMD256, k4, lda, ldc int)

//go:noescape
func gemmU8AVX2x6(a *int16, b *int16, c *uint8, bias *int32, rq *quant.SIMD256, k4, lda, ldc int)

//go:noescape
func widenAVX2(dst *int16, src *uint8, k, rows, lda int)

//go:noescape
func gemmU8AVX2Half1(a *int16, b *int16, c *uint8, bias *int32, rq *quant.SIMD256, k4, lda, ldc int)

//go:noescape
func gemmU8AVX2Half2(a *int16, b *int16, c *uint8, bias *int32, rq *quant.SIMD256, k4, lda, ldc int)

//go:noescape
func gemmU8AVX2Half3(a *int16, b *int16, c *uint8, bias *int32, rq *quant.SIMD256, k4, lda, ldc int)

//go:noescape
func gemmU8AVX2Half4(a *int16, b *int16, c *uint8, bias *int32, rq *quant.SIMD256, k4, lda, ldc int)

//go:noescape
func gemmU8AVX2Half5(a *int16, b *int16, c *uint8, bias *int32, rq *quant.SIMD256, k4, lda, ldc int)

//go:noescape
func gemmU8AVX2Half6(a *int16, b *int16, c *uint8, bias *int32, rq *quant.SIMD256, k4, lda, ldc int)

// avx2HalfTile computes mr rows of the first 8 columns of a panel (8
// bytes stored a row), for a last panel of at most 8 columns.
func avx2HalfTile(mr int, a *int16, b *int16, c *uint8, bias *int32, rq *quant.SIMD256, k4, lda, ldc int) {
	switch mr {
	case 1:
		gemmU8AVX2Half1(a, b, c, bias, rq, k4, lda, ldc)
	case 2:
		gemmU8AVX2Half2(a, b, c, bias, rq, k4, lda, ldc)
	case 3:
		gemmU8AVX2Half3(a, b, c, bias, rq, k4, lda, ldc)
	case 4:
		gemmU8AVX2Half4(a, b, c, bias, rq, k4, lda, ldc)
	case 5:
		gemmU8AVX2Half5(a, b, c, bias, rq, k4, lda, ldc)
	case 6:
		gemmU8AVX2Half6(a, b, c, bias, rq, k4, lda, ldc)
	default:
		panic("pwconv: no AVX2 tile of that shape")
	}
}

// avx2Tile computes mr rows of one 16-column panel (16 bytes stored a
// row).
func avx2Tile(mr int, a *int16, b *int16, c *uint8, bias *int32, rq *quant.SIMD256, k4, lda, ldc int) {
	switch mr {
	case 1:
		gemmU8AVX2x1(a, b, c, bias, rq, k4, lda, ldc)
	case 2:
		gemmU8AVX2x2(a, b, c, bias, rq, k4, lda, ldc)
	case 3:
		gemmU8AVX2x3(a, b, c, bias, rq, k4, lda, ldc)
	case 4:
		gemmU8AVX2x4(a, b, c, bias, rq, k4, lda, ldc)
	case 5:
		gemmU8AVX2x5(a, b, c, bias, rq, k4, lda, ldc)
	case 6:
		gemmU8AVX2x6(a, b, c, bias, rq, k4, lda, ldc)
	default:
		panic("pwconv: no AVX2 tile of that shape")
	}
}

// avx2Scratch is the size of the int16 scratch of the AVX2 kernel's
// widened input rows (48 KiB).
const avx2Scratch = 24 * 1024

// avx2Scratches holds the AVX2 kernel's scratches. A scratch on the
// stack would be zeroed by every call: 48 KiB, the whole L1 cache, for
// a call that often widens a few KiB (96 rows of 24 to 384 inputs in
// MobileNet's fused blocks); that cost 5-10% of a forward pass. A pooled
// one is reused as it is (the kernel writes every value it reads), and
// after the first calls of each thread nothing is allocated.
var avx2Scratches = sync.Pool{New: func() any { return new([avx2Scratch]int16) }}

// applyAVX2 computes rows [0, rows) and panels [p0, p1) with the AVX2
// tiles. Rows are taken by blocks that fit the scratch, widened to int16
// once; within a block each panel runs over all its tiles of 6 rows while
// it is in L1 (weights of w − wZero are int16: a 768×768 layer's are
// 1.2 MB, too many to stream once per 6 rows). A last panel of 8 columns
// runs the 8-column tiles in place; other partial ones go through a
// scratch tile (the 8-column tiles when they are narrower).
func (w *U8Weights) applyAVX2(dst, src []uint8, rows, p0, p1 int) {
	const mr = 6
	var tile [mr * 16]uint8
	xw := avx2Scratches.Get().(*[avx2Scratch]int16)
	defer avx2Scratches.Put(xw)
	k4 := w.k / 4
	blk := max(mr, len(xw)/w.k/mr*mr) // maxAVX2K keeps 6 rows in xw
	for i0 := 0; i0 < rows; i0 += blk {
		rb := min(blk, rows-i0)
		widenAVX2(&xw[0], &src[i0*w.k], w.k, rb, w.k)
		for p := p0; p < p1; p++ {
			b, bias := &w.packed16[p*w.k*16], &w.pbias[p*16]
			cols := min(16, w.n-p*16)
			for i := i0; i < i0+rb; i += mr {
				r := min(mr, i0+rb-i)
				x := &xw[(i-i0)*w.k]
				switch {
				case cols == 16:
					avx2Tile(r, x, b, &dst[i*w.n+p*16], bias, w.v8, k4, 2*w.k, w.n)
					continue
				case cols == 8:
					avx2HalfTile(r, x, b, &dst[i*w.n+p*16], bias, w.v8, k4, 2*w.k, w.n)
					continue
				case cols < 8:
					avx2HalfTile(r, x, b, &tile[0], bias, w.v8, k4, 2*w.k, 16)
				default:
					avx2Tile(r, x, b, &tile[0], bias, w.v8, k4, 2*w.k, 16)
				}
				for j := range r {
					copy(dst[(i+j)*w.n+p*16:(i+j)*w.n+p*16+cols], tile[j*16:])
				}
			}
		}
	}
}

// applyVNNI computes rows [0, rows) and panels [p0, p1) with the VNNI tiles.
func (w *U8Weights) applyVNNI(dst, src []uint8, rows, p0, p1 int) {
	const mr = 6
	var rowc [mr]int32
	rq := &w.vrq
	k4 := w.kp / 4
	for i := 0; i < rows; i += mr {
		r := min(mr, rows-i)
		rowSumsAVX512(&rowc[0], &src[i*w.k], w.k, r)
		for j := range r {
			rowc[j] *= w.c
		}
		for p := p0; p < p1; p++ {
			nz, mask := w.panelShape(p)
			vnniTile(nz, r, &src[i*w.k], &w.packed[p*w.kp*64], &dst[i*w.n+p*64], &w.pbias[p*64], &rowc[0], rq, k4, w.k, w.n, mask)
		}
	}
}

//go:noescape
func gemmU8AVXVNNIx1(a *uint8, b *int8, c *uint8, bias, rowc *int32, rq *quant.SIMD256, k4, lda, ldc int)

//go:noescape
func gemmU8AVXVNNIx2(a *uint8, b *int8, c *uint8, bias, rowc *int32, rq *quant.SIMD256, k4, lda, ldc int)

//go:noescape
func gemmU8AVXVNNIx3(a *uint8, b *int8, c *uint8, bias, rowc *int32, rq *quant.SIMD256, k4, lda, ldc int)

//go:noescape
func gemmU8AVXVNNIx4(a *uint8, b *int8, c *uint8, bias, rowc *int32, rq *quant.SIMD256, k4, lda, ldc int)

//go:noescape
func gemmU8AVXVNNIx5(a *uint8, b *int8, c *uint8, bias, rowc *int32, rq *quant.SIMD256, k4, lda, ldc int)

//go:noescape
func gemmU8AVXVNNIx6(a *uint8, b *int8, c *uint8, bias, rowc *int32, rq *quant.SIMD256, k4, lda, ldc int)

//go:noescape
func rowSumsAVX2(dst *int32, src *uint8, k, rows int)

// avxVNNITile computes mr rows of one 16-column panel with the AVX-VNNI
// tiles (static calls, so that no argument escapes).
func avxVNNITile(mr int, a *uint8, b *int8, c *uint8, bias, rowc *int32, rq *quant.SIMD256, k4, lda, ldc int) {
	switch mr {
	case 1:
		gemmU8AVXVNNIx1(a, b, c, bias, rowc, rq, k4, lda, ldc)
	case 2:
		gemmU8AVXVNNIx2(a, b, c, bias, rowc, rq, k4, lda, ldc)
	case 3:
		gemmU8AVXVNNIx3(a, b, c, bias, rowc, rq, k4, lda, ldc)
	case 4:
		gemmU8AVXVNNIx4(a, b, c, bias, rowc, rq, k4, lda, ldc)
	case 5:
		gemmU8AVXVNNIx5(a, b, c, bias, rowc, rq, k4, lda, ldc)
	case 6:
		gemmU8AVXVNNIx6(a, b, c, bias, rowc, rq, k4, lda, ldc)
	default:
		panic("pwconv: no AVX-VNNI tile of that shape")
	}
}

// applyAVXVNNI computes rows [0, rows) and panels [p0, p1) of 16 columns
// with the AVX-VNNI tiles; a partial last panel goes through a scratch
// tile.
func (w *U8Weights) applyAVXVNNI(dst, src []uint8, rows, p0, p1 int) {
	const mr = 6
	var rowc [mr]int32
	var tile [mr * 16]uint8
	k4 := w.kp / 4
	for i := 0; i < rows; i += mr {
		r := min(mr, rows-i)
		rowSumsAVX2(&rowc[0], &src[i*w.k], w.k, r)
		for j := range r {
			rowc[j] *= w.c
		}
		for p := p0; p < p1; p++ {
			b, bias := &w.packed[p*w.kp*16], &w.pbias[p*16]
			cols := min(16, w.n-p*16)
			if cols == 16 {
				avxVNNITile(r, &src[i*w.k], b, &dst[i*w.n+p*16], bias, &rowc[0], w.v8, k4, w.k, w.n)
				continue
			}
			avxVNNITile(r, &src[i*w.k], b, &tile[0], bias, &rowc[0], w.v8, k4, w.k, 16)
			for j := range r {
				copy(dst[(i+j)*w.n+p*16:(i+j)*w.n+p*16+cols], tile[j*16:])
			}
		}
	}
}

func (w *U8Weights) applyARM(dst, src []uint8, rows, p0, p1 int) {
	panic("pwconv: no arm64 kernel here")
}
