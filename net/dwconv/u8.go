package dwconv

import (
	"fmt"
	"sync"

	"github.com/livecam/livecam/net/internal/kernelenv"
	"github.com/livecam/livecam/net/quant"
)

// u8RowFunc computes n pixels of a uint8 layer; see u8_amd64.s.
type u8RowFunc func(dst, in0, in1, in2 *uint8, w, bias *int32, rq *quant.SIMD, c, n, step int, mask uint16)

// u8Kernel is one implementation of the uint8 depthwise layer: the
// portable Go kernel or a SIMD row kernel. The u8Kernel a U8Weights was
// prepared for runs it.
type u8Kernel struct {
	name string
	row  u8RowFunc
	// rowH is an arm64 row kernel: int16 weights, 8 channels at a time.
	rowH u8RowHFunc
	// row8 is an AVX2 row kernel: int32 weights, 8 channels at a time.
	row8 u8Row8Func
}

// u8Row8Func computes n pixels with int32 weights by groups of 8 and
// vector constants; see u8_amd64.s.
type u8Row8Func func(dst, in0, in1, in2 *uint8, w, bias *int32, rq *quant.SIMD256, c, n, step int)

// u8RowHFunc computes n pixels with int16 weights; see gen_u8_arm64.go.
type u8RowHFunc func(dst, in0, in1, in2 *uint8, w *int16, bias *int32, rq *quant.SIMD, c, n, step int)

// u8GenericKernel is the portable Go kernel, on every path.
var u8GenericKernel = &u8Kernel{name: "generic"}

// u8Kernels lists the uint8 kernels of this build, whatever the CPU:
// kernelenv's paths say which one runs.
var u8Kernels = append(u8SIMDKernels(), u8GenericKernel)

func u8KernelName(k *u8Kernel) string { return k.name }

// u8KernelFor returns the uint8 kernel of path p.
func u8KernelFor(p kernelenv.Path) *u8Kernel {
	return kernelenv.Pick(u8Kernels, u8KernelName, p, kernelenv.U8Depthwise)
}

// U8Weights is a uint8 3x3 depthwise layer ready to run, TFLite's
// arithmetic: out = requant(Σ (x − xZero)·(w − wZero) + bias) over the taps
// inside the image (a tap in the padding adds nothing). It is immutable
// after PrepareU8 and safe for concurrent use.
type U8Weights struct {
	kern  *u8Kernel
	c     int
	wc    []int32 // w − wZero, [3][3][c]
	bias  []int32
	xZero int32
	rq    quant.Requant

	// For a SIMD kernel: the weights by groups of 16 channels ([g][tap][16]),
	// and the copies an edge pixel uses (left: the taps shifted one column
	// left, the third column zero; right: shifted right, the first zero).
	g, left, right []int32
	pbias          []int32
	vrq            quant.SIMD
	mask           uint16
	// For an arm64 kernel: the same three layouts in int16, by groups of 8.
	g16, left16, right16 []int16
	// For the AVX2 kernel: by groups of 8 channels, the taps by pairs
	// (pairI16; tap 8 with 0), and vector constants.
	g8, left8, right8 []int32
	v8                *quant.SIMD256
}

// PrepareU8 prepares a depthwise layer of c channels: w holds the 3×3×c
// weights [ky][kx][c] (TFLite's 1HWC), quantized with zero point wZero;
// bias c int32 values; xZero the input's zero point. It prepares them for
// the uint8 depthwise kernel of the kernel path ($LIVECAM_KERNELS or the
// fastest this CPU runs; a value naming no path this CPU runs is an
// error). The SIMD kernels need an input zero point of 0 (the output of a
// ReLU6 layer); for other layers the portable kernel runs instead.
func PrepareU8(w []uint8, wZero int32, bias []int32, xZero int32, c int, rq quant.Requant) (*U8Weights, error) {
	p, err := kernelenv.Current()
	if err != nil {
		return nil, err
	}
	return prepareU8(u8KernelFor(p), w, wZero, bias, xZero, c, rq)
}

