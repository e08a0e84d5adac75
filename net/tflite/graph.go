package tflite

import (
	"errors"
	"fmt"
	"runtime"
	"slices"

	"github.com/livecam/livecam/net/internal/kernelenv"
	"github.com/livecam/livecam/net/internal/workpool"
	"github.com/livecam/livecam/net/quant"
	"github.com/livecam/livecam/net/ssd"
)

// TensorInfo describes one tensor of a Graph: its index in the file, its
// name, shape, element type and (uint8 tensors) quantization.
type TensorInfo struct {
	Index int
	Name  string
	Shape []int
	Type  Type
	Quant quant.Params
}

// ErrInputSize reports a Run whose input is not the size of the graph's
// input tensor.
var ErrInputSize = errors.New("input of the wrong size")

// MaxActivations bounds the memory a Graph's tensors may need per Runner;
// a file asking for more is refused when it is planned.
const MaxActivations = 512 << 20

// Graph is a TFLite uint8 graph planned to run: every operator checked,
// its weights packed for the kernels of the kernel path, its buffers laid out
// (tensors whose lives do not overlap share one; RESHAPE and SQUEEZE
// outputs are their inputs' bytes). It is immutable and safe for
// concurrent use; each goroutine runs it through its own Runner.
type Graph struct {
	name    string
	tensors []tensorPlan
	steps   []step
	input   int
	outputs []int
	path    kernelenv.Path // the kernel path the weights were packed for
	macs    int64
	scratch int // bytes of scratch per thread
	posts   []*ssd.PostProcess
	slots   []int // the sizes of the runner's uint8 buffers
}

// tensorPlan is one tensor as the plan sees it.
type tensorPlan struct {
	info  TensorInfo
	size  int    // elements
	konst []byte // a constant's data
	// root is the tensor whose buffer this one uses: itself when it has
	// its own, the input's root for a RESHAPE or SQUEEZE; −1 when no
	// operator reads or writes it.
	root      int
	float     bool
	written   bool // the graph input or an operator's output
	consumers int  // operator inputs and graph outputs that read it
	slot      int  // for a root uint8 activation: its buffer in the runner
}

// step is one operator of the plan.
type step struct {
	op       int
	name     string
	out      int  // its first output, for Trace
	float    bool // whose outputs are float32
	k        kernel
	parallel bool // worth splitting across threads
	// skip: the previous step (a depthwise convolution) computes this
	// pointwise convolution strip by strip, unless tracing.
	skip bool
}

// kernel runs one operator: part part of parts of it.
type kernel interface {
	run(r *Runner, part, parts int)
}

// LoadGraph reads a TFLite file and plans it (Plan).
func LoadGraph(path string) (*Graph, error) {
	f, err := ReadFile(path)
	if err != nil {
		return nil, err
	}
	return f.Plan()
}

// Plan checks every operator of the file and prepares the graph to run
// on the kernels of the kernel path: the one $LIVECAM_KERNELS names
// (case-insensitive), or the fastest this CPU runs; a value naming no
// path this machine runs is an error naming the valid ones (the table of
// paths is in net/mobilenet's documentation). The operators run in file order over tensors by
// index: CONV_2D (any kernel size and stride, SAME or VALID, any zero
// points, fused NONE, RELU, RELU_N1_TO_1 or RELU6), DEPTHWISE_CONV_2D,
// ADD, CONCATENATION, RESHAPE, SQUEEZE, LOGISTIC, AVERAGE_POOL_2D,
// SOFTMAX and the custom TFLite_Detection_PostProcess, all on uint8
// tensors with one scale and zero point each, in TensorFlow Lite's
// integer arithmetic. Anything else (another operator, float32 or int8
// activations, per-channel quantization, broadcasting, dilation) is
// refused with one line naming the operator.
func (f *File) Plan() (*Graph, error) {
	path, err := kernelenv.Current()
	if err != nil {
		return nil, err
	}
	p := &planner{f: f, g: &Graph{name: f.Name, path: path}}
	return p.plan()
}

// planner holds a plan under construction.
type planner struct {
	f *File
	g *Graph
}

