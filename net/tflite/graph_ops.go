package tflite

import (
	"math"
	"slices"

	"github.com/livecam/livecam/net/internal/workpool"
	"github.com/livecam/livecam/net/quant"
)

// addOp is an element-wise uint8 ADD (no broadcasting).
type addOp struct {
	in1, in2, out int
	n             int
	a             *quant.Add
}

func (a *addOp) cost() int64 { return int64(a.n) }

func (a *addOp) run(r *Runner, part, parts int) {
	lo, hi := workpool.Span(a.n, part, parts, 64)
	if lo < hi {
		a.a.ApplySlice(r.bufs[a.out][lo:hi], r.bufs[a.in1][lo:hi], r.bufs[a.in2][lo:hi])
	}
}

// add plans an ADD.
func (p *planner) add(i int, o *Operator) (kernel, error) {
	f := p.f
	if len(o.Inputs) != 2 || len(o.Outputs) != 1 {
		return nil, f.fail(i, "%w: %d inputs and %d outputs (want 2 and 1)", ErrMalformed, len(o.Inputs), len(o.Outputs))
	}
	x, xq, err := p.u8(i, o.Inputs[0], "first input")
	if err != nil {
		return nil, err
	}
	y, yq, err := p.u8(i, o.Inputs[1], "second input")
	if err != nil {
		return nil, err
	}
	out, outQ, err := p.u8(i, o.Outputs[0], "output")
	if err != nil {
		return nil, err
	}
	if !slices.Equal(x.info.Shape, out.info.Shape) || !slices.Equal(y.info.Shape, out.info.Shape) {
		return nil, f.fail(i, "%w: %v + %v → %v (the graph runner adds tensors of one shape, without broadcasting)", ErrUnsupported, x.info.Shape, y.info.Shape, out.info.Shape)
	}
	act, err := p.activation(i, o.Activation)
	if err != nil {
		return nil, err
	}
	a, err := quant.NewAdd(xq, yq, outQ, act)
	if err != nil {
		return nil, f.fail(i, "%w: %v", ErrUnsupported, err)
	}
	return &addOp{in1: o.Inputs[0], in2: o.Inputs[1], out: o.Outputs[0], n: out.size, a: a}, nil
}

// concatPart is one input of a CONCATENATION: chunk bytes per outer
// index, copied or mapped through its requantization table.
type concatPart struct {
	t     int
	chunk int
	table *[256]uint8 // nil: same quantization as the output, copied
}

// concatOp is a uint8 CONCATENATION along any axis: for each index of
// the dimensions before the axis (outer), the inputs' chunks one after
// the other.
type concatOp struct {
	out   int
	outer int
	total int // bytes per outer index
	parts []concatPart
}

func (c *concatOp) cost() int64 { return int64(c.outer * c.total) }

func (c *concatOp) run(r *Runner, part, parts int) {
	dst := r.bufs[c.out]
	if c.outer == 1 {
		// One row: split each input.
		off := 0
		for _, in := range c.parts {
			lo, hi := workpool.Span(in.chunk, part, parts, 64)
			concatCopy(dst[off+lo:off+hi], r.bufs[in.t][lo:hi], in.table)
			off += in.chunk
		}
		return
	}
	lo, hi := workpool.Span(c.outer, part, parts, 1)
	for o := lo; o < hi; o++ {
		off := o * c.total
		for _, in := range c.parts {
			concatCopy(dst[off:off+in.chunk], r.bufs[in.t][o*in.chunk:(o+1)*in.chunk], in.table)
			off += in.chunk
		}
	}
}

func concatCopy(dst, src []uint8, table *[256]uint8) {
	if table == nil {
		copy(dst, src)
		return
	}
	src = src[:len(dst)]
	for i, v := range src {
		dst[i] = table[v]
	}
}

