package dwconv

import "fmt"

// Shape describes one depthwise layer: its input feature map, channel
// count, stride, and the output size and leading padding TensorFlow's SAME
// padding gives them.
type Shape struct {
	InH, InW, C     int
	Stride          int
	OutH, OutW      int
	PadTop, PadLeft int
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

// Conv computes output rows [oy0, oy1) of dst = ReLU6(depthwise(src, w) +
// bias). src holds InH×InW×C values, dst OutH×OutW×C, w 9×C and bias C.
func Conv(dst, src, w, bias []float32, s Shape, oy0, oy1 int) {
	C := s.C
	if len(src) < s.InH*s.InW*C || len(dst) < s.OutH*s.OutW*C || len(w) < 9*C || len(bias) < C ||
		oy0 < 0 || oy1 > s.OutH || (s.Stride != 1 && s.Stride != 2) {
		panic(fmt.Sprintf("dwconv: bad arguments for %+v rows [%d,%d)", s, oy0, oy1))
	}
	convGeneric(dst, src, w, bias, s, oy0, oy1)
}

func convGeneric(dst, src, w, bias []float32, s Shape, oy0, oy1 int) {
	C := s.C
	bias = bias[:C]
	for oy := oy0; oy < oy1; oy++ {
		for ox := range s.OutW {
			out := dst[(oy*s.OutW+ox)*C:][:C]
			copy(out, bias)
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
	}
}
