package mobilenet

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/livecam/livecam/net/dwconv"
	"github.com/livecam/livecam/net/internal/workpool"
)

// ErrQuantized reports a float32 call (Forward, Trace) on a quantized
// model: use ForwardQuant or Probabilities.
var ErrQuantized = errors.New("net: the model is quantized (uint8): use ForwardQuant or Probabilities")

// ErrNotQuantized reports ForwardQuant on a float32 model.
var ErrNotQuantized = errors.New("net: the model is float32: use Forward or Probabilities")

// quantRunner holds a quantized model's buffers, allocated once.
type quantRunner struct {
	buf    [2][]uint8
	pooled []uint8
	logits []uint8
	out    []uint8
	tasks  []quantLayerTask
	blocks []quantBlockTask
	trace  func(Layer, []uint8)
}

func newQuantRunner(m *Model, threads int) *quantRunner {
	q := &quantRunner{}
	q.buf[0], q.buf[1] = make([]uint8, m.maxAct), make([]uint8, m.maxAct)
	q.pooled = make([]uint8, m.layers[len(m.layers)-1].InC)
	q.logits, q.out = make([]uint8, m.cfg.Classes), make([]uint8, m.cfg.Classes)
	l := m.layers[0]
	var strips [][]uint8
	for range threads {
		strips = append(strips, make([]uint8, stripRows*l.OutW*im2colRow(l)))
	}
	q.tasks = make([]quantLayerTask, len(m.layers))
	for i := range q.tasks {
		q.tasks[i] = quantLayerTask{m: m, i: i, strips: strips}
	}
	stripLen := 0
	for i, l := range m.layers {
		if l.Kind != Depthwise {
			continue
		}
		rows := min(l.OutH, (96+l.OutW-1)/l.OutW)
		q.blocks = append(q.blocks, quantBlockTask{m: m, dw: i, pw: i + 1, rows: rows,
			shape: dwconv.Shape{InH: l.InH, InW: l.InW, C: l.InC, Stride: l.Stride,
				OutH: l.OutH, OutW: l.OutW, PadTop: l.PadTop, PadLeft: l.PadLeft}})
		stripLen = max(stripLen, rows*l.OutW*l.OutC)
	}
	var dwStrips [][]uint8
	for range threads {
		dwStrips = append(dwStrips, make([]uint8, stripLen))
	}
	for i := range q.blocks {
		q.blocks[i].strips = dwStrips
	}
	return q
}

// ForwardQuant runs a quantized model on rgb, Size×Size×3 bytes (NHWC,
// R,G,B: with Google's files the bytes are the input tensor as they are),
// and writes the Classes() uint8 logits and the uint8 softmax output
// (probability·256) exactly as TensorFlow Lite's uint8 kernels compute
// them. Either slice may be nil. It allocates nothing.
func (r *Runner) ForwardQuant(logits, out, rgb []uint8) error {
	if r.q == nil {
		return ErrNotQuantized
	}
	c := r.m.cfg.Classes
	if len(rgb) != r.m.InputLen() || (logits != nil && len(logits) != c) || (out != nil && len(out) != c) {
		return fmt.Errorf("%w: input %d (want %d), logits %d and output %d (want %d)",
			ErrShape, len(rgb), r.m.InputLen(), len(logits), len(out), c)
	}
	r.forwardQuant(rgb)
	if logits != nil {
		copy(logits, r.q.logits)
	}
	if out != nil {
		r.m.q.softmax.Apply(out, r.q.logits)
	}
	return nil
}

// TraceQuant runs ForwardQuant and calls fn with every layer's uint8
// output (NHWC, valid only during the call), the depthwise layers
// included: it runs each block unfused and on one thread, and allocates,
// so it is for inspecting and testing, not for the hot path.
func (r *Runner) TraceQuant(logits, out, rgb []uint8, fn func(l Layer, out []uint8)) error {
	if r.q == nil {
		return ErrNotQuantized
	}
	r.q.trace = fn
	defer func() { r.q.trace = nil }()
	return r.ForwardQuant(logits, out, rgb)
}

// Probabilities runs the model on rgb, Size×Size×3 bytes (NHWC, R,G,B),
// and writes the Classes() class probabilities into probs, whatever the
// model's precision: a float32 model scales the bytes to [-1, 1]
// (NormalizeRGB) and applies Softmax to its logits; a quantized one runs
// its integer network and returns TFLite's uint8 softmax output / 256.
// It allocates nothing.
func (r *Runner) Probabilities(probs []float32, rgb []uint8) error {
	if len(probs) != r.m.cfg.Classes || len(rgb) != r.m.InputLen() {
		return fmt.Errorf("%w: input %d (want %d), probabilities %d (want %d)",
			ErrShape, len(rgb), r.m.InputLen(), len(probs), r.m.cfg.Classes)
	}
	if r.q == nil {
		NormalizeRGB(r.input, rgb)
		r.forwardFused(r.logits, r.input)
		Softmax(probs, r.logits)
		return nil
	}
	r.forwardQuant(rgb)
	out := r.q.out
	r.m.q.softmax.Apply(out, r.q.logits)
	for i, v := range out {
		probs[i] = float32(v) / 256
	}
	return nil
}

