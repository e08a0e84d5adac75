package dwconv

import (
	"fmt"

	"github.com/livecam/livecam/net/internal/kernelenv"
)

// Shape describes one depthwise layer: its input feature map, channel
// count, stride, and the output size and leading padding TensorFlow's SAME
// padding gives them.
type Shape struct {
	InH, InW, C     int
	Stride          int
	OutH, OutW      int
	PadTop, PadLeft int
}

// interior returns the output columns [oxA, oxB) whose three taps all lie
// inside the input row: ox*Stride-PadLeft >= 0 and ox*Stride-PadLeft+2 < InW.
func (s Shape) interior() (oxA, oxB int) {
	oxA = min((s.PadLeft+s.Stride-1)/s.Stride, s.OutW)
	oxB = oxA
	if last := s.InW - 3 + s.PadLeft; last >= 0 {
		oxB = max(min(last/s.Stride+1, s.OutW), oxA)
	}
	return oxA, oxB
}

// NewShape returns the Shape of a 3x3 depthwise layer with SAME padding.
func NewShape(inH, inW, c, stride int) Shape {
	s := Shape{InH: inH, InW: inW, C: c, Stride: stride}
	s.OutH, s.PadTop = same(inH, stride)
	s.OutW, s.PadLeft = same(inW, stride)
	return s
}

func same(in, stride int) (out, before int) {
	out = (in + stride - 1) / stride
	total := max((out-1)*stride+3-in, 0)
	return out, total / 2
}

// Weights holds a depthwise layer's folded weights and bias, prepared once
// for the kernel of the path it was prepared on: besides the 9×C taps ([ky][kx][c]) it keeps two copies
// shifted by one tap column, with which the row kernel computes the left
// and right edge pixels, whose outer tap column lies in the padding, as if
// they were interior.
type Weights struct {
	C           int
	kern        *kernel
	w, bias     []float32
	left, right []float32
}

// Prepare copies w (9×C, [ky][kx][c]) and bias (C) into Weights for the
// float32 kernel of the kernel path ($LIVECAM_KERNELS or the fastest this
// CPU runs; a value naming no path this CPU runs is an error).
func Prepare(w, bias []float32, c int) (*Weights, error) {
	p, err := kernelenv.Current()
	if err != nil {
		return nil, err
	}
	return prepare(kernelFor(p), w, bias, c)
}

// prepare is Prepare for kernel kern.
func prepare(kern *kernel, w, bias []float32, c int) (*Weights, error) {
	if c < 1 || len(w) != 9*c || len(bias) != c {
		return nil, fmt.Errorf("dwconv: %d weights and %d biases for %d channels", len(w), len(bias), c)
	}
	p := &Weights{C: c, kern: kern, w: append([]float32(nil), w...), bias: append([]float32(nil), bias...),
		left: make([]float32, 9*c), right: make([]float32, 9*c)}
	for ky := range 3 {
		tap := func(ws []float32, kx int) []float32 { return ws[(ky*3+kx)*c:][:c] }
		// Left edge: inputs start one column right, so tap kx reads
		// what tap kx+1 should; the last column reads past the need.
		copy(tap(p.left, 0), tap(p.w, 1))
		copy(tap(p.left, 1), tap(p.w, 2))
		// Right edge: inputs start one column left.
		copy(tap(p.right, 1), tap(p.w, 0))
		copy(tap(p.right, 2), tap(p.w, 1))
	}
	return p, nil
}

// Conv computes output rows [oy0, oy1) of dst = ReLU6(depthwise(src, w) +
// bias) with the kernel w was prepared for. src holds InH×InW×C values,
// dst OutH×OutW×C.
func Conv(dst, src []float32, w *Weights, s Shape, oy0, oy1 int) {
	if len(dst) < s.OutH*s.OutW*s.C || oy0 < 0 {
		panic(fmt.Sprintf("dwconv: %d output values for %+v", len(dst), s))
	}
	ConvStrip(dst[oy0*s.OutW*s.C:], src, w, s, oy0, oy1)
}