func (p *planner) plan() (*Graph, error) {
	f, g := p.f, p.g
	if len(f.Inputs) != 1 || f.Inputs[0] < 0 {
		return nil, f.fail(-1, "%w: %d inputs (the graph runner takes one image)", ErrUnsupported, len(f.Inputs))
	}
	g.input = f.Inputs[0]
	g.tensors = make([]tensorPlan, len(f.Tensors))
	for i := range f.Tensors {
		t := &f.Tensors[i]
		tp := &g.tensors[i]
		tp.info = TensorInfo{Index: i, Name: t.Name, Shape: slices.Clone(t.Shape), Type: t.Type}
		tp.size = 1
		for _, d := range t.Shape {
			tp.size *= d
		}
		tp.root = -1
		if len(t.Data) > 0 {
			tp.konst = t.Data
			tp.root = i
		}
	}
	in := &g.tensors[g.input]
	if in.konst != nil {
		return nil, f.fail(-1, "%w: the input %q is a constant", ErrMalformed, in.info.Name)
	}
	in.written, in.root = true, g.input

	for i := range f.Operators {
		o := &f.Operators[i]
		if err := p.operator(i, o); err != nil {
			return nil, err
		}
	}

	// The input: one uint8 image, [1 H W C].
	if in.info.Type != Uint8 {
		return nil, f.fail(-1, "%w: the input %q is %s (the graph runner runs uint8 graphs)", ErrUnsupported, in.info.Name, in.info.Type)
	}
	if s := in.info.Shape; len(s) != 4 || s[0] != 1 || s[1] < 1 || s[2] < 1 || s[3] < 1 {
		return nil, f.fail(-1, "%w: input shape %v (want [1 H W C])", ErrUnsupported, s)
	}
	q, err := f.params(g.input)
	if err != nil {
		return nil, f.fail(-1, "input: %w", err)
	}
	in.info.Quant = q
	if len(f.Outputs) == 0 {
		return nil, f.fail(-1, "%w: the graph has no outputs", ErrUnsupported)
	}
	for _, t := range f.Outputs {
		if t < 0 || !g.tensors[t].written {
			return nil, f.fail(-1, "%w: output tensor %d is written by no operator", ErrUnsupported, t)
		}
		g.tensors[t].consumers++
		g.outputs = append(g.outputs, t)
	}
	p.fuse()
	p.share()
	if total := g.ActivationBytes(); total > MaxActivations {
		return nil, f.fail(-1, "%w: the tensors need %d MiB (more than %d)", ErrUnsupported, total>>20, MaxActivations>>20)
	}
	return g, nil
}

// opNames lists what the runner runs, for the refusal of anything else.
const opNames = "CONV_2D, DEPTHWISE_CONV_2D, ADD, CONCATENATION, RESHAPE, SQUEEZE, LOGISTIC, AVERAGE_POOL_2D, SOFTMAX, TFLite_Detection_PostProcess"

// operator plans operator i.
func (p *planner) operator(i int, o *Operator) error {
	f, g := p.f, p.g
	// Every input must be a constant or written before; every output is
	// written here once.
	for _, t := range o.Inputs {
		if t < 0 {
			continue
		}
		tp := &g.tensors[t]
		if tp.konst == nil && !tp.written {
			return f.fail(i, "%w: reads tensor %d %q before any operator writes it", ErrUnsupported, t, tp.info.Name)
		}
	}
	for _, t := range o.Outputs {
		if t < 0 {
			return f.fail(i, "%w: an output is absent", ErrMalformed)
		}
		tp := &g.tensors[t]
		switch {
		case tp.konst != nil:
			return f.fail(i, "%w: writes the constant tensor %d %q", ErrMalformed, t, tp.info.Name)
		case tp.written:
			return f.fail(i, "%w: writes tensor %d %q, which is already written", ErrMalformed, t, tp.info.Name)
		}
	}
	if len(o.Outputs) == 0 {
		return f.fail(i, "%w: no outputs", ErrMalformed)
	}
	s := step{op: i, name: o.Name, out: o.Outputs[0]}
	var err error
	switch {
	case o.Code == opConv2D:
		s.k, err = p.conv(i, o)
	case o.Code == opDepthwiseConv2D:
		s.k, err = p.depthwise(i, o)
	case o.Code == opAdd:
		s.k, err = p.add(i, o)
	case o.Code == opConcatenation:
		s.k, err = p.concat(i, o)
	case o.Code == opReshape || o.Code == opSqueeze:
		s.k, err = p.reshape(i, o)
	case o.Code == opLogistic:
		s.k, err = p.logistic(i, o)
	case o.Code == opAveragePool2D:
		s.k, err = p.pool(i, o)
	case o.Code == opSoftmax:
		s.k, err = p.softmax(i, o)
	case o.Code == opCustom && o.CustomCode == "TFLite_Detection_PostProcess":
		s.k, err = p.postprocess(i, o)
		s.float = true
	default:
		return f.fail(i, "%w operator (the graph runner runs %s)", ErrUnsupported, opNames)
	}
	if err != nil {
		return err
	}
	for _, t := range o.Inputs {
		if t >= 0 {
			g.tensors[t].consumers++
		}
	}
	for _, t := range o.Outputs {
		tp := &g.tensors[t]
		tp.written = true
		if tp.root < 0 {
			tp.root = t
		}
	}
	s.parallel = parallel(s.k)
	g.steps = append(g.steps, s)
	return nil
}