// concat plans a CONCATENATION.
func (p *planner) concat(i int, o *Operator) (kernel, error) {
	f := p.f
	if len(o.Inputs) < 1 || len(o.Outputs) != 1 {
		return nil, f.fail(i, "%w: %d inputs and %d outputs", ErrMalformed, len(o.Inputs), len(o.Outputs))
	}
	out, outQ, err := p.u8(i, o.Outputs[0], "output")
	if err != nil {
		return nil, err
	}
	if o.Activation != NoActivation {
		return nil, f.fail(i, "%w: fused activation %s (TFLite's CONCATENATION takes none)", ErrUnsupported, o.Activation)
	}
	rank := len(out.info.Shape)
	axis := o.Axis
	if axis < 0 {
		axis += rank
	}
	if axis < 0 || axis >= rank {
		return nil, f.fail(i, "%w: axis %d of a rank-%d output", ErrMalformed, o.Axis, rank)
	}
	c := &concatOp{out: o.Outputs[0], outer: 1}
	for _, d := range out.info.Shape[:axis] {
		c.outer *= d
	}
	sum := 0
	for j, t := range o.Inputs {
		in, inQ, err := p.u8(i, t, "input")
		if err != nil {
			return nil, err
		}
		s := in.info.Shape
		if len(s) != rank {
			return nil, f.fail(i, "%w: input %d has shape %v, the output %v", ErrMalformed, j, s, out.info.Shape)
		}
		for d := range rank {
			if d != axis && s[d] != out.info.Shape[d] {
				return nil, f.fail(i, "%w: input %d has shape %v, the output %v", ErrMalformed, j, s, out.info.Shape)
			}
		}
		sum += s[axis]
		part := concatPart{t: t, chunk: in.size / max(c.outer, 1)}
		if inQ != outQ {
			tab := quant.RescaleTable(inQ, outQ)
			part.table = &tab
		}
		c.parts = append(c.parts, part)
		c.total += part.chunk
	}
	if sum != out.info.Shape[axis] {
		return nil, f.fail(i, "%w: the inputs add up to %d along axis %d, the output has %d", ErrMalformed, sum, axis, out.info.Shape[axis])
	}
	return c, nil
}

// reshapeOp is a RESHAPE or SQUEEZE: the output is the input's buffer.
type reshapeOp struct{}

func (reshapeOp) run(*Runner, int, int) {}

// reshape plans a RESHAPE or a SQUEEZE: bytes unchanged, so the output
// shares the input's buffer.
func (p *planner) reshape(i int, o *Operator) (kernel, error) {
	in, _, out, _, err := p.operands(i, o, 1, math.MaxInt, "")
	if err != nil {
		return nil, err
	}
	if in.size != out.size {
		return nil, p.f.fail(i, "%w: %v to %v changes the number of elements", ErrMalformed, in.info.Shape, out.info.Shape)
	}
	out.root = in.root
	return reshapeOp{}, nil
}

// lutOp maps every byte through a table: LOGISTIC.
type lutOp struct {
	in, out int
	n       int
	table   [256]uint8
}

func (l *lutOp) cost() int64 { return int64(l.n) }

func (l *lutOp) run(r *Runner, part, parts int) {
	lo, hi := workpool.Span(l.n, part, parts, 64)
	dst, src := r.bufs[l.out][lo:hi], r.bufs[l.in][lo:hi]
	for j, v := range src {
		dst[j] = l.table[v]
	}
}

// logistic plans a LOGISTIC: TFLite's table, computed here.
func (p *planner) logistic(i int, o *Operator) (kernel, error) {
	f := p.f
	in, inQ, out, outQ, err := p.operands(i, o, 1, 1, "1 and 1")
	if err != nil {
		return nil, err
	}
	if in.size != out.size {
		return nil, f.fail(i, "%w: input %v, output %v", ErrMalformed, in.info.Shape, out.info.Shape)
	}
	if outQ != (quant.Params{Scale: 1.0 / 256}) {
		return nil, f.fail(i, "%w: output quantized with scale %v and zero point %d (TFLite's uint8 LOGISTIC wants 1/256 and 0)", ErrUnsupported, outQ.Scale, outQ.ZeroPoint)
	}
	return &lutOp{in: o.Inputs[0], out: o.Outputs[0], n: out.size, table: quant.LogisticTable(inQ, outQ)}, nil
}

// poolOp is a uint8 AVERAGE_POOL_2D: each output the rounded mean
// (Σx + n/2)/n of the raw bytes of the taps inside the image, clamped by
// the fused activation.
type poolOp struct {
	in, out         int
	inH, inW, c     int
	outH, outW      int
	fh, fw, sh, sw  int
	padTop, padLeft int
	lo, hi          int
}

func (q *poolOp) cost() int64 { return int64(q.outH*q.outW*q.c) * int64(q.fh*q.fw) }

