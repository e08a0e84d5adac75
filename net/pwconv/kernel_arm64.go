//go:build arm64 && !purego

package pwconv

//go:generate go run gen_arm64.go

// Microkernels in kernel_arm64.s; see gen_arm64.go for the contract.
//
//go:noescape
func gemmNEONx1(a, b, c, bias *float32, k, lda, ldc int, mask uint32, relu6 int)

//go:noescape
func gemmNEONx2(a, b, c, bias *float32, k, lda, ldc int, mask uint32, relu6 int)

//go:noescape
func gemmNEONx3(a, b, c, bias *float32, k, lda, ldc int, mask uint32, relu6 int)

//go:noescape
func gemmNEONx4(a, b, c, bias *float32, k, lda, ldc int, mask uint32, relu6 int)

//go:noescape
func gemmNEONx5(a, b, c, bias *float32, k, lda, ldc int, mask uint32, relu6 int)

//go:noescape
func gemmNEONx6(a, b, c, bias *float32, k, lda, ldc int, mask uint32, relu6 int)

//go:noescape
func gemmNEONx7(a, b, c, bias *float32, k, lda, ldc int, mask uint32, relu6 int)

//go:noescape
func gemmNEONx8(a, b, c, bias *float32, k, lda, ldc int, mask uint32, relu6 int)

// neon computes 8-row × 8-column tiles with ARMv8.0 ASIMD, which every
// arm64 core has; a partial panel goes through a scratch tile.
var neon = &kernel{name: "neon", shape: "8x8", nr: 8, partial: neonPartial, tiles: []tileFunc{nil,
	gemmNEONx1, gemmNEONx2, gemmNEONx3, gemmNEONx4, gemmNEONx5, gemmNEONx6, gemmNEONx7, gemmNEONx8}}

// simdKernels lists the kernels this CPU can run, fastest first: ASIMD is
// part of ARMv8.0, so every arm64 CPU runs neon.
func simdKernels() []*kernel { return []*kernel{neon} }

// shapeFor returns k: NEON has one shape on every core.
func shapeFor(k *kernel, n int) *kernel { return k }

// neonPartial computes a tile of a partial panel into a scratch tile on
// the stack (the tiles are called directly, so it does not escape) and
// copies the real columns.
func neonPartial(w *Weights, dst, src []float32, i, rows, p, cols, relu int) {
	var tile [8 * 8]float32
	K, N, nr := w.K, w.N, w.nr
	a, b, c, bias := &src[i*K], &w.panels[p*K*nr], &tile[0], &w.bias[p*nr]
	lda, ldc := 4*K, 4*nr
	switch rows {
	case 1:
		gemmNEONx1(a, b, c, bias, K, lda, ldc, 0, relu)
	case 2:
		gemmNEONx2(a, b, c, bias, K, lda, ldc, 0, relu)
	case 3:
		gemmNEONx3(a, b, c, bias, K, lda, ldc, 0, relu)
	case 4:
		gemmNEONx4(a, b, c, bias, K, lda, ldc, 0, relu)
	case 5:
		gemmNEONx5(a, b, c, bias, K, lda, ldc, 0, relu)
	case 6:
		gemmNEONx6(a, b, c, bias, K, lda, ldc, 0, relu)
	case 7:
		gemmNEONx7(a, b, c, bias, K, lda, ldc, 0, relu)
	default:
		gemmNEONx8(a, b, c, bias, K, lda, ldc, 0, relu)
	}
	for r := range rows {
		copy(dst[(i+r)*N+p*nr:(i+r)*N+p*nr+cols], tile[r*nr:r*nr+cols])
	}
}