// fuse lets each depthwise convolution on the dwconv kernels compute the
// pointwise convolution that follows it strip by strip, as net/mobilenet
// does, when that convolution is its output's only reader: the depthwise
// output then stays in cache.
func (p *planner) fuse() {
	g := p.g
	for i := 0; i+1 < len(g.steps); i++ {
		d, ok := g.steps[i].k.(*dwOp)
		if !ok {
			continue
		}
		c, ok := g.steps[i+1].k.(*convOp)
		if !ok || !c.direct || c.in != d.out || g.tensors[d.out].consumers != 1 {
			continue
		}
		d.pw = c
		d.rows = min(d.shape.OutH, (96+d.shape.OutW-1)/d.shape.OutW)
		g.scratch = max(g.scratch, d.rows*d.shape.OutW*d.shape.C)
		g.steps[i+1].skip = true
		i++
	}
}

// u8 checks that tensor t, operand role of operator i, is a uint8 tensor
// with per-tensor quantization and returns that.
func (p *planner) u8(i, t int, role string) (*tensorPlan, quant.Params, error) {
	f := p.f
	if t < 0 || t >= len(p.g.tensors) {
		return nil, quant.Params{}, f.fail(i, "%w: the %s is absent", ErrMalformed, role)
	}
	tp := &p.g.tensors[t]
	if tp.info.Type != Uint8 {
		return nil, quant.Params{}, f.fail(i, "%w: the %s %q is %s (the graph runner runs uint8 tensors)", ErrUnsupported, role, tp.info.Name, tp.info.Type)
	}
	if tp.size < 1 {
		return nil, quant.Params{}, f.fail(i, "%w: the %s %q has shape %v", ErrUnsupported, role, tp.info.Name, tp.info.Shape)
	}
	q, err := f.params(t)
	if err != nil {
		return nil, quant.Params{}, f.fail(i, "%s: %w", role, err)
	}
	tp.info.Quant = q
	return tp, q, nil
}

// operands checks that operator i has minIn to maxIn inputs and one
// output (want, when not empty, says what is wanted, in the error) and
// that its first input and its output are uint8 tensors with per-tensor
// quantization, and returns those two with their quantization.
func (p *planner) operands(i int, o *Operator, minIn, maxIn int, want string) (in *tensorPlan, inQ quant.Params, out *tensorPlan, outQ quant.Params, err error) {
	if n := len(o.Inputs); n < minIn || n > maxIn || len(o.Outputs) != 1 {
		if want != "" {
			err = p.f.fail(i, "%w: %d inputs and %d outputs (want %s)", ErrMalformed, len(o.Inputs), len(o.Outputs), want)
		} else {
			err = p.f.fail(i, "%w: %d inputs and %d outputs", ErrMalformed, len(o.Inputs), len(o.Outputs))
		}
		return nil, quant.Params{}, nil, quant.Params{}, err
	}
	if in, inQ, err = p.u8(i, o.Inputs[0], "input"); err != nil {
		return nil, quant.Params{}, nil, quant.Params{}, err
	}
	if out, outQ, err = p.u8(i, o.Outputs[0], "output"); err != nil {
		return nil, quant.Params{}, nil, quant.Params{}, err
	}
	return in, inQ, out, outQ, nil
}

// image returns the dimensions of a [1 H W C] tensor.
func image(tp *tensorPlan) (h, w, c int, ok bool) {
	s := tp.info.Shape
	if len(s) != 4 || s[0] != 1 {
		return 0, 0, 0, false
	}
	return s[1], s[2], s[3], true
}

// activation maps a fused activation to net/quant's.
func (p *planner) activation(i int, a Activation) (quant.Activation, error) {
	switch a {
	case NoActivation:
		return quant.None, nil
	case ReLU:
		return quant.ReLU, nil
	case ReLUN1To1:
		return quant.ReLUN1To1, nil
	case ReLU6:
		return quant.ReLU6, nil
	}
	return 0, p.f.fail(i, "%w: fused activation %s", ErrUnsupported, a)
}