// prepareU8 is PrepareU8 for kernel kern.
func prepareU8(kern *u8Kernel, w []uint8, wZero int32, bias []int32, xZero int32, c int, rq quant.Requant) (*U8Weights, error) {
	switch {
	case c < 1:
		return nil, fmt.Errorf("dwconv: bad channel count %d", c)
	case len(w) != 9*c || len(bias) != c:
		return nil, fmt.Errorf("dwconv: %d weights and %d biases for %d channels", len(w), len(bias), c)
	case wZero < 0 || wZero > 255 || xZero < 0 || xZero > 255:
		return nil, fmt.Errorf("dwconv: zero points %d, %d out of the uint8 range", wZero, xZero)
	}
	if xZero != 0 || ((kern.rowH != nil || kern.row8 != nil) && c%8 != 0) {
		kern = u8GenericKernel
	}
	p := &U8Weights{kern: kern, c: c, wc: make([]int32, 9*c), bias: append([]int32(nil), bias...), xZero: xZero, rq: rq}
	for i, v := range w {
		p.wc[i] = int32(v) - wZero
	}
	if kern.row != nil {
		groups := (c + 15) / 16
		p.g, p.left, p.right = make([]int32, groups*9*16), make([]int32, groups*9*16), make([]int32, groups*9*16)
		p.pbias = make([]int32, groups*16)
		copy(p.pbias, bias)
		for ch := range c {
			g, lane := ch/16, ch%16
			for ky := range 3 {
				for kx := range 3 {
					v := p.wc[(ky*3+kx)*c+ch]
					p.g[(g*9+ky*3+kx)*16+lane] = v
					if kx > 0 {
						p.left[(g*9+ky*3+kx-1)*16+lane] = v
					}
					if kx < 2 {
						p.right[(g*9+ky*3+kx+1)*16+lane] = v
					}
				}
			}
		}
		p.vrq = rq.SIMD()
		last := c - (groups-1)*16
		p.mask = uint16(1<<last - 1)
	}
	if kern.rowH != nil {
		n := c / 8 * 9 * 8
		p.g16, p.left16, p.right16 = make([]int16, n), make([]int16, n), make([]int16, n)
		for ch := range c {
			g, lane := ch/8, ch%8
			for ky := range 3 {
				for kx := range 3 {
					v := int16(p.wc[(ky*3+kx)*c+ch])
					p.g16[(g*9+ky*3+kx)*8+lane] = v
					if kx > 0 {
						p.left16[(g*9+ky*3+kx-1)*8+lane] = v
					}
					if kx < 2 {
						p.right16[(g*9+ky*3+kx+1)*8+lane] = v
					}
				}
			}
		}
		p.pbias = p.bias
		p.vrq = rq.SIMD()
	}
	if kern.row8 != nil {
		n := c / 8 * 5 * 8
		p.g8, p.left8, p.right8 = make([]int32, n), make([]int32, n), make([]int32, n)
		for ch := range c {
			g, lane := ch/8, ch%8
			// The 9 taps of the centre, left-edge and right-edge weights.
			var centre, left, right [10]int32
			for t := range 9 {
				v := p.wc[t*c+ch]
				centre[t] = v
				if kx := t % 3; kx > 0 {
					left[t-1] = v
				}
				if kx := t % 3; kx < 2 {
					right[t+1] = v
				}
			}
			for pr := range 5 {
				i := (g*5+pr)*8 + lane
				p.g8[i] = pairI16(centre[2*pr], centre[2*pr+1])
				p.left8[i] = pairI16(left[2*pr], left[2*pr+1])
				p.right8[i] = pairI16(right[2*pr], right[2*pr+1])
			}
		}
		p.pbias = p.bias
		p.v8 = rq.SIMD256()
	}
	return p, nil
}

// pairI16 returns the dword holding the int16 pair (lo, hi): one lane of
// the AVX2 kernel's weights, which VPMADDWD multiplies by two taps' inputs.
func pairI16(lo, hi int32) int32 {
	return int32(uint32(uint16(int16(lo))) | uint32(uint16(int16(hi)))<<16)
}

