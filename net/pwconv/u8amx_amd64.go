//go:build amd64 && !purego

package pwconv

import (
	"sync"

	"github.com/livecam/livecam/net/quant"
)

//go:noescape
func gemmU8AMX1x1(a *uint8, b *int8, c *uint8, bias, rowc *int32, rq *quant.SIMD, steps, lda, ldc int, mask uint16, cfg *[64]byte, bstride, kstep int, acc *int32, rows int)

//go:noescape
func gemmU8AMX1x2(a *uint8, b *int8, c *uint8, bias, rowc *int32, rq *quant.SIMD, steps, lda, ldc int, mask uint16, cfg *[64]byte, bstride, kstep int, acc *int32, rows int)

//go:noescape
func gemmU8AMX2x1(a *uint8, b *int8, c *uint8, bias, rowc *int32, rq *quant.SIMD, steps, lda, ldc int, mask uint16, cfg *[64]byte, bstride, kstep int, acc *int32, rows int)

//go:noescape
func gemmU8AMX2x2(a *uint8, b *int8, c *uint8, bias, rowc *int32, rq *quant.SIMD, steps, lda, ldc int, mask uint16, cfg *[64]byte, bstride, kstep int, acc *int32, rows int)

//go:noescape
func gemmU8AMXRun1(a *uint8, b *int8, c *uint8, bias, rowc *int32, rq *quant.SIMD, steps, lda, ldc, pairs int, cfg *[64]byte, panelBytes, kstep int, acc *int32, rows int)

//go:noescape
func gemmU8AMXRun2(a *uint8, b *int8, c *uint8, bias, rowc *int32, rq *quant.SIMD, steps, lda, ldc, pairs int, cfg *[64]byte, panelBytes, kstep int, acc *int32, rows int)

// u8AMX is the AMX kernel of the uint8 product: TDPBUSD on tiles of 16
// rows × 64 inputs and 16 groups of 4 inputs × 16 columns, blocks of 32
// rows × 32 columns (four accumulator tiles), requantized with AVX-512.
// It runs on the VNNI kernel's packed panels.
var u8AMX = &u8Kernel{name: "amx", vnni: true, amx: true}

// u8AMXFallback is the kernel of the layers the AMX kernel leaves
// (amxMinStep): the VNNI kernel, whose panels it shares.
var u8AMXFallback = u8VNNI

// amxTileFunc computes one block of the AMX kernel: mt row tiles (1 or
// 2) × nt groups of 16 columns (1 or 2), as gemmU8AMX<mt>x<nt> (see
// gen_u8_amd64.go, amxKernel). Tests pass a Go model of it.
type amxTileFunc func(mt, nt int, a *uint8, b *int8, c *uint8, bias, rowc *int32, rq *quant.SIMD, steps, lda, ldc int, mask uint16, cfg *[64]byte, bstride, kstep int, acc *int32, rows int)

// amxRunFunc computes mt row tiles over pairs blocks of 32 columns of
// whole panels, one tile configuration for all, as gemmU8AMXRun<mt> (see
// gen_u8_amd64.go, amxRunKernel). Tests pass a Go model of it.
type amxRunFunc func(mt int, a *uint8, b *int8, c *uint8, bias, rowc *int32, rq *quant.SIMD, steps, lda, ldc, pairs int, cfg *[64]byte, panelBytes, kstep int, acc *int32, rows int)

// amxRun calls the assembly run of mt row tiles (static calls).
func amxRun(mt int, a *uint8, b *int8, c *uint8, bias, rowc *int32, rq *quant.SIMD, steps, lda, ldc, pairs int, cfg *[64]byte, panelBytes, kstep int, acc *int32, rows int) {
	if mt == 1 {
		gemmU8AMXRun1(a, b, c, bias, rowc, rq, steps, lda, ldc, pairs, cfg, panelBytes, kstep, acc, rows)
		return
	}
	gemmU8AMXRun2(a, b, c, bias, rowc, rq, steps, lda, ldc, pairs, cfg, panelBytes, kstep, acc, rows)
}

// amxTile calls the assembly block of mt × nt (static calls).
func amxTile(mt, nt int, a *uint8, b *int8, c *uint8, bias, rowc *int32, rq *quant.SIMD, steps, lda, ldc int, mask uint16, cfg *[64]byte, bstride, kstep int, acc *int32, rows int) {
	switch mt*2 + nt {
	case 3:
		gemmU8AMX1x1(a, b, c, bias, rowc, rq, steps, lda, ldc, mask, cfg, bstride, kstep, acc, rows)
	case 4:
		gemmU8AMX1x2(a, b, c, bias, rowc, rq, steps, lda, ldc, mask, cfg, bstride, kstep, acc, rows)
	case 5:
		gemmU8AMX2x1(a, b, c, bias, rowc, rq, steps, lda, ldc, mask, cfg, bstride, kstep, acc, rows)
	case 6:
		gemmU8AMX2x2(a, b, c, bias, rowc, rq, steps, lda, ldc, mask, cfg, bstride, kstep, acc, rows)
	default:
		panic("pwconv: no AMX block of that shape")
	}
}