// outSize returns TFLite's output size and leading padding of a window
// of k taps with stride s over in values (ComputePaddingHeightWidth).
func outSize(in, k, s int, pad Padding) (out, before int) {
	if pad == Same {
		out = (in + s - 1) / s
	} else {
		out = (in - k + s) / s
	}
	total := max((out-1)*s+k-in, 0)
	return out, total / 2
}

// window checks a convolution's or pool's strides, padding and output
// size against TFLite's and returns the output size and leading pads.
func (p *planner) window(i int, o *Operator, inH, inW, kh, kw, outH, outW int) (padTop, padLeft int, err error) {
	f := p.f
	if o.StrideH < 1 || o.StrideW < 1 || o.StrideH > inH+kh || o.StrideW > inW+kw {
		return 0, 0, f.fail(i, "%w: stride %dx%d", ErrMalformed, o.StrideH, o.StrideW)
	}
	if o.DilationH != 1 || o.DilationW != 1 {
		return 0, 0, f.fail(i, "%w: dilation %dx%d (the graph runner runs dilation 1)", ErrUnsupported, o.DilationH, o.DilationW)
	}
	if o.Padding != Same && o.Padding != Valid {
		return 0, 0, f.fail(i, "%w: padding %d", ErrMalformed, o.Padding)
	}
	if kh < 1 || kw < 1 || (o.Padding == Valid && (kh > inH || kw > inW)) {
		return 0, 0, f.fail(i, "%w: a %dx%d window over %dx%d", ErrMalformed, kh, kw, inH, inW)
	}
	oh, pt := outSize(inH, kh, o.StrideH, o.Padding)
	ow, pl := outSize(inW, kw, o.StrideW, o.Padding)
	if oh != outH || ow != outW {
		return 0, 0, f.fail(i, "%w: output %dx%d, but a %dx%d window with stride %dx%d over %dx%d gives %dx%d",
			ErrMalformed, outH, outW, kh, kw, o.StrideH, o.StrideW, inH, inW, oh, ow)
	}
	return pt, pl, nil
}

// weights returns operator i's constant uint8 filter (input 1) with its
// quantization, checking its shape.
func (p *planner) weights(i int, o *Operator, want []int) ([]uint8, quant.Params, error) {
	f := p.f
	if len(o.Inputs) < 2 || o.Inputs[1] < 0 {
		return nil, quant.Params{}, f.fail(i, "%w: no weights", ErrMalformed)
	}
	t := &f.Tensors[o.Inputs[1]]
	if t.Type != Uint8 || len(t.Data) == 0 || !slices.Equal(t.Shape, want) {
		return nil, quant.Params{}, f.fail(i, "%w: weights %q are %s %v (want constant UINT8 %v)", ErrUnsupported, t.Name, t.Type, t.Shape, want)
	}
	q, err := f.params(o.Inputs[1])
	if err != nil {
		return nil, quant.Params{}, f.fail(i, "weights: %w", err)
	}
	return t.Data, q, nil
}

// bias returns operator i's int32 bias (input 2), zeros when absent.
func (p *planner) bias(i int, o *Operator, n int) ([]int32, error) {
	f := p.f
	b := make([]int32, n)
	if len(o.Inputs) < 3 || o.Inputs[2] < 0 {
		return b, nil
	}
	t := &f.Tensors[o.Inputs[2]]
	if t.Type != Int32 || len(t.Data) == 0 || !slices.Equal(t.Shape, []int{n}) {
		return nil, f.fail(i, "%w: bias %q is %s %v (want constant INT32 [%d])", ErrUnsupported, t.Name, t.Type, t.Shape, n)
	}
	for j := range b {
		b[j] = int32(uint32(t.Data[4*j]) | uint32(t.Data[4*j+1])<<8 | uint32(t.Data[4*j+2])<<16 | uint32(t.Data[4*j+3])<<24)
	}
	return b, nil
}

// Input describes the graph's input tensor: uint8, [1 H W C].
func (g *Graph) Input() TensorInfo { return g.info(g.input) }

// Outputs describes the graph's outputs, in the file's order.
func (g *Graph) Outputs() []TensorInfo {
	out := make([]TensorInfo, len(g.outputs))
	for i, t := range g.outputs {
		out[i] = g.info(t)
	}
	return out
}

