package pwconv

import (
	"fmt"

	"github.com/livecam/livecam/net/internal/kernelenv"
)

// Activation selects the function applied to each output value.
type Activation int

const (
	// Linear leaves the value as it is (the classifier).
	Linear Activation = iota
	// ReLU6 clamps the value to [0, 6].
	ReLU6
)

// Weights holds a K×N weight matrix and its bias, packed for the float32
// kernel of the path it was packed on.
type Weights struct {
	K, N int
	kern *kernel
	nr   int
	// panels holds ceil(N/nr) panels of K×nr values; element (k, n)
	// lives at panels[(n/nr)*K*nr + k*nr + n%nr].
	panels []float32
	// bias has N values, zero-padded to a multiple of nr.
	bias []float32
}

// Pack packs w, a row-major K×N matrix (Keras' [1,1,K,N] kernel), and bias
// (N values, or nil for none) into panels for the float32 kernel of the
// kernel path ($LIVECAM_KERNELS or the fastest this CPU runs; a value
// naming no path this CPU runs is an error), in the tile shape this CPU
// runs fastest for N outputs (see the package doc). It copies; w and bias
// may be reused afterwards.
func Pack(w, bias []float32, k, n int) (*Weights, error) {
	p, err := kernelenv.Current()
	if err != nil {
		return nil, err
	}
	return pack(kernelFor(p, n), w, bias, k, n)
}

// pack is Pack for kernel kern.
func pack(kern *kernel, w, bias []float32, k, n int) (*Weights, error) {
	if k < 1 || n < 1 || len(w) != k*n {
		return nil, fmt.Errorf("pwconv: %d weights for a %d×%d matrix", len(w), k, n)
	}
	if bias != nil && len(bias) != n {
		return nil, fmt.Errorf("pwconv: %d biases for %d outputs", len(bias), n)
	}
	nr := kern.nr
	np := (n + nr - 1) / nr
	p := &Weights{K: k, N: n, kern: kern, nr: nr, panels: make([]float32, np*k*nr), bias: make([]float32, np*nr)}
	for kk := range k {
		for j := range n {
			p.panels[(j/nr)*k*nr+kk*nr+j%nr] = w[kk*n+j]
		}
	}
	copy(p.bias, bias)
	return p, nil
}

// At returns the weight at row k, column n, for tests and inspection.
func (w *Weights) At(k, n int) float32 {
	return w.panels[(n/w.nr)*w.K*w.nr+k*w.nr+n%w.nr]
}

// Bias returns the bias of output n.
func (w *Weights) Bias(n int) float32 { return w.bias[n] }

// Apply computes rows [m0, m1) of dst = act(src·W + bias), where src holds
// at least m1 rows of K values and dst at least m1 rows of N values, both
// row-major. Rows outside the range are not touched.
func (w *Weights) Apply(dst, src []float32, m0, m1 int, act Activation) {
	w.ApplyPanels(dst, src, m0, m1, 0, w.Panels(), act)
}

// Panels returns the number of column panels: ceil(N / panel width).
func (w *Weights) Panels() int { return (w.N + w.nr - 1) / w.nr }

// ApplyPanels is Apply restricted to the output columns of panels
// [p0, p1), for callers that split a layer by columns (a layer with few
// rows, such as the classifier).
func (w *Weights) ApplyPanels(dst, src []float32, m0, m1, p0, p1 int, act Activation) {
	if m0 >= m1 || p0 >= p1 {
		return
	}
	if len(src) < m1*w.K || len(dst) < m1*w.N || m0 < 0 || p0 < 0 || p1 > w.Panels() {
		panic(fmt.Sprintf("pwconv: rows [%d,%d) panels [%d,%d) out of range of src (%d) or dst (%d) for K=%d N=%d", m0, m1, p0, p1, len(src), len(dst), w.K, w.N))
	}
	if w.kern.tiles == nil {
		applyGeneric(w, dst, src, m0, m1, p0, p1, act == ReLU6)
		return
	}
	applySIMD(w, dst, src, m0, m1, p0, p1, act == ReLU6)
}