// amxScratch is what an AMX call works in besides its operands: the
// accumulator tiles stored for requantization (32 rows × 2 groups of 16
// dwords, group z at z·2048 bytes), the rows' byte sums and the tile
// configuration. Pooled, so that nothing is allocated per call and no
// operand of the kernel lives on the caller's stack.
type amxScratch struct {
	acc  [2 * 32 * 16]int32
	rowc [32]int32
	cfg  [64]byte
}

var amxScratches = sync.Pool{New: func() any { return new(amxScratch) }}

// amxConfigure writes the tile configuration of a block of rows rows
// (1-32) and kstep inputs a step: palette 1; C tiles 0-3 (row tile r,
// group z is tile 2r+z) of 64 bytes a row, A tiles 4 and 5 of kstep
// bytes, B tiles 6 and 7 of kstep/4 rows × 64 bytes. Row tile 0 has
// min(rows, 16) rows, row tile 1 the rest; a row tile without rows is
// left unconfigured (rows and bytes 0), as the hardware requires of
// tiles it does not use.
func amxConfigure(cfg *[64]byte, rows, kstep int) {
	*cfg = [64]byte{0: 1}
	r0, r1 := min(rows, 16), max(rows-16, 0)
	set := func(t, rows, colsb int) {
		cfg[16+2*t], cfg[17+2*t] = byte(colsb), byte(colsb>>8)
		cfg[48+t] = byte(rows)
	}
	set(0, r0, 64)
	set(1, r0, 64)
	set(4, r0, kstep)
	if r1 > 0 {
		set(2, r1, 64)
		set(3, r1, 64)
		set(5, r1, kstep)
	}
	set(6, kstep/4, 64)
	set(7, kstep/4, 64)
}

// applyAMX computes rows [0, rows) and panels [p0, p1) with the AMX
// kernel.
func (w *U8Weights) applyAMX(dst, src []uint8, rows, p0, p1 int) {
	if amxTestModel != nil {
		run, tile := amxTestModel(w, dst, src)
		w.applyAMXWith(run, tile, dst, src, rows, p0, p1)
		return
	}
	w.applyAMXWith(amxRun, amxTile, dst, src, rows, p0, p1)
}

// amxTestModel, when set (only by tests, with testU8Kernel), gives the Go
// model of the kernel that applyAMX runs instead of the assembly.
var amxTestModel func(w *U8Weights, dst, src []uint8) (amxRunFunc, amxTileFunc)

// applyAMXWith is applyAMX with the runs of whole panels computed by run
// and the blocks of a partial last panel by tile. Blocks of 32 rows (the
// last one shorter) go over every panel in [p0, p1): the whole panels in
// one run, one tile configuration for them all, then the partial one 32
// columns at a time (its odd last group alone, its lanes masked).
func (w *U8Weights) applyAMXWith(run amxRunFunc, tile amxTileFunc, dst, src []uint8, rows, p0, p1 int) {
	s := amxScratches.Get().(*amxScratch)
	defer amxScratches.Put(s)
	steps := w.kp / w.kstep
	whole := p1
	if p1 == (w.n+63)/64 && w.n%64 != 0 {
		whole-- // the last panel is partial
	}
	for i := 0; i < rows; i += 32 {
		r := min(32, rows-i)
		mt := (r + 15) / 16
		rowSumsAVX512(&s.rowc[0], &src[i*w.k], w.k, r)
		for j := range r {
			s.rowc[j] *= w.c
		}
		amxConfigure(&s.cfg, r, w.kstep)
		if whole > p0 {
			run(mt, &src[i*w.k], &w.packed[p0*w.kp*64], &dst[i*w.n+p0*64], &w.pbias[p0*64], &s.rowc[0], &w.vrq,
				steps, w.k, w.n, 2*(whole-p0), &s.cfg, w.kp*64, w.kstep, &s.acc[0], r)
		}
		for p := max(whole, p0); p < p1; p++ {
			nz, last := w.panelShape(p)
			for z := 0; z < nz; z += 2 {
				nt := min(2, nz-z)
				mask := uint16(0xffff)
				if z+nt == nz {
					mask = last
				}
				tile(mt, nt, &src[i*w.k], &w.packed[p*w.kp*64+z*64], &dst[i*w.n+p*64+z*16], &w.pbias[p*64+z*16], &s.rowc[0], &w.vrq,
					steps, w.k, w.n, mask, &s.cfg, nz*64, w.kstep, &s.acc[0], r)
			}
		}
	}
}
