package tflite

import (
	"encoding/binary"

	"github.com/livecam/livecam/net/dwconv"
	"github.com/livecam/livecam/net/internal/workpool"
	"github.com/livecam/livecam/net/pwconv"
	"github.com/livecam/livecam/net/quant"
)

// parallelCost is the cost (about one cheap operation per unit) above
// which an operator is split across threads: below it, waking the other
// workers costs more than it saves. (A variable for the tests, which
// split every operator.)
var parallelCost int64 = 1 << 15

// costly is a kernel that says what one run of it costs.
type costly interface{ cost() int64 }

// MaxMACs bounds the multiply-accumulates of one operator: a damaged
// file must not plan a run of hours.
const MaxMACs = 1 << 40

// addMACs counts operator i's MACs, refusing an operator of more than
// MaxMACs.
func (p *planner) addMACs(i int, macs int64) error {
	if macs > MaxMACs {
		return p.f.fail(i, "%w: %d multiply-accumulates (more than %d)", ErrUnsupported, macs, int64(MaxMACs))
	}
	p.g.macs += macs
	return nil
}

func parallel(k kernel) bool {
	c, ok := k.(costly)
	return ok && c.cost() >= parallelCost
}

// convOp is a CONV_2D: a 1x1 stride-1 convolution is the matrix product
// of the activation (pixels × channels) with the weights; any other is
// unfolded (im2col) a strip of pixels at a time, each pixel's patch
// padded to a multiple of 4 bytes with the input's zero point, and
// multiplied on the same kernels.
type convOp struct {
	in, out          int
	inH, inW, inC    int
	outH, outW, outC int
	kh, kw, sh, sw   int
	padTop, padLeft  int
	kp               int // bytes of one im2col row
	direct           bool
	pad              uint8 // the input's zero point: the value of a padding tap
	strip            int   // pixels unfolded at a time
	w                *pwconv.U8Weights
	macs             int64
}

func (c *convOp) cost() int64 { return c.macs / 16 }

// convPlan is what a CONV_2D and a DEPTHWISE_CONV_2D plan alike: the
// [1 H W C] input and output, the filter, the bias, the window's leading
// padding and the requantization.
type convPlan struct {
	inH, inW, inC    int
	outH, outW, outC int
	mult             int // depthwise: output channels per input channel
	kh, kw           int
	padTop, padLeft  int
	inQ, wQ          quant.Params
	w                []uint8
	bias             []int32
	rq               quant.Requant
}

// convOperands checks operator i, a CONV_2D or (depthwise) a
// DEPTHWISE_CONV_2D, and returns what both plan alike: a uint8 [1 H W C]
// input and output, a constant uint8 filter ([O H W I], or [1 H W C] for
// a depthwise one, whose output channels are a whole multiple of its
// input's), an optional int32 bias, a window TFLite agrees with and the
// fused activation.
func (p *planner) convOperands(i int, o *Operator, depthwise bool) (convPlan, error) {
	f := p.f
	var c convPlan
	in, inQ, out, outQ, err := p.operands(i, o, 2, 3, "input, weights, bias and one output")
	if err != nil {
		return c, err
	}
	c.inQ = inQ
	var ok1, ok2 bool
	c.inH, c.inW, c.inC, ok1 = image(in)
	c.outH, c.outW, c.outC, ok2 = image(out)
	if !ok1 || !ok2 {
		return c, f.fail(i, "%w: input %v and output %v (want [1 H W C])", ErrUnsupported, in.info.Shape, out.info.Shape)
	}
	layout := "[O H W I]"
	if depthwise {
		layout = "[1 H W C]"
		if c.outC%c.inC != 0 {
			return c, f.fail(i, "%w: %d output channels for %d input channels", ErrMalformed, c.outC, c.inC)
		}
		c.mult = c.outC / c.inC
		if o.DepthMultiplier != 0 && o.DepthMultiplier != c.mult {
			return c, f.fail(i, "%w: depth multiplier %d, but %d channels become %d", ErrMalformed, o.DepthMultiplier, c.inC, c.outC)
		}
	}
	if o.Inputs[1] < 0 {
		return c, f.fail(i, "%w: no weights", ErrMalformed)
	}
	fs := f.Tensors[o.Inputs[1]].Shape
	if len(fs) != 4 {
		return c, f.fail(i, "%w: weights of shape %v (want %s)", ErrMalformed, fs, layout)
	}
	c.kh, c.kw = fs[1], fs[2]
	want := []int{c.outC, c.kh, c.kw, c.inC}
	if depthwise {
		want = []int{1, c.kh, c.kw, c.outC}
	}
	if c.w, c.wQ, err = p.weights(i, o, want); err != nil {
		return c, err
	}
	if c.bias, err = p.bias(i, o, c.outC); err != nil {
		return c, err
	}
	if c.padTop, c.padLeft, err = p.window(i, o, c.inH, c.inW, c.kh, c.kw, c.outH, c.outW); err != nil {
		return c, err
	}
	act, err := p.activation(i, o.Activation)
	if err != nil {
		return c, err
	}
	if c.rq, err = quant.NewRequant(inQ, c.wQ, outQ, act); err != nil {
		return c, f.fail(i, "%w: %v", ErrUnsupported, err)
	}
	return c, nil
}

