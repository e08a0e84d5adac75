package mobilenet

import (
	"errors"
	"fmt"
	"runtime"
	"strconv"

	"github.com/livecam/livecam/net/dwconv"
	"github.com/livecam/livecam/net/internal/kernelenv"
	"github.com/livecam/livecam/net/internal/workpool"
	"github.com/livecam/livecam/net/pwconv"
)

// Model is a MobileNet V1 ready to run: BatchNorm folded into every
// convolution, weights packed for the kernels. A Model is immutable and
// safe for concurrent use; each goroutine runs it through its own Runner.
type Model struct {
	cfg    Config
	layers []Layer
	labels *Labels
	name   string
	// Per layer, indexed like layers: packed matrices for the first conv
	// (after im2col), the pointwise layers and the classifier; prepared
	// weights for the depthwise layers.
	packed []*pwconv.Weights
	dw     []*dwconv.Weights
	// maxAct is the largest activation any layer writes, in values.
	maxAct int
	// q is the integer network of a quantized model, nil for float32.
	q *quantNet
	// path is the kernel path the weights were packed for.
	path kernelenv.Path
}

// NewModel folds each BatchNorm into its convolution and packs the weights
// for the kernel path (see KernelPath). It fails when $LIVECAM_KERNELS
// names no kernel path this machine runs.
// w is not modified and may be discarded afterwards.
func NewModel(w *Weights) (*Model, error) {
	f, err := Fold(w)
	if err != nil {
		return nil, err
	}
	return NewFoldedModel(f)
}

// Fold folds each BatchNorm of w into its convolution, the first step of
// NewModel (and what an inference format such as TFLite stores). w is not
// modified.
func Fold(w *Weights) (*FoldedWeights, error) {
	if err := w.Check(); err != nil {
		return nil, err
	}
	f := &FoldedWeights{Config: w.Config, Labels: w.Labels}
	for _, l := range w.Config.Layers() {
		var kernel []float32
		switch l.Kind {
		case Conv, Pointwise:
			kernel = w.Tensors[l.Name+"/kernel"]
		case Depthwise:
			kernel = w.Tensors[l.Name+"/depthwise_kernel"]
		case Classifier:
			f.Layers = append(f.Layers, FoldedLayer{Kernel: w.Tensors[l.Name+"/kernel"], Bias: w.Tensors[l.Name+"/bias"]})
			continue
		default:
			continue
		}
		bn := l.Name + "_bn/"
		fw, fb, err := FoldBatchNorm(kernel, w.Tensors[bn+"gamma"], w.Tensors[bn+"beta"],
			w.Tensors[bn+"moving_mean"], w.Tensors[bn+"moving_variance"], w.BatchNormEpsilon(l.Name+"_bn"))
		if err != nil {
			return nil, fmt.Errorf("%s: %v", l.Name+"_bn", err)
		}
		f.Layers = append(f.Layers, FoldedLayer{Kernel: fw, Bias: fb})
	}
	return f, nil
}

// labelsFor returns l, checked against the number of classes, or generic
// names when l is nil: made once, so that naming a class never allocates
// on the hot path.
func labelsFor(l *Labels, classes int) (*Labels, error) {
	if l == nil {
		l = &Labels{Names: make([]string, classes)}
		for i := range l.Names {
			l.Names[i] = "class " + strconv.Itoa(i)
		}
		return l, nil
	}
	if len(l.Names) != classes {
		return nil, fmt.Errorf("%d labels for %d classes", len(l.Names), classes)
	}
	return l, nil
}

// FoldedLayer is one convolution with its BatchNorm already folded in, as
// inference formats such as TFLite store it. Kernel is in Keras' layout:
// [kh][kw][in][out] for the first convolution, the pointwise layers and
// the classifier ([in][out]), [kh][kw][c] for a depthwise layer.
type FoldedLayer struct {
	Kernel, Bias []float32
}

// FoldedWeights is a float32 MobileNet V1 whose BatchNorms are folded:
// Layers are the 28 convolutions in the order of Config.Layers() without
// the pool.
type FoldedWeights struct {
	Config Config
	Layers []FoldedLayer
	// Labels names the classes; nil for generic names.
	Labels *Labels
	// Name is the model's name; empty for Config.Name().
	Name string
}