// ConvStrip is Conv writing only the strip of rows [oy0, oy1): dst holds
// (oy1-oy0)×OutW×C values and its first row is output row oy0. It lets a
// caller keep a few rows in a small buffer and consume them at once.
func ConvStrip(dst, src []float32, w *Weights, s Shape, oy0, oy1 int) {
	k := w.kern
	C := s.C
	if len(src) < s.InH*s.InW*C || len(dst) < (oy1-oy0)*s.OutW*C || w.C != C ||
		oy0 < 0 || oy1 > s.OutH || (s.Stride != 1 && s.Stride != 2) {
		panic(fmt.Sprintf("dwconv: bad arguments for %+v rows [%d,%d)", s, oy0, oy1))
	}
	// From here on dst is indexed by (oy-oy0).
	dst = dst[:(oy1-oy0)*s.OutW*C]
	if k.row == nil || C%k.chanMultiple != 0 || s.InW < 3 {
		convGeneric(dst, src, w.w, w.bias, s, oy0, oy1)
		return
	}
	oxA, oxB := s.interior()
	zero := zeroRow(s.InW * C)
	rowLen := s.InW * C
	step := 4 * s.Stride * C
	for oy := oy0; oy < oy1; oy++ {
		var rows [3][]float32
		for ky := range 3 {
			iy := oy*s.Stride - s.PadTop + ky
			rows[ky] = zero
			if iy >= 0 && iy < s.InH {
				rows[ky] = src[iy*rowLen : (iy+1)*rowLen]
			}
		}
		out := dst[(oy-oy0)*s.OutW*C:]
		if oxB > oxA {
			x := (oxA*s.Stride - s.PadLeft) * C
			k.row(&out[oxA*C], &rows[0][x], &rows[1][x], &rows[2][x], &w.w[0], &w.bias[0], C, oxB-oxA, step)
		}
		// Edge pixels: at most one tap column in the padding (the input
		// is at least 3 wide), so a shifted copy of the weights reads
		// three real columns and gives the padded one no weight.
		for ox := range oxA {
			if ox*s.Stride-s.PadLeft != -1 {
				pixel(out, src, w.w, w.bias, s, oy, ox)
				continue
			}
			k.row(&out[ox*C], &rows[0][0], &rows[1][0], &rows[2][0], &w.left[0], &w.bias[0], C, 1, step)
		}
		for ox := oxB; ox < s.OutW; ox++ {
			if ox*s.Stride-s.PadLeft+2 != s.InW {
				pixel(out, src, w.w, w.bias, s, oy, ox)
				continue
			}
			x := (s.InW - 3) * C
			k.row(&out[ox*C], &rows[0][x], &rows[1][x], &rows[2][x], &w.right[0], &w.bias[0], C, 1, step)
		}
	}
}

// convGeneric computes rows [oy0, oy1) into dst, whose first row is oy0.
func convGeneric(dst, src, w, bias []float32, s Shape, oy0, oy1 int) {
	for oy := oy0; oy < oy1; oy++ {
		for ox := range s.OutW {
			pixel(dst[(oy-oy0)*s.OutW*s.C:], src, w, bias, s, oy, ox)
		}
	}
}

// pixel computes output pixel (oy, ox) (all channels) in Go into row, the
// output row oy, skipping the taps that fall in the padding.
func pixel(row, src, w, bias []float32, s Shape, oy, ox int) {
	C := s.C
	out := row[ox*C:][:C]
	copy(out, bias[:C])
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
			in := src[(iy*s.InW+ix)*C:][:C]
			wk := w[(ky*3+kx)*C:][:C]
			for c := range out {
				out[c] += in[c] * wk[c]
			}
		}
	}
	for c, v := range out {
		if v < 0 {
			out[c] = 0
		} else if v > 6 {
			out[c] = 6
		}
	}
}
