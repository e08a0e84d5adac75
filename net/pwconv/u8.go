package pwconv

import (
	"fmt"

	"github.com/livecam/livecam/net/quant"
)

// U8Weights is a uint8 pointwise layer ready to run, TFLite's arithmetic:
// dst = requant(Σ (x − xZero)·(w − wZero) + bias) with int32 accumulation.
// It is immutable after PackU8 and safe for concurrent use.
type U8Weights struct {
	k, n int
	// wc holds w − wZero, [n][k], for the portable kernel.
	wc []int32
	// bias is the layer's bias with −xZero·Σ(w − wZero) folded in, so
	// kernels accumulate Σ x·(w − wZero) on raw input bytes.
	bias []int32
	rq   quant.Requant
}

// PackU8 prepares a uint8 layer of n outputs over k inputs: w holds the
// weights [n][k] (TFLite's OHWI order), quantized with zero point wZero;
// bias holds n int32 values (zero point 0); the input's zero point is
// xZero; rq turns each accumulator into its output byte.
func PackU8(w []uint8, wZero int32, bias []int32, xZero int32, k, n int, rq quant.Requant) (*U8Weights, error) {
	switch {
	case k < 1 || n < 1:
		return nil, fmt.Errorf("pwconv: bad shape k=%d n=%d", k, n)
	case len(w) != k*n:
		return nil, fmt.Errorf("pwconv: %d weights for %d×%d", len(w), n, k)
	case len(bias) != n:
		return nil, fmt.Errorf("pwconv: %d biases for %d outputs", len(bias), n)
	case wZero < 0 || wZero > 255 || xZero < 0 || xZero > 255:
		return nil, fmt.Errorf("pwconv: zero points %d, %d out of the uint8 range", wZero, xZero)
	}
	p := &U8Weights{k: k, n: n, wc: make([]int32, k*n), bias: make([]int32, n), rq: rq}
	for j := range n {
		sum := int64(0)
		for i := range k {
			v := int32(w[j*k+i]) - wZero
			p.wc[j*k+i] = v
			sum += int64(v)
		}
		b := int64(bias[j]) - int64(xZero)*sum
		if b != int64(int32(b)) {
			return nil, fmt.Errorf("pwconv: bias %d of output %d overflows int32 once the zero points are folded in", bias[j], j)
		}
		p.bias[j] = int32(b)
	}
	return p, nil
}

// K returns the number of inputs per output.
func (w *U8Weights) K() int { return w.k }

// N returns the number of outputs.
func (w *U8Weights) N() int { return w.n }

// Apply computes rows pixels: src holds rows×K input bytes, dst receives
// rows×N output bytes. It allocates nothing.
func (w *U8Weights) Apply(dst, src []uint8, rows int) {
	w.ApplyCols(dst, src, rows, 0, w.n)
}

// ApplyCols computes outputs lo..hi−1 of rows pixels (dst keeps its row
// stride of N), so that callers can split a wide layer by columns.
func (w *U8Weights) ApplyCols(dst, src []uint8, rows, lo, hi int) {
	k, n := w.k, w.n
	_ = src[rows*k-1]
	_ = dst[rows*n-1]
	for p := range rows {
		x := src[p*k : p*k+k]
		out := dst[p*n : p*n+n]
		for j := lo; j < hi; j++ {
			wj := w.wc[j*k : j*k+k]
			acc := w.bias[j]
			for i, v := range x {
				acc += int32(v) * wj[i]
			}
			out[j] = w.rq.Apply(acc)
		}
	}
}