// NewFoldedModel packs float32 weights whose BatchNorms are already folded
// (from a TFLite file, say) for the kernel path (see KernelPath; a
// $LIVECAM_KERNELS naming no path this machine runs is an error). It
// checks every layer's size; f is not modified and may be discarded
// afterwards.
func NewFoldedModel(f *FoldedWeights) (*Model, error) {
	path, err := kernelenv.Current()
	if err != nil {
		return nil, err
	}
	if err := f.Config.Validate(); err != nil {
		return nil, err
	}
	layers := f.Config.Layers()
	if len(f.Layers) != len(layers)-1 {
		return nil, fmt.Errorf("%d convolutions, want %d", len(f.Layers), len(layers)-1)
	}
	labels, err := labelsFor(f.Labels, f.Config.Classes)
	if err != nil {
		return nil, err
	}
	name := f.Name
	if name == "" {
		name = f.Config.Name()
	}
	m := &Model{cfg: f.Config, layers: layers, labels: labels, name: name, path: path,
		packed: make([]*pwconv.Weights, len(layers)), dw: make([]*dwconv.Weights, len(layers))}
	k := 0
	for i, l := range layers {
		m.maxAct = max(m.maxAct, l.OutLen(), l.InLen())
		if l.Kind == Pool {
			continue
		}
		fl := f.Layers[k]
		k++
		if len(fl.Bias) != l.OutC || len(fl.Kernel) != int(l.Params()) {
			return nil, fmt.Errorf("%s: %d weights and %d biases, want %d and %d", l.Name, len(fl.Kernel), len(fl.Bias), l.Params(), l.OutC)
		}
		if l.Kind == Depthwise {
			d, err := dwconv.Prepare(fl.Kernel, fl.Bias, l.OutC)
			if err != nil {
				return nil, fmt.Errorf("%s: %v", l.Name, err)
			}
			m.dw[i] = d
			continue
		}
		p, err := pwconv.Pack(fl.Kernel, fl.Bias, l.Kernel*l.Kernel*l.InC, l.OutC)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", l.Name, err)
		}
		m.packed[i] = p
	}
	return m, nil
}

// Config returns the variant the model implements.
func (m *Model) Config() Config { return m.cfg }

// Name returns the model's conventional name, such as "mobilenet_v1_0.75_224".
func (m *Model) Name() string { return m.name }

// Labels returns the class labels; a model that came without labels has
// the names "class 0", "class 1", ... and no WordNet ids.
func (m *Model) Labels() *Labels { return m.labels }

// Layers returns a copy of the model's layer descriptions.
func (m *Model) Layers() []Layer { return append([]Layer(nil), m.layers...) }

// InputLen returns the number of float32 values Forward reads:
// Size×Size×3, an NHWC RGB image scaled to [-1, 1].
func (m *Model) InputLen() int { return m.cfg.Size * m.cfg.Size * 3 }

// Classes returns the number of logits Forward writes.
func (m *Model) Classes() int { return m.cfg.Classes }

// Runner runs a Model on one goroutine at a time. It owns every buffer the
// forward pass needs, allocated once by NewRunner, and a fixed pool of
// worker goroutines that split each layer between them. Close releases the
// workers.
type Runner struct {
	m       *Model
	buf     [2][]float32
	pooled  []float32
	workers *workpool.Pool
	tasks   []layerTask
	trace   func(Layer, []float32)
	// strips holds one im2col strip of the first layer per worker.
	strips [][]float32
	// blocks are the 13 depthwise+pointwise pairs, fused.
	blocks []blockTask
	// dwStrips holds, per worker, the few depthwise output rows a fused
	// block hands to its pointwise layer.
	dwStrips [][]float32
	// q runs a quantized model; nil for float32 ones.
	q *quantRunner
	// input and logits are Probabilities' scratch for a float32 model.
	input, logits []float32
	// mid holds the whole depthwise output of a block split by columns.
	mid []float32
}