// Tensor describes tensor t of the file (the shape as planned: the
// postprocess outputs have theirs).
func (g *Graph) Tensor(t int) TensorInfo { return g.info(t) }

func (g *Graph) info(t int) TensorInfo {
	ti := g.tensors[t].info
	ti.Shape = slices.Clone(ti.Shape)
	return ti
}

// Operators returns the number of operators.
func (g *Graph) Operators() int { return len(g.steps) }

// KernelName names the kernels the graph runs on: the uint8 pointwise
// kernel and the depthwise one of its kernel path, such as
// "avx512-vnni+avx512" (a layer the SIMD kernel cannot take runs on the
// portable one).
func (g *Graph) KernelName() string {
	return g.path.Kernel(kernelenv.U8Pointwise) + "+" + g.path.Kernel(kernelenv.U8Depthwise)
}

// MACs returns the multiply-accumulates of one run: those of the
// convolutions and depthwise convolutions.
func (g *Graph) MACs() int64 { return g.macs }

// Runner runs a Graph with its own buffers. It is not safe for
// concurrent use: use one per goroutine.
type Runner struct {
	g       *Graph
	bufs    [][]uint8   // by tensor: uint8 buffers, constants' data, aliases
	floats  [][]float32 // by tensor: float32 buffers
	scratch [][]uint8   // per thread
	works   []*ssd.Work // per postprocess
	workers *workpool.Pool
	tasks   []opTask
	trace   func(op int, name string, out []uint8)
}

// opTask adapts one step to the worker pool.
type opTask struct {
	r *Runner
	k kernel
}

func (t *opTask) Run(part, parts int) { t.k.run(t.r, part, parts) }

// NewRunner returns a Runner with its own buffers that splits the large
// operators across threads goroutines (the calling one included);
// threads < 1 means GOMAXPROCS. Close stops them.
func (g *Graph) NewRunner(threads int) *Runner {
	if threads < 1 {
		threads = runtime.GOMAXPROCS(0)
	}
	r := &Runner{g: g, workers: workpool.New(threads)}
	r.bufs = make([][]uint8, len(g.tensors))
	r.floats = make([][]float32, len(g.tensors))
	slots := make([][]uint8, len(g.slots))
	for i, n := range g.slots {
		slots[i] = make([]uint8, n)
	}
	for i := range g.tensors {
		t := &g.tensors[i]
		switch {
		case t.root != i:
		case t.konst != nil:
			r.bufs[i] = t.konst
		case t.float:
			r.floats[i] = make([]float32, t.size)
		default:
			r.bufs[i] = slots[t.slot][:t.size]
		}
	}
	for i := range g.tensors {
		if t := &g.tensors[i]; t.root >= 0 && t.root != i {
			r.bufs[i] = r.bufs[t.root][:t.size]
		}
	}
	for range threads {
		r.scratch = append(r.scratch, make([]uint8, g.scratch))
	}
	for _, p := range g.posts {
		r.works = append(r.works, p.NewWork())
	}
	r.tasks = make([]opTask, len(g.steps))
	for i := range g.steps {
		r.tasks[i] = opTask{r: r, k: g.steps[i].k}
	}
	return r
}

// Threads returns the number of goroutines the runner splits work over.
func (r *Runner) Threads() int { return r.workers.Size() }

// Run runs the graph on input, the bytes of the input tensor (for an
// image model, H×W×C bytes, NHWC); the outputs are then in OutputUint8
// and OutputFloat32. It allocates nothing.
func (r *Runner) Run(input []uint8) error {
	g := r.g
	in := r.bufs[g.input]
	if len(input) != len(in) {
		t := &g.tensors[g.input].info
		return &Error{File: g.name, Err: fmt.Errorf("%w: %d bytes, want %d (%s %v)", ErrInputSize, len(input), len(in), t.Type, t.Shape)}
	}
	copy(in, input)
	for i := range g.steps {
		s := &g.steps[i]
		if s.skip && r.trace == nil {
			continue
		}
		if s.parallel && r.workers.Size() > 1 {
			r.workers.Do(&r.tasks[i])
		} else {
			s.k.run(r, 0, 1)
		}
		if r.trace != nil {
			var out []uint8
			if !s.float {
				out = r.bufs[s.out]
			}
			r.trace(s.op, s.name, out)
		}
	}
	return nil
}

