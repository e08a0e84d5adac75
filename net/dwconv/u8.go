package dwconv

import (
	"fmt"

	"github.com/livecam/livecam/net/quant"
)

// U8Weights is a uint8 3x3 depthwise layer ready to run, TFLite's
// arithmetic: out = requant(Σ (x − xZero)·(w − wZero) + bias) over the taps
// inside the image (a tap in the padding adds nothing). It is immutable
// after PrepareU8 and safe for concurrent use.
type U8Weights struct {
	c     int
	wc    []int32 // w − wZero, [3][3][c]
	bias  []int32
	xZero int32
	rq    quant.Requant
}

// PrepareU8 prepares a depthwise layer of c channels: w holds the 3×3×c
// weights [ky][kx][c] (TFLite's 1HWC), quantized with zero point wZero;
// bias c int32 values; xZero the input's zero point.
func PrepareU8(w []uint8, wZero int32, bias []int32, xZero int32, c int, rq quant.Requant) (*U8Weights, error) {
	switch {
	case c < 1:
		return nil, fmt.Errorf("dwconv: bad channel count %d", c)
	case len(w) != 9*c || len(bias) != c:
		return nil, fmt.Errorf("dwconv: %d weights and %d biases for %d channels", len(w), len(bias), c)
	case wZero < 0 || wZero > 255 || xZero < 0 || xZero > 255:
		return nil, fmt.Errorf("dwconv: zero points %d, %d out of the uint8 range", wZero, xZero)
	}
	p := &U8Weights{c: c, wc: make([]int32, 9*c), bias: append([]int32(nil), bias...), xZero: xZero, rq: rq}
	for i, v := range w {
		p.wc[i] = int32(v) - wZero
	}
	return p, nil
}

// ConvStripU8 computes output rows oy0..oy1−1 of the layer into dst, which
// holds only those rows ((oy1−oy0)×OutW×C bytes); src is the whole input.
func ConvStripU8(dst, src []uint8, w *U8Weights, s Shape, oy0, oy1 int) {
	c := s.C
	_ = src[s.InH*s.InW*c-1]
	_ = dst[(oy1-oy0)*s.OutW*c-1]
	for oy := oy0; oy < oy1; oy++ {
		for ox := range s.OutW {
			out := dst[((oy-oy0)*s.OutW+ox)*c:][:c]
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
	}
}