// NewRunner returns a Runner that splits each layer across threads
// goroutines (the calling one included); threads < 1 means GOMAXPROCS.
func (m *Model) NewRunner(threads int) *Runner {
	if threads < 1 {
		threads = runtime.GOMAXPROCS(0)
	}
	r := &Runner{m: m, workers: workpool.New(threads)}
	if m.q != nil {
		r.q = newQuantRunner(m, threads)
		return r
	}
	r.input, r.logits = make([]float32, m.InputLen()), make([]float32, m.cfg.Classes)
	r.buf[0] = make([]float32, m.maxAct)
	r.buf[1] = make([]float32, m.maxAct)
	r.pooled = make([]float32, m.layers[len(m.layers)-1].InC)
	r.tasks = make([]layerTask, len(m.layers))
	for i := range m.layers {
		r.tasks[i] = layerTask{m: m, i: i, strips: r.strips}
	}
	l := m.layers[0]
	for range threads {
		r.strips = append(r.strips, make([]float32, stripRows*l.OutW*l.Kernel*l.Kernel*l.InC))
	}
	for i := range r.tasks {
		r.tasks[i].strips = r.strips
	}
	stripLen, midLen := 0, 0
	for i, l := range m.layers {
		if l.Kind != Depthwise {
			continue
		}
		// Enough rows for about 96 pixels: the pointwise product then
		// works on whole 12-row tiles, while the strip stays in cache.
		rows := min(l.OutH, (96+l.OutW-1)/l.OutW)
		b := blockTask{m: m, dw: i, pw: i + 1, rows: rows,
			shape: dwconv.Shape{InH: l.InH, InW: l.InW, C: l.InC, Stride: l.Stride,
				OutH: l.OutH, OutW: l.OutW, PadTop: l.PadTop, PadLeft: l.PadLeft}}
		b.chunks = (l.OutH + rows - 1) / rows
		if threads > 1 && l.OutH*l.OutW <= byColumnsPixels {
			b.byColumns = true
			b.chunks = m.packed[i+1].Panels()
			midLen = max(midLen, l.OutLen())
		}
		r.blocks = append(r.blocks, b)
		stripLen = max(stripLen, b.rows*l.OutW*l.OutC)
	}
	r.mid = make([]float32, midLen)
	for range threads {
		r.dwStrips = append(r.dwStrips, make([]float32, stripLen))
	}
	for i := range r.blocks {
		r.blocks[i].strips = r.dwStrips
	}
	return r
}

// Threads returns the number of goroutines the runner uses per layer.
func (r *Runner) Threads() int { return r.workers.Size() }

// Close stops the runner's worker goroutines. The runner must not be used
// afterwards.
func (r *Runner) Close() { r.workers.Close() }

// ErrShape reports a Forward call whose slices do not fit the model.
var ErrShape = errors.New("net: slice length does not match the model")

// Forward runs the network on input, an NHWC RGB image of Size×Size pixels
// with values in [-1, 1] (see InputLen), and writes the Classes() logits
// into logits (apply Softmax for probabilities). It allocates nothing.
func (r *Runner) Forward(logits, input []float32) error {
	if r.q != nil {
		return ErrQuantized
	}
	if len(input) != r.m.InputLen() || len(logits) != r.m.cfg.Classes {
		return fmt.Errorf("%w: input %d (want %d), logits %d (want %d)",
			ErrShape, len(input), r.m.InputLen(), len(logits), r.m.cfg.Classes)
	}
	r.forwardFused(logits, input)
	return nil
}

// forwardFused runs the network with each depthwise layer fused to the
// pointwise layer after it: a worker computes a strip of depthwise rows
// into its own small buffer and multiplies it by the pointwise weights at
// once, so there is no barrier between the two and the depthwise output
// never leaves the cache.
func (r *Runner) forwardFused(logits, input []float32) {
	n := len(r.m.layers)
	run := func(t workpool.Task) { r.workers.Do(t) }
	traced := func(i int, out []float32) {
		if r.trace != nil {
			r.trace(r.m.layers[i], out)
		}
	}
	t0 := &r.tasks[0]
	t0.src, t0.dst = input, r.buf[0][:r.m.layers[0].OutLen()]
	l0 := &r.m.layers[0]
	r.workers.DoChunks(t0, (l0.OutH+stripRows-1)/stripRows)
	traced(0, t0.dst)
	src := t0.dst
	for k := range r.blocks {
		b := &r.blocks[k]
		b.src, b.dst = src, r.buf[(k+1)%2][:r.m.layers[b.pw].OutLen()]
		if b.byColumns {
			// The depthwise layer a row per chunk, then the
			// pointwise one a column panel per chunk.
			b.mid, b.phase = r.mid, 0
			r.workers.DoChunks(b, r.m.layers[b.dw].OutH)
			b.phase = 1
			r.workers.DoChunks(b, b.chunks)
			b.mid = nil
		} else {
			r.workers.DoChunks(b, b.chunks)
		}
		traced(b.pw, b.dst)
		src = b.dst
		b.src, b.dst = nil, nil
	}
	pool, cls := &r.tasks[n-2], &r.tasks[n-1]
	pool.src, pool.dst = src, r.pooled
	run(pool)
	traced(n-2, r.pooled)
	cls.src, cls.dst = r.pooled, logits
	run(cls)
	traced(n-1, logits)
	t0.src, t0.dst, pool.src, pool.dst, cls.src, cls.dst = nil, nil, nil, nil, nil, nil
}

// byColumnsPixels is the largest layer, in pixels, whose fused block is
// split by output columns rather than rows (the 14×14 and 7×7 layers of
// a 224 model). Such a layer has few rows and many weights: split by
// rows, every worker would stream all of the pointwise weights, and 7 or
// 14 rows do not divide evenly; split by column panels, each worker
// streams only the panels it claims, over a depthwise output it computes
// whole (a row per chunk, into the runner's mid buffer) before the
// pointwise layer starts. On one thread the fused strips, which keep the
// depthwise output in cache, are faster, and give the same bits.
const byColumnsPixels = 14 * 14