// conv plans a CONV_2D.
func (p *planner) conv(i int, o *Operator) (kernel, error) {
	s, err := p.convOperands(i, o, false)
	if err != nil {
		return nil, err
	}
	c := &convOp{in: o.Inputs[0], out: o.Outputs[0], inH: s.inH, inW: s.inW, inC: s.inC, outH: s.outH, outW: s.outW, outC: s.outC,
		kh: s.kh, kw: s.kw, sh: o.StrideH, sw: o.StrideW, padTop: s.padTop, padLeft: s.padLeft, pad: uint8(s.inQ.ZeroPoint)}
	c.macs = int64(s.outH*s.outW*s.outC) * int64(s.kh*s.kw*s.inC)
	if err := p.addMACs(i, c.macs); err != nil {
		return nil, err
	}
	w := s.w
	k := s.kh * s.kw * s.inC
	c.direct = s.kh == 1 && s.kw == 1 && c.sh == 1 && c.sw == 1 && s.inC%4 == 0
	if !c.direct {
		// im2col rows of a whole number of 4-byte groups: the padding
		// taps hold the input's zero point, against weights holding
		// theirs, so they add nothing.
		c.kp = (k + 3) &^ 3
		if c.kp != k {
			pw := make([]uint8, c.kp*s.outC)
			for j := range s.outC {
				copy(pw[j*c.kp:], w[j*k:(j+1)*k])
				for t := k; t < c.kp; t++ {
					pw[j*c.kp+t] = uint8(s.wQ.ZeroPoint)
				}
			}
			w = pw
		}
		k = c.kp
		// Strips of a multiple of 24 pixels (whole tiles on every
		// kernel) of at most about 32 KiB.
		c.strip = max(24, min(512, 32768/c.kp/24*24))
		c.strip = min(c.strip, s.outH*s.outW)
		p.g.scratch = max(p.g.scratch, c.strip*c.kp)
	}
	c.w, err = pwconv.PackU8(w, s.wQ.ZeroPoint, s.bias, s.inQ.ZeroPoint, k, s.outC, s.rq)
	if err != nil {
		return nil, p.f.fail(i, "%w: %v", ErrUnsupported, err)
	}
	return c, nil
}

func (c *convOp) run(r *Runner, part, parts int) {
	src, dst := r.bufs[c.in], r.bufs[c.out]
	m := c.outH * c.outW
	if m < 32*parts && c.outC > 64 && parts > 1 {
		// Few pixels, many outputs: split the outputs.
		lo, hi := workpool.Span(c.outC, part, parts, 64)
		if lo >= hi {
			return
		}
		if c.direct {
			c.w.ApplyCols(dst, src, m, lo, hi)
			return
		}
		strip := r.scratch[part]
		for p := 0; p < m; p += c.strip {
			e := min(p+c.strip, m)
			c.im2col(strip, src, p, e)
			c.w.ApplyCols(dst[p*c.outC:], strip, e-p, lo, hi)
		}
		return
	}
	lo, hi := workpool.Span(m, part, parts, 8)
	if lo >= hi {
		return
	}
	if c.direct {
		c.w.Apply(dst[lo*c.outC:], src[lo*c.inC:], hi-lo)
		return
	}
	strip := r.scratch[part]
	for p := lo; p < hi; p += c.strip {
		e := min(p+c.strip, hi)
		c.im2col(strip, src, p, e)
		c.w.Apply(dst[p*c.outC:], strip, e-p)
	}
}