func (r *Runner) forwardQuant(rgb []uint8) {
	q, m := r.q, r.m
	n := len(m.layers)
	traced := func(i int, out []uint8) {
		if q.trace != nil {
			q.trace(m.layers[i], out)
		}
	}
	t0 := &q.tasks[0]
	t0.src, t0.dst = rgb, q.buf[0][:m.layers[0].OutLen()]
	r.workers.Do(t0)
	traced(0, t0.dst)
	src := t0.dst
	for k := range q.blocks {
		b := &q.blocks[k]
		b.src, b.dst = src, q.buf[(k+1)%2][:m.layers[b.pw].OutLen()]
		if q.trace != nil {
			// Unfused, so that the depthwise output is held whole.
			dl := &m.layers[b.dw]
			full := make([]uint8, dl.OutLen())
			dwconv.ConvStripU8(full, src, m.q.dw[b.dw], b.shape, 0, dl.OutH)
			traced(b.dw, full)
			m.q.packed[b.pw].Apply(b.dst, full, dl.OutH*dl.OutW)
		} else {
			r.workers.Do(b)
		}
		traced(b.pw, b.dst)
		src = b.dst
		b.src, b.dst = nil, nil
	}
	pool, cls := &q.tasks[n-2], &q.tasks[n-1]
	pool.src, pool.dst = src, q.pooled
	r.workers.Do(pool)
	traced(n-2, q.pooled)
	cls.src, cls.dst = q.pooled, q.logits
	r.workers.Do(cls)
	traced(n-1, q.logits)
	t0.src, t0.dst, pool.src, pool.dst, cls.src, cls.dst = nil, nil, nil, nil, nil, nil
}

// quantBlockTask runs a uint8 depthwise layer and the pointwise layer
// after it, split by depthwise output rows.
type quantBlockTask struct {
	m        *Model
	dw, pw   int
	rows     int
	shape    dwconv.Shape
	src, dst []uint8
	strips   [][]uint8
}

func (t *quantBlockTask) Run(part, parts int) {
	dl, pl := &t.m.layers[t.dw], &t.m.layers[t.pw]
	lo, hi := workpool.Span(dl.OutH, part, parts, 1)
	strip := t.strips[part]
	pw := t.m.q.packed[t.pw]
	for r := lo; r < hi; r += t.rows {
		e := min(r+t.rows, hi)
		dwconv.ConvStripU8(strip, t.src, t.m.q.dw[t.dw], t.shape, r, e)
		pw.Apply(t.dst[r*pl.OutW*pl.OutC:], strip, (e-r)*dl.OutW)
	}
}

// quantLayerTask runs the first convolution, the pool or the classifier
// of a quantized model.
type quantLayerTask struct {
	m        *Model
	i        int
	src, dst []uint8
	strips   [][]uint8
}

func (t *quantLayerTask) Run(part, parts int) {
	l := &t.m.layers[t.i]
	switch l.Kind {
	case Conv:
		lo, hi := workpool.Span(l.OutH, part, parts, 1)
		strip := t.strips[part]
		for oy := lo; oy < hi; oy += stripRows {
			end := min(oy+stripRows, hi)
			im2colU8(strip, t.src, l, oy, end, t.m.q.xZero0)
			t.m.q.packed[t.i].Apply(t.dst[oy*l.OutW*l.OutC:], strip, (end-oy)*l.OutW)
		}
	case Pool:
		lo, hi := workpool.Span(l.InC, part, parts, 16)
		averagePoolU8(t.dst, t.src, l.InH*l.InW, l.InC, lo, hi)
	case Classifier:
		lo, hi := workpool.Span(l.OutC, part, parts, 64)
		t.m.q.packed[t.i].ApplyCols(t.dst, t.src, 1, lo, hi)
	}
}

// im2colU8 lays out the k×k×c input patches of output rows oy0..oy1−1 of
// a convolution, one row of im2colRow bytes per output pixel, with the
// taps in the padding and the row's tail set to the input's zero point
// (so they add nothing).
func im2colU8(dst, src []uint8, l *Layer, oy0, oy1 int, pad uint8) {
	k, c := l.Kernel, l.InC
	padTo := im2colRow(*l)
	i := 0
	for oy := oy0; oy < oy1; oy++ {
		for ox := range l.OutW {
			end := i + padTo
			iy0, ix0 := oy*l.Stride-l.PadTop, ox*l.Stride-l.PadLeft
			if k == 3 && c == 3 && padTo == 28 && iy0 >= 0 && ix0 >= 0 && iy0+2 < l.InH && ix0+2 < l.InW {
				// The usual first layer (3×3 over RGB), inside the
				// image: each kernel row is 9 contiguous input bytes,
				// copied as 8 + 1.
				o := dst[i : i+28 : i+28]
				for ky := range 3 {
					r := src[((iy0+ky)*l.InW+ix0)*3:]
					binary.LittleEndian.PutUint64(o[ky*9:], binary.LittleEndian.Uint64(r))
					o[ky*9+8] = r[8]
				}
				o[27] = pad
				i = end
				continue
			}
			for ky := range k {
				iy := oy*l.Stride - l.PadTop + ky
				for kx := range k {
					ix := ox*l.Stride - l.PadLeft + kx
					if iy < 0 || iy >= l.InH || ix < 0 || ix >= l.InW {
						for j := range c {
							dst[i+j] = pad
						}
					} else {
						copy(dst[i:i+c], src[(iy*l.InW+ix)*c:])
					}
					i += c
				}
			}
			for ; i < end; i++ {
				dst[i] = pad
			}
		}
	}
}

// averagePoolU8 is TFLite's uint8 average pool over the whole image for
// channels lo..hi−1: the rounded mean (Σx + n/2)/n of the raw bytes.
func averagePoolU8(dst, src []uint8, n, c, lo, hi int) {
	for ch := lo; ch < hi; ch++ {
		sum := 0
		for p := range n {
			sum += int(src[p*c+ch])
		}
		dst[ch] = uint8(min((sum+n/2)/n, 255))
	}
}