// CanApplyPatches3 reports whether ApplyPatches3 runs on w's kernel: K
// is 27 and the kernel reads patches where they lie (the AVX-512 12×32
// and the AVX2 6×16 tiles).
func (w *Weights) CanApplyPatches3() bool { return w.K == 27 && w.kern.patch3 != nil }

// ApplyPatches3 computes n rows of dst = act(src·W + bias) (rows of N
// values) for a first convolution, 3×3 over 3 channels, without an
// im2col copy: row j's 27 inputs are the 3×3 patch whose kernel row ky
// is the 9 values at src[off + j·step + ky·rowLen:], in the [ky][kx][c]
// order of Apply's rows, so the results are Apply's on those rows, bit
// for bit. It panics unless CanApplyPatches3 and every patch lies in src.
func (w *Weights) ApplyPatches3(dst, src []float32, off, n, step, rowLen int, act Activation) {
	if n <= 0 {
		return
	}
	if !w.CanApplyPatches3() {
		panic("pwconv: ApplyPatches3 on a kernel without it")
	}
	if off < 0 || step < 0 || rowLen < 0 || off+(n-1)*step+2*rowLen+9 > len(src) || len(dst) < n*w.N {
		panic(fmt.Sprintf("pwconv: %d patches at %d (step %d, row %d) out of range of src (%d) or dst (%d)", n, off, step, rowLen, len(src), len(dst)))
	}
	relu := 0
	if act == ReLU6 {
		relu = 1
	}
	N, nr := w.N, w.nr
	mr := len(w.kern.patch3) - 1
	nt := (n + mr - 1) / mr
	for p := range w.Panels() {
		cols := min(nr, N-p*nr)
		mask := uint32(cols)
		if w.kern.bitMask {
			mask = uint32(1<<cols - 1)
		}
		for t := range nt {
			i, e := n*t/nt, n*(t+1)/nt
			w.kern.patch3[e-i](&src[off+i*step], &w.panels[p*27*nr], &dst[i*N+p*nr], &w.bias[p*nr], 4*rowLen, 4*step, 4*N, mask, relu)
		}
	}
}

// l2Bytes is the share of the L2 cache a block of activation rows may
// take while every weight panel passes over it.
const l2Bytes = 256 << 10

func applySIMD(w *Weights, dst, src []float32, m0, m1, p0, p1 int, relu6 bool) {
	K, N, nr := w.K, w.N, w.nr
	mr := len(w.kern.tiles) - 1
	relu := 0
	if relu6 {
		relu = 1
	}
	block := max(mr, l2Bytes/(4*K)/mr*mr)
	for r0 := m0; r0 < m1; r0 += block {
		r1 := min(r0+block, m1)
		// Tiles as even as can be: ceil(n/mr) tiles of n/tiles rows or
		// one more, so that no tile is a row or two, whose few
		// accumulators leave the FMA units waiting on their latency
		// (49 rows on 12-row tiles: 9, 10, 10, 10, 10, not 12, 12, 12,
		// 12, 1).
		nt := (r1 - r0 + mr - 1) / mr
		for p := p0; p < p1; p++ {
			cols := min(nr, N-p*nr)
			mask := uint32(cols)
			if w.kern.bitMask {
				mask = uint32(1<<cols - 1)
			}
			panel := &w.panels[p*K*nr]
			bias := &w.bias[p*nr]
			for t := range nt {
				i, e := r0+(r1-r0)*t/nt, r0+(r1-r0)*(t+1)/nt
				if cols < nr && w.kern.partial != nil {
					w.kern.partial(w, dst, src, i, e-i, p, cols, relu)
					continue
				}
				w.kern.tiles[e-i](&src[i*K], panel, &dst[i*N+p*nr], bias, K, 4*K, 4*N, mask, relu)
			}
		}
	}
}