// im2col writes the patches of output pixels p0..p1−1 (row-major), one
// row of kp bytes each in the filter's [ky][kx][c] order, padding taps
// and the row's tail set to the input's zero point.
func (c *convOp) im2col(dst, src []uint8, p0, p1 int) {
	kc := c.kw * c.inC
	kk := c.kh * kc
	rowLen := c.inW * c.inC
	pad := c.pad
	fill := func(b []uint8) {
		for i := range b {
			b[i] = pad
		}
	}
	i := 0
	oy, ox := p0/c.outW, p0%c.outW
	for range p1 - p0 {
		row := dst[i : i+c.kp : i+c.kp]
		i += c.kp
		iy0, ix0 := oy*c.sh-c.padTop, ox*c.sw-c.padLeft
		if ox++; ox == c.outW {
			ox, oy = 0, oy+1
		}
		if iy0 >= 0 && ix0 >= 0 && iy0+c.kh <= c.inH && ix0+c.kw <= c.inW {
			// Inside the image: kh runs of kc contiguous bytes.
			base := iy0*rowLen + ix0*c.inC
			if kc == 9 && c.kh == 3 && len(row) == 28 {
				// The usual first layer, 3x3 over RGB: 3 × (8 + 1) bytes.
				s0 := src[base : base+9]
				s1 := src[base+rowLen : base+rowLen+9]
				s2 := src[base+2*rowLen : base+2*rowLen+9]
				le := binary.LittleEndian
				le.PutUint64(row[0:8], le.Uint64(s0))
				row[8] = s0[8]
				le.PutUint64(row[9:17], le.Uint64(s1))
				row[17] = s1[8]
				le.PutUint64(row[18:26], le.Uint64(s2))
				row[26], row[27] = s2[8], pad
				continue
			}
			if kc == 9 {
				// 3 taps over RGB: 9 bytes, as 8 + 1.
				for ky := range c.kh {
					s := src[base+ky*rowLen:]
					seg := row[ky*9 : ky*9+9]
					binary.LittleEndian.PutUint64(seg, binary.LittleEndian.Uint64(s))
					seg[8] = s[8]
				}
			} else {
				for ky := range c.kh {
					copy(row[ky*kc:(ky+1)*kc], src[base+ky*rowLen:])
				}
			}
			for j := kk; j < len(row); j++ {
				row[j] = pad
			}
			continue
		}
		kx0, kx1 := max(0, -ix0), min(c.kw, c.inW-ix0)
		for ky := range c.kh {
			iy := iy0 + ky
			seg := row[ky*kc : (ky+1)*kc]
			if iy < 0 || iy >= c.inH || kx0 >= kx1 {
				fill(seg)
				continue
			}
			fill(seg[:kx0*c.inC])
			copy(seg[kx0*c.inC:], src[iy*rowLen+(ix0+kx0)*c.inC:iy*rowLen+(ix0+kx1)*c.inC])
			fill(seg[kx1*c.inC:])
		}
		fill(row[kk:])
	}
}

// dwOp is a 3x3 DEPTHWISE_CONV_2D of stride 1 or 2 and depth multiplier
// 1 on net/dwconv's kernels; pw, when set, is the pointwise convolution
// that reads its output, computed strip by strip.
type dwOp struct {
	in, out int
	shape   dwconv.Shape
	w       *dwconv.U8Weights
	pw      *convOp
	rows    int // output rows per strip when fused
	macs    int64
}

func (d *dwOp) cost() int64 {
	c := d.macs / 4
	if d.pw != nil {
		c += d.pw.cost()
	}
	return c
}