// ConvStripU8 computes output rows oy0..oy1−1 of the layer into dst, which
// holds only those rows ((oy1−oy0)×OutW×C bytes); src is the whole input.
func ConvStripU8(dst, src []uint8, w *U8Weights, s Shape, oy0, oy1 int) {
	c := s.C
	if len(src) < s.InH*s.InW*c || len(dst) < (oy1-oy0)*s.OutW*c || w.c != c ||
		oy0 < 0 || oy1 > s.OutH || (s.Stride != 1 && s.Stride != 2) {
		panic(fmt.Sprintf("dwconv: bad arguments for %+v rows [%d,%d)", s, oy0, oy1))
	}
	if (w.kern.row == nil && w.kern.rowH == nil && w.kern.row8 == nil) || s.InW < 3 {
		for oy := oy0; oy < oy1; oy++ {
			for ox := range s.OutW {
				w.pixel(dst[((oy-oy0)*s.OutW+ox)*c:][:c], src, s, oy, ox)
			}
		}
		return
	}
	// The same split as the float kernel: interior pixels in one call per
	// row, edge pixels with the shifted weights.
	oxA, oxB := s.interior()
	zero := zeroRowU8(s.InW * c)
	rowLen := s.InW * c
	step := s.Stride * c
	// row runs n pixels from input offset x with the centre, left-edge
	// (which 0) or right-edge (2) weights.
	row := func(out *uint8, in0, in1, in2 *uint8, which, n int) {
		if w.kern.rowH != nil {
			ws := [3][]int16{w.g16, w.left16, w.right16}[which]
			w.kern.rowH(out, in0, in1, in2, &ws[0], &w.pbias[0], &w.vrq, c, n, step)
			return
		}
		if w.kern.row8 != nil {
			ws := [3][]int32{w.g8, w.left8, w.right8}[which]
			w.kern.row8(out, in0, in1, in2, &ws[0], &w.pbias[0], w.v8, c, n, step)
			return
		}
		ws := [3][]int32{w.g, w.left, w.right}[which]
		w.kern.row(out, in0, in1, in2, &ws[0], &w.pbias[0], &w.vrq, c, n, step, w.mask)
	}
	for oy := oy0; oy < oy1; oy++ {
		var rows [3][]uint8
		for ky := range 3 {
			iy := oy*s.Stride - s.PadTop + ky
			rows[ky] = zero
			if iy >= 0 && iy < s.InH {
				rows[ky] = src[iy*rowLen : (iy+1)*rowLen]
			}
		}
		out := dst[(oy-oy0)*s.OutW*c:]
		if oxB > oxA {
			x := (oxA*s.Stride - s.PadLeft) * c
			row(&out[oxA*c], &rows[0][x], &rows[1][x], &rows[2][x], 0, oxB-oxA)
		}
		for ox := range oxA {
			if ox*s.Stride-s.PadLeft != -1 {
				w.pixel(out[ox*c:][:c], src, s, oy, ox)
				continue
			}
			row(&out[ox*c], &rows[0][0], &rows[1][0], &rows[2][0], 1, 1)
		}
		for ox := oxB; ox < s.OutW; ox++ {
			if ox*s.Stride-s.PadLeft+2 != s.InW {
				w.pixel(out[ox*c:][:c], src, s, oy, ox)
				continue
			}
			x := (s.InW - 3) * c
			row(&out[ox*c], &rows[0][x], &rows[1][x], &rows[2][x], 2, 1)
		}
	}
}

// pixel computes output pixel (oy, ox), all channels, in Go.
func (w *U8Weights) pixel(out, src []uint8, s Shape, oy, ox int) {
	c := s.C
	for ch := range out {
		acc := w.bias[ch]
		for ky := range 3 {
			iy := oy*s.Stride - s.PadTop + ky
			if iy < 0 || iy >= s.InH {
				continue
			}
			for kx := range 3 {
				ix := ox*s.Stride - s.PadLeft + kx
				if ix < 0 || ix >= s.InW {
					continue
				}
				acc += (int32(src[(iy*s.InW+ix)*c+ch]) - w.xZero) * w.wc[(ky*3+kx)*c+ch]
			}
		}
		out[ch] = w.rq.Apply(acc)
	}
}

// zerosU8 is a shared row of zero bytes that only grows: the input row a
// tap above or below the image reads.
var zerosU8 struct {
	sync.Mutex
	buf []uint8
}

func zeroRowU8(n int) []uint8 {
	zerosU8.Lock()
	defer zerosU8.Unlock()
	if len(zerosU8.buf) < n {
		zerosU8.buf = make([]uint8, n)
	}
	return zerosU8.buf[:n]
}