// blockTask runs a depthwise layer and the pointwise layer after it. Its
// chunks are strips of rows depthwise rows, or, for a layer split by
// columns, the depthwise layer's rows (phase 0) and then the pointwise
// layer's column panels (phase 1). The chunks depend on the
// layer alone, not on the number of workers or which worker claims them,
// so the results are the same bits at any thread count.
type blockTask struct {
	m         *Model
	dw, pw    int // layer indices
	rows      int // depthwise rows per strip
	chunks    int
	byColumns bool
	phase     int       // byColumns only: 0 depthwise, 1 pointwise
	mid       []float32 // byColumns only: the depthwise output
	shape     dwconv.Shape
	src, dst  []float32
	strips    [][]float32 // one per worker
}

func (t *blockTask) RunChunk(chunk, worker int) {
	dl, pl := &t.m.layers[t.dw], &t.m.layers[t.pw]
	strip := t.strips[worker]
	pw := t.m.packed[t.pw]
	if t.byColumns {
		if t.phase == 0 {
			row := dl.OutW * dl.OutC
			dwconv.ConvStrip(t.mid[chunk*row:], t.src, t.m.dw[t.dw], t.shape, chunk, chunk+1)
			return
		}
		pw.ApplyPanels(t.dst, t.mid, 0, dl.OutH*dl.OutW, chunk, chunk+1, pwconv.ReLU6)
		return
	}
	r := chunk * t.rows
	e := min(r+t.rows, dl.OutH)
	dwconv.ConvStrip(strip, t.src, t.m.dw[t.dw], t.shape, r, e)
	pw.Apply(t.dst[r*pl.OutW*pl.OutC:], strip, 0, (e-r)*dl.OutW, pwconv.ReLU6)
}

// Trace runs Forward, the same computation, and calls fn with each
// layer's output that the forward pass holds in full (NHWC, valid only
// during the call): the first convolution, each pointwise layer, the
// pool and the classifier. A depthwise layer's output is not reported:
// most are fused with the pointwise layer after it, a few rows at a time,
// and never held whole. Trace is for inspecting and testing, not
// for the hot path.
func (r *Runner) Trace(logits, input []float32, fn func(l Layer, out []float32)) error {
	r.trace = fn
	defer func() { r.trace = nil }()
	return r.Forward(logits, input)
}

// layerTask runs a layer that is not fused (the first convolution, the
// pool, the classifier), split between the workers.
type layerTask struct {
	m        *Model
	i        int
	src, dst []float32
	strips   [][]float32
}

// RunChunk runs strip chunk (stripRows output rows) of the first
// convolution on worker's im2col strip.
func (t *layerTask) RunChunk(chunk, worker int) {
	l := &t.m.layers[t.i]
	oy := chunk * stripRows
	end := min(oy+stripRows, l.OutH)
	strip := t.strips[worker]
	if w := t.m.packed[t.i]; l.InC == 3 && l.Kernel == 3 && w.CanApplyPatches3() {
		conv3Patches(t.dst, t.src, strip, l, w, oy, end)
		return
	}
	im2col(strip, t.src, l, oy, end)
	t.m.packed[t.i].Apply(t.dst[oy*l.OutW*l.OutC:], strip, 0, (end-oy)*l.OutW, pwconv.ReLU6)
}

// Run runs part of the pool or the classifier.
func (t *layerTask) Run(part, parts int) {
	l := &t.m.layers[t.i]
	switch l.Kind {
	case Pool:
		lo, hi := workpool.Span(l.InC, part, parts, 16)
		averagePool(t.dst, t.src, l.InH*l.InW, l.InC, lo, hi)
	case Classifier:
		// One row: split the columns, so each thread streams its share
		// of the weights.
		w := t.m.packed[t.i]
		lo, hi := workpool.Span(w.Panels(), part, parts, 1)
		w.ApplyPanels(t.dst, t.src, 0, 1, lo, hi, pwconv.Linear)
	}
}

// ScratchBytes returns the memory the runner holds for a forward pass: its
// two activation buffers, the pooled vector, the first layer's im2col
// strips, the fused blocks' depthwise strips and the depthwise output of
// the blocks split by columns.
func (r *Runner) ScratchBytes() int {
	n := len(r.buf[0]) + len(r.buf[1]) + len(r.pooled) + len(r.mid)
	for _, s := range r.strips {
		n += len(s)
	}
	for _, s := range r.dwStrips {
		n += len(s)
	}
	return 4 * n
}