// Trace makes the following Runs call fn after each operator, in file
// order, with its (first) output's bytes, valid during the call (nil for
// the postprocess, whose float32 outputs Float32 gives). While a trace is
// set, a depthwise convolution and the pointwise one it feeds run one
// after the other rather than strip by strip, so that every operator's
// output is whole. Trace(nil) turns tracing off. It is for inspecting
// and testing: fn may allocate.
func (r *Runner) Trace(fn func(op int, name string, out []uint8)) { r.trace = fn }

// Uint8 returns uint8 tensor t's buffer (a constant's data, which must
// not be modified; nil for a float32 tensor). After Run it holds the
// tensor's bytes for the graph's outputs and for every tensor that the
// operators after its last reader do not reuse the buffer of: tensors
// whose lives do not overlap share buffers. During a Trace callback, the
// operator's inputs and output hold theirs.
func (r *Runner) Uint8(t int) []uint8 { return r.bufs[t] }

// Float32 returns float32 tensor t (the postprocess outputs), nil for
// another type.
func (r *Runner) Float32(t int) []float32 { return r.floats[t] }

// OutputUint8 returns the graph's output i when it is uint8, else nil.
func (r *Runner) OutputUint8(i int) []uint8 { return r.bufs[r.g.outputs[i]] }

// OutputFloat32 returns the graph's output i when it is float32, else nil.
func (r *Runner) OutputFloat32(i int) []float32 { return r.floats[r.g.outputs[i]] }

// Close stops the runner's goroutines. The runner must not be used
// afterwards.
func (r *Runner) Close() { r.workers.Close() }

// share gives the uint8 activations buffers ("slots") that tensors whose
// lives do not overlap share, so that the runner's memory stays small
// and warm in the caches, as net/mobilenet's two alternating buffers
// are. A tensor lives from the step that writes it to the last step that
// reads it (through any RESHAPE of it); the graph's outputs to the end.
// A step's outputs never share with its inputs: they are given buffers
// before its inputs' are freed. A fused depthwise step writes the
// pointwise step's output while it reads its own input, so the pair is
// one step here.
func (p *planner) share() {
	g, f := p.g, p.f
	n := len(g.steps)
	last := make([]int, len(g.tensors))
	for i := range last {
		last[i] = -1
	}
	for i := range g.steps {
		for _, t := range f.Operators[g.steps[i].op].Inputs {
			if t >= 0 {
				r := g.tensors[t].root
				last[r] = max(last[r], i)
			}
		}
	}
	for _, t := range g.outputs {
		last[g.tensors[t].root] = n
	}
	var free []int // free slots
	take := func(size int) int {
		best := -1
		for j, s := range free {
			if g.slots[s] >= size && (best < 0 || g.slots[s] < g.slots[free[best]]) {
				best = j
			}
		}
		if best < 0 {
			g.slots = append(g.slots, size)
			return len(g.slots) - 1
		}
		s := free[best]
		free = append(free[:best], free[best+1:]...)
		return s
	}
	owned := func(t int) bool {
		tp := &g.tensors[t]
		return tp.root == t && tp.konst == nil && !tp.float
	}
	in := g.input
	g.tensors[in].slot = take(g.tensors[in].size)
	for i := range g.steps {
		if g.steps[i].skip {
			continue
		}
		// The outputs of this step (and of the step it computes).
		steps := []int{i}
		if i+1 < n && g.steps[i+1].skip {
			steps = append(steps, i+1)
		}
		for _, k := range steps {
			for _, t := range f.Operators[g.steps[k].op].Outputs {
				if owned(t) {
					g.tensors[t].slot = take(g.tensors[t].size)
				}
			}
		}
		// Free what is read for the last time, or never read.
		end := steps[len(steps)-1]
		for _, k := range steps {
			op := &f.Operators[g.steps[k].op]
			for _, t := range append(slices.Clip(op.Inputs), op.Outputs...) {
				if t < 0 {
					continue
				}
				r := g.tensors[t].root // through a RESHAPE
				if r >= 0 && owned(r) && last[r] <= end && !slices.Contains(free, g.tensors[r].slot) {
					free = append(free, g.tensors[r].slot)
				}
			}
		}
	}
}

// ActivationBytes returns the bytes of a runner's tensor buffers (the
// uint8 ones, shared by tensors whose lives do not overlap, and the
// float32 outputs), besides its per-thread scratch.
func (g *Graph) ActivationBytes() int {
	total := 0
	for _, n := range g.slots {
		total += n
	}
	for i := range g.tensors {
		if t := &g.tensors[i]; t.root == i && t.float {
			total += 4 * t.size
		}
	}
	return total
}