func (q *poolOp) run(r *Runner, part, parts int) {
	src, dst := r.bufs[q.in], r.bufs[q.out]
	pixels := q.outH * q.outW
	p0, p1, c0, c1 := 0, pixels, 0, q.c
	if pixels >= parts {
		p0, p1 = workpool.Span(pixels, part, parts, 1)
	} else {
		c0, c1 = workpool.Span(q.c, part, parts, 16)
	}
	for p := p0; p < p1; p++ {
		oy, ox := p/q.outW, p%q.outW
		iy0, ix0 := oy*q.sh-q.padTop, ox*q.sw-q.padLeft
		y0, y1 := max(iy0, 0), min(iy0+q.fh, q.inH)
		x0, x1 := max(ix0, 0), min(ix0+q.fw, q.inW)
		n := max((y1-y0)*(x1-x0), 1)
		out := dst[p*q.c:]
		for ch := c0; ch < c1; ch++ {
			sum := 0
			for iy := y0; iy < y1; iy++ {
				row := src[(iy*q.inW)*q.c+ch:]
				for ix := x0; ix < x1; ix++ {
					sum += int(row[ix*q.c])
				}
			}
			out[ch] = uint8(min(max((sum+n/2)/n, q.lo), q.hi))
		}
	}
}

// pool plans an AVERAGE_POOL_2D.
func (p *planner) pool(i int, o *Operator) (kernel, error) {
	f := p.f
	in, _, out, outQ, err := p.operands(i, o, 1, 1, "1 and 1")
	if err != nil {
		return nil, err
	}
	inH, inW, inC, ok1 := image(in)
	outH, outW, outC, ok2 := image(out)
	if !ok1 || !ok2 || inC != outC {
		return nil, f.fail(i, "%w: input %v and output %v (want [1 H W C] both, with the same C)", ErrUnsupported, in.info.Shape, out.info.Shape)
	}
	padTop, padLeft, err := p.window(i, o, inH, inW, o.FilterH, o.FilterW, outH, outW)
	if err != nil {
		return nil, err
	}
	act, err := p.activation(i, o.Activation)
	if err != nil {
		return nil, err
	}
	lo, hi := quant.ActivationRange(act, outQ)
	return &poolOp{in: o.Inputs[0], out: o.Outputs[0], inH: inH, inW: inW, c: inC, outH: outH, outW: outW,
		fh: o.FilterH, fw: o.FilterW, sh: o.StrideH, sw: o.StrideW, padTop: padTop, padLeft: padLeft,
		lo: int(lo), hi: int(hi)}, nil
}

// softmaxOp is TFLite's uint8 SOFTMAX over the last dimension.
type softmaxOp struct {
	in, out     int
	rows, depth int
	s           *quant.Softmax
}

func (s *softmaxOp) cost() int64 { return int64(s.rows * s.depth * 4) }

func (s *softmaxOp) run(r *Runner, part, parts int) {
	lo, hi := workpool.Span(s.rows, part, parts, 1)
	src, dst := r.bufs[s.in], r.bufs[s.out]
	for j := lo; j < hi; j++ {
		s.s.Apply(dst[j*s.depth:(j+1)*s.depth], src[j*s.depth:(j+1)*s.depth])
	}
}

// softmax plans a SOFTMAX.
func (p *planner) softmax(i int, o *Operator) (kernel, error) {
	f := p.f
	in, inQ, out, outQ, err := p.operands(i, o, 1, 1, "1 and 1")
	if err != nil {
		return nil, err
	}
	if !slices.Equal(in.info.Shape, out.info.Shape) || len(out.info.Shape) == 0 {
		return nil, f.fail(i, "%w: input %v, output %v", ErrMalformed, in.info.Shape, out.info.Shape)
	}
	if outQ != (quant.Params{Scale: 1.0 / 256}) {
		return nil, f.fail(i, "%w: output quantized with scale %v and zero point %d (TFLite's uint8 SOFTMAX wants 1/256 and 0)", ErrUnsupported, outQ.Scale, outQ.ZeroPoint)
	}
	if !(o.Beta > 0) || math.IsInf(float64(o.Beta), 0) {
		return nil, f.fail(i, "%w: beta %v", ErrUnsupported, o.Beta)
	}
	depth := out.info.Shape[len(out.info.Shape)-1]
	return &softmaxOp{in: o.Inputs[0], out: o.Outputs[0], rows: out.size / depth, depth: depth,
		s: quant.NewSoftmax(inQ.Scale, o.Beta)}, nil
}