func (d *dwOp) run(r *Runner, part, parts int) {
	s := &d.shape
	lo, hi := workpool.Span(s.OutH, part, parts, 1)
	if lo >= hi {
		return
	}
	src := r.bufs[d.in]
	if d.pw == nil || r.trace != nil {
		dwconv.ConvStripU8(r.bufs[d.out][lo*s.OutW*s.C:], src, d.w, d.shape, lo, hi)
		return
	}
	strip := r.scratch[part]
	dst := r.bufs[d.pw.out]
	for y := lo; y < hi; y += d.rows {
		e := min(y+d.rows, hi)
		dwconv.ConvStripU8(strip, src, d.w, d.shape, y, e)
		d.pw.w.Apply(dst[y*s.OutW*d.pw.outC:], strip, (e-y)*s.OutW)
	}
}

// dwGenericOp is any other DEPTHWISE_CONV_2D (kernel size, stride, depth
// multiplier), in Go: out[oc] = requant(Σ (x[ic] − xZero)·(w[oc] − wZero)
// + bias[oc]) over the taps inside the image, oc = ic·mult + m.
type dwGenericOp struct {
	in, out          int
	inH, inW, inC    int
	outH, outW, outC int
	mult             int
	kh, kw, sh, sw   int
	padTop, padLeft  int
	xZero            int32
	wc               []int32 // w − wZero, [ky][kx][oc]
	bias             []int32
	rq               quant.Requant
	macs             int64
}

func (d *dwGenericOp) cost() int64 { return d.macs }

func (d *dwGenericOp) run(r *Runner, part, parts int) {
	src, dst := r.bufs[d.in], r.bufs[d.out]
	lo, hi := workpool.Span(d.outH, part, parts, 1)
	for oy := lo; oy < hi; oy++ {
		for ox := range d.outW {
			out := dst[(oy*d.outW+ox)*d.outC:][:d.outC]
			for oc := range out {
				ic := oc / d.mult
				acc := d.bias[oc]
				for ky := range d.kh {
					iy := oy*d.sh - d.padTop + ky
					if iy < 0 || iy >= d.inH {
						continue
					}
					for kx := range d.kw {
						ix := ox*d.sw - d.padLeft + kx
						if ix < 0 || ix >= d.inW {
							continue
						}
						acc += (int32(src[(iy*d.inW+ix)*d.inC+ic]) - d.xZero) * d.wc[(ky*d.kw+kx)*d.outC+oc]
					}
				}
				out[oc] = d.rq.Apply(acc)
			}
		}
	}
}

// depthwise plans a DEPTHWISE_CONV_2D.
func (p *planner) depthwise(i int, o *Operator) (kernel, error) {
	s, err := p.convOperands(i, o, true)
	if err != nil {
		return nil, err
	}
	macs := int64(s.outH*s.outW*s.outC) * int64(s.kh*s.kw)
	if err := p.addMACs(i, macs); err != nil {
		return nil, err
	}
	if s.kh == 3 && s.kw == 3 && s.mult == 1 && o.StrideH == o.StrideW && (o.StrideH == 1 || o.StrideH == 2) {
		dw, err := dwconv.PrepareU8(s.w, s.wQ.ZeroPoint, s.bias, s.inQ.ZeroPoint, s.outC, s.rq)
		if err != nil {
			return nil, p.f.fail(i, "%w: %v", ErrUnsupported, err)
		}
		return &dwOp{in: o.Inputs[0], out: o.Outputs[0], w: dw, macs: macs,
			shape: dwconv.Shape{InH: s.inH, InW: s.inW, C: s.inC, Stride: o.StrideH, OutH: s.outH, OutW: s.outW, PadTop: s.padTop, PadLeft: s.padLeft}}, nil
	}
	d := &dwGenericOp{in: o.Inputs[0], out: o.Outputs[0], inH: s.inH, inW: s.inW, inC: s.inC, outH: s.outH, outW: s.outW, outC: s.outC,
		mult: s.mult, kh: s.kh, kw: s.kw, sh: o.StrideH, sw: o.StrideW, padTop: s.padTop, padLeft: s.padLeft,
		xZero: s.inQ.ZeroPoint, wc: make([]int32, len(s.w)), bias: s.bias, rq: s.rq, macs: macs}
	for j, v := range s.w {
		d.wc[j] = int32(v) - s.wQ.ZeroPoint
	}
	return d, nil
}
