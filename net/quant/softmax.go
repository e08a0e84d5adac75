package quant

import "math"

// Softmax is TFLite's uint8 softmax as its runtime kernel computes it
// (optimized_ops::Softmax on x86): a table of float32 exponentials of the
// 256 possible differences from the largest input, a float32 sum in index
// order, and outputs quantized with scale 1/256 and zero point 0.
// A Softmax is immutable and safe for concurrent use.
type Softmax struct {
	table [256]float32
}

// NewSoftmax returns the softmax of inputs quantized with scale inScale,
// with TFLite's beta.
func NewSoftmax(inScale, beta float32) *Softmax {
	s := &Softmax{}
	scale := -inScale * beta
	for v := range 256 {
		s.table[255-v] = float32(math.Exp(float64(scale * float32(v))))
	}
	return s
}

// Apply writes the uint8 probabilities of in into out (same length); it
// allocates nothing.
func (s *Softmax) Apply(out, in []uint8) {
	if len(in) == 0 {
		return
	}
	mx := in[0]
	for _, v := range in {
		mx = max(mx, v)
	}
	off := 255 - int(mx)
	var sum float32
	for _, v := range in {
		sum += s.table[off+int(v)]
	}
	inv := 1 / float32(sum*(1.0/256))
	for i, v := range in[:len(out)] {
		p := float32(s.table[off+int(v)]*inv) + 0.5
		switch {
		case p >= 255:
			out[i] = 255
		case p > 0:
			out[i] = uint8(int32(p))
		default:
			out[i] = 0
		}
	}
}
