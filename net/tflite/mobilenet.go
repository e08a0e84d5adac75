package tflite

import (
	"encoding/binary"
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"strings"

	"github.com/livecam/livecam/net/mobilenet"
	"github.com/livecam/livecam/net/quant"
)

// Load reads a TFLite MobileNet V1 file, quantized (uint8) or float32,
// and prepares it to run. labels names its classes (nil for generic
// names; Google's files have 1001 classes, index 0 "background"). The
// model's name is the file's, without ".tflite".
func Load(path string, labels *mobilenet.Labels) (*mobilenet.Model, error) {
	f, err := ReadFile(path)
	if err != nil {
		return nil, err
	}
	return f.Load(labels)
}

// Load prepares the MobileNet V1 in the file to run: a uint8 one on the
// integer kernels (see MobileNet), a float32 one on the float kernels (see
// FloatMobileNet).
func (f *File) Load(labels *mobilenet.Labels) (*mobilenet.Model, error) {
	name := strings.TrimSuffix(filepath.Base(f.Name), filepath.Ext(f.Name))
	g, err := f.recognise()
	if err != nil {
		return nil, err
	}
	var m *mobilenet.Model
	if g.float {
		fw, ferr := f.folded(g)
		if ferr != nil {
			return nil, ferr
		}
		fw.Labels, fw.Name = labels, name
		m, err = mobilenet.NewFoldedModel(fw)
	} else {
		qw, qerr := f.quantized(g)
		if qerr != nil {
			return nil, qerr
		}
		qw.Labels, qw.Name = labels, name
		m, err = mobilenet.NewQuantModel(qw)
	}
	if err != nil {
		return nil, &Error{File: f.Name, Err: err}
	}
	return m, nil
}

// Classes returns the number of classes of the MobileNet V1 in the file.
func (f *File) Classes() (int, error) {
	g, err := f.recognise()
	if err != nil {
		return 0, err
	}
	return g.cfg.Classes, nil
}

// graph is the MobileNet V1 recognised in a file: its variant, the
// operator of each convolution (Config.Layers() without the pool), and
// whether it is float32.
type graph struct {
	cfg              mobilenet.Config
	conv             []int
	pool             int
	reshape, softmax int
	float            bool
}

// MobileNet recognises a uint8 MobileNet V1 in the file and returns its
// weights and quantization. Any other graph, type or option is refused
// with an error naming the operator and what is not supported.
func (f *File) MobileNet() (*mobilenet.QuantWeights, error) {
	g, err := f.recognise()
	if err != nil {
		return nil, err
	}
	if g.float {
		return nil, &Error{File: f.Name, Err: fmt.Errorf("%w: a float32 model (load it with Load or FloatMobileNet)", ErrUnsupported)}
	}
	return f.quantized(g)
}

// FloatMobileNet recognises a float32 MobileNet V1 in the file (its
// BatchNorms folded, as TFLite stores them) and returns its weights in
// Keras' layout for the float kernels.
func (f *File) FloatMobileNet() (*mobilenet.FoldedWeights, error) {
	g, err := f.recognise()
	if err != nil {
		return nil, err
	}
	if !g.float {
		return nil, &Error{File: f.Name, Err: fmt.Errorf("%w: a quantized model (load it with Load or MobileNet)", ErrUnsupported)}
	}
	return f.folded(g)
}

func (f *File) fail(i int, format string, args ...any) error {
	where := ""
	if i >= 0 && i < len(f.Operators) {
		where = fmt.Sprintf("operator %d (%s)", i, f.Operators[i].Name)
	}
	return &Error{File: f.Name, Where: where, Err: fmt.Errorf(format, args...)}
}

// recognise checks that the file holds the MobileNet V1 chain, every
// activation of one type (UINT8 or FLOAT32), and finds its variant.
func (f *File) recognise() (*graph, error) {
	fail := f.fail
	for i, o := range f.Operators {
		switch o.Code {
		case opConv2D, opDepthwiseConv2D, opAveragePool2D, opReshape, opSoftmax:
		default:
			return nil, fail(i, "%w operator: livecam runs MobileNet V1 (CONV_2D, DEPTHWISE_CONV_2D, AVERAGE_POOL_2D, RESHAPE, SOFTMAX)", ErrUnsupported)
		}
	}
	if len(f.Inputs) != 1 || f.Inputs[0] < 0 {
		return nil, fail(-1, "%w: %d inputs (want one image)", ErrUnsupported, len(f.Inputs))
	}
	in := &f.Tensors[f.Inputs[0]]
	if in.Type != Uint8 && in.Type != Float32 {
		return nil, fail(-1, "%w: input is %s; livecam runs uint8 and float32 TFLite MobileNets", ErrUnsupported, in.Type)
	}
	g := &graph{float: in.Type == Float32}
	act := in.Type
	if len(in.Shape) != 4 || in.Shape[0] != 1 || in.Shape[1] != in.Shape[2] || in.Shape[3] != 3 {
		return nil, fail(-1, "%w: input shape %v (want [1 S S 3])", ErrUnsupported, in.Shape)
	}
	size := in.Shape[1]
	want := 2*13 + 5
	if len(f.Operators) != want {
		return nil, fail(-1, "%w: %d operators, but MobileNet V1 has %d", ErrUnsupported, len(f.Operators), want)
	}
	// The width multiplier from the first convolution's output channels.
	first := f.Operators[0]
	if first.Code != opConv2D || len(first.Inputs) < 2 || first.Inputs[1] < 0 {
		return nil, fail(0, "%w: MobileNet V1 starts with CONV_2D", ErrUnsupported)
	}
	c0 := 0
	if s := f.Tensors[first.Inputs[1]].Shape; len(s) == 4 {
		c0 = s[0]
	}
	alpha := 0.0
	for _, a := range mobilenet.Alphas {
		if (mobilenet.Config{Alpha: a}).Width(32) == c0 {
			alpha = a
		}
	}
	if alpha == 0 {
		return nil, fail(0, "%w: %d output channels match no MobileNet V1 width (0.25, 0.5, 0.75, 1.0)", ErrUnsupported, c0)
	}
	classes := 0
	if l := f.Operators[want-3]; len(l.Inputs) > 1 && l.Inputs[1] >= 0 {
		if s := f.Tensors[l.Inputs[1]].Shape; len(s) == 4 {
			classes = s[0]
		}
	}
	g.cfg = mobilenet.Config{Alpha: alpha, Size: size, Classes: classes}
	if err := g.cfg.Validate(); err != nil {
		return nil, fail(-1, "%w: %v", ErrUnsupported, err)
	}
	prev := f.Inputs[0]
	k := 0
	for _, l := range g.cfg.Layers() {
		i := k // the operator of this layer
		k++
		o := &f.Operators[i]
		if len(o.Outputs) != 1 || o.Outputs[0] < 0 {
			return nil, fail(i, "%w: %d outputs", ErrMalformed, len(o.Outputs))
		}
		if len(o.Inputs) < 1 || o.Inputs[0] != prev {
			return nil, fail(i, "%w: does not read the previous operator's output: not a MobileNet V1 chain", ErrUnsupported)
		}
		out := &f.Tensors[o.Outputs[0]]
		if len(out.Shape) != 4 || out.Shape[0] != 1 || out.Shape[1] != l.OutH || out.Shape[2] != l.OutW || out.Shape[3] != l.OutC {
			return nil, fail(i, "%w: output shape %v, MobileNet V1 %s %dx%d has [1 %d %d %d] for %s",
				ErrUnsupported, out.Shape, mobilenet.AlphaString(alpha), size, size, l.OutH, l.OutW, l.OutC, l.Name)
		}
		if out.Type != act {
			return nil, fail(i, "%w: output is %s in a %s model", ErrUnsupported, out.Type, act)
		}
		prev = o.Outputs[0]
		if l.Kind == mobilenet.Pool {
			if o.Code != opAveragePool2D || o.FilterW != l.InW || o.FilterH != l.InH || o.Padding != Valid || o.Activation != NoActivation {
				return nil, fail(i, "%w: want a %dx%d VALID average pool over the whole image without activation (have %dx%d)",
					ErrUnsupported, l.InW, l.InH, o.FilterW, o.FilterH)
			}
			g.pool = i
			continue
		}
		if err := f.checkConv(i, l, g.float); err != nil {
			return nil, err
		}
		g.conv = append(g.conv, i)
	}
	// RESHAPE to [1, classes], then SOFTMAX.
	rs, sm := &f.Operators[k], &f.Operators[k+1]
	if rs.Code != opReshape || len(rs.Inputs) < 1 || rs.Inputs[0] != prev || len(rs.Outputs) != 1 || rs.Outputs[0] < 0 {
		return nil, fail(k, "%w: want RESHAPE of the logits", ErrUnsupported)
	}
	if sm.Code != opSoftmax || len(sm.Inputs) != 1 || sm.Inputs[0] != rs.Outputs[0] || len(sm.Outputs) != 1 || sm.Outputs[0] < 0 {
		return nil, fail(k+1, "%w: want SOFTMAX of the reshaped logits", ErrUnsupported)
	}
	if len(f.Outputs) != 1 || f.Outputs[0] != sm.Outputs[0] {
		return nil, fail(-1, "%w: the model's output is not the softmax", ErrUnsupported)
	}
	if !(sm.Beta > 0) || math.IsInf(float64(sm.Beta), 0) {
		return nil, fail(k+1, "%w: softmax beta %v", ErrUnsupported, sm.Beta)
	}
	if g.float && sm.Beta != 1 {
		return nil, fail(k+1, "%w: softmax beta %v (the float kernels compute beta 1)", ErrUnsupported, sm.Beta)
	}
	g.reshape, g.softmax = k, k+1
	return g, nil
}

// checkConv checks the options and constant tensors of the convolution
// that operator i computes for layer l.
func (f *File) checkConv(i int, l mobilenet.Layer, float bool) error {
	o := &f.Operators[i]
	fail := func(format string, args ...any) error { return f.fail(i, format, args...) }
	wantCode, wantShape := opConv2D, []int{l.OutC, l.Kernel, l.Kernel, l.InC}
	if l.Kind == mobilenet.Depthwise {
		wantCode, wantShape = opDepthwiseConv2D, []int{1, 3, 3, l.OutC}
	}
	if o.Code != wantCode {
		return fail("%w: MobileNet V1 has %s here (%s)", ErrUnsupported, OperatorName(wantCode), l.Name)
	}
	switch {
	case o.StrideW != l.Stride || o.StrideH != l.Stride:
		return fail("%w: stride %dx%d (want %d)", ErrUnsupported, o.StrideW, o.StrideH, l.Stride)
	case o.DilationW != 1 || o.DilationH != 1:
		return fail("%w: dilation %dx%d", ErrUnsupported, o.DilationW, o.DilationH)
	case l.Kind == mobilenet.Depthwise && o.DepthMultiplier != 1:
		return fail("%w: depth multiplier %d", ErrUnsupported, o.DepthMultiplier)
	case l.Kernel > 1 && o.Padding != Same:
		return fail("%w: VALID padding (MobileNet V1 pads SAME)", ErrUnsupported)
	case o.Activation != ReLU6 && o.Activation != NoActivation:
		return fail("%w: fused activation %s (want RELU6 or NONE)", ErrUnsupported, o.Activation)
	case (l.Kind == mobilenet.Classifier) != (o.Activation == NoActivation):
		return fail("%w: fused activation %s where MobileNet V1 has %s", ErrUnsupported, o.Activation,
			map[bool]string{true: "NONE", false: "RELU6"}[l.Kind == mobilenet.Classifier])
	case len(o.Inputs) != 3 || o.Inputs[1] < 0 || o.Inputs[2] < 0:
		return fail("%w: want input, weights and bias", ErrUnsupported)
	}
	wType, bType := Uint8, Int32
	if float {
		wType, bType = Float32, Float32
	}
	w, b := &f.Tensors[o.Inputs[1]], &f.Tensors[o.Inputs[2]]
	if w.Type != wType || !slices.Equal(w.Shape, wantShape) || len(w.Data) == 0 {
		return fail("%w: weights %q are %s %v (want constant %s %v)", ErrUnsupported, w.Name, w.Type, w.Shape, wType, wantShape)
	}
	if b.Type != bType || !slices.Equal(b.Shape, []int{l.OutC}) || len(b.Data) == 0 {
		return fail("%w: bias %q is %s %v (want constant %s [%d])", ErrUnsupported, b.Name, b.Type, b.Shape, bType, l.OutC)
	}
	return nil
}

// quantized reads the weights and quantization of a uint8 graph.
func (f *File) quantized(g *graph) (*mobilenet.QuantWeights, error) {
	fail := f.fail
	qw := &mobilenet.QuantWeights{Config: g.cfg}
	var err error
	if qw.Input, err = f.params(f.Inputs[0]); err != nil {
		return nil, fail(-1, "input: %w", err)
	}
	layers := g.cfg.Layers()
	k := 0
	for _, l := range layers {
		if l.Kind == mobilenet.Pool {
			continue
		}
		i := g.conv[k]
		k++
		o := &f.Operators[i]
		var ql mobilenet.QuantLayer
		if o.Activation == ReLU6 {
			ql.Activation = quant.ReLU6
		}
		if ql.In, err = f.params(o.Inputs[0]); err != nil {
			return nil, fail(i, "input: %w", err)
		}
		if ql.W, err = f.params(o.Inputs[1]); err != nil {
			return nil, fail(i, "weights: %w", err)
		}
		if ql.Out, err = f.params(o.Outputs[0]); err != nil {
			return nil, fail(i, "output: %w", err)
		}
		ql.Weights = f.Tensors[o.Inputs[1]].Data
		bias := f.Tensors[o.Inputs[2]].Data
		ql.Bias = make([]int32, l.OutC)
		for j := range ql.Bias {
			ql.Bias[j] = int32(binary.LittleEndian.Uint32(bias[4*j:]))
		}
		qw.Layers = append(qw.Layers, ql)
	}
	po := &f.Operators[g.pool]
	pin, err := f.params(po.Inputs[0])
	if err != nil {
		return nil, fail(g.pool, "input: %w", err)
	}
	pout, err := f.params(po.Outputs[0])
	if err != nil {
		return nil, fail(g.pool, "output: %w", err)
	}
	if pin != pout {
		return nil, fail(g.pool, "%w: the pool's output quantization %+v differs from its input's %+v", ErrUnsupported, pout, pin)
	}
	rs, sm := &f.Operators[g.reshape], &f.Operators[g.softmax]
	if qw.Logits, err = f.params(rs.Outputs[0]); err != nil {
		return nil, fail(g.reshape, "output: %w", err)
	}
	if lin, _ := f.params(rs.Inputs[0]); lin != qw.Logits {
		return nil, fail(g.reshape, "%w: RESHAPE changes the quantization", ErrUnsupported)
	}
	if qw.Output, err = f.params(sm.Outputs[0]); err != nil {
		return nil, fail(g.softmax, "output: %w", err)
	}
	if qw.Output != (quant.Params{Scale: 1.0 / 256, ZeroPoint: 0}) {
		return nil, fail(g.softmax, "%w: softmax output quantized as %+v (want scale 1/256, zero point 0)", ErrUnsupported, qw.Output)
	}
	qw.Beta = sm.Beta
	return qw, nil
}

// folded reads the weights of a float32 graph into Keras' layout: TFLite
// keeps convolution filters OHWI ([out][kh][kw][in]) and depthwise ones
// [1][kh][kw][c]; the float kernels take [kh][kw][in][out] and [kh][kw][c].
func (f *File) folded(g *graph) (*mobilenet.FoldedWeights, error) {
	fw := &mobilenet.FoldedWeights{Config: g.cfg}
	k := 0
	for _, l := range g.cfg.Layers() {
		if l.Kind == mobilenet.Pool {
			continue
		}
		i := g.conv[k]
		k++
		o := &f.Operators[i]
		w, err := floats(f.Tensors[o.Inputs[1]].Data)
		if err != nil {
			return nil, f.fail(i, "weights %q: %w", f.Tensors[o.Inputs[1]].Name, err)
		}
		b, err := floats(f.Tensors[o.Inputs[2]].Data)
		if err != nil {
			return nil, f.fail(i, "bias %q: %w", f.Tensors[o.Inputs[2]].Name, err)
		}
		if l.Kind != mobilenet.Depthwise {
			kk := l.Kernel * l.Kernel * l.InC
			t := make([]float32, len(w))
			for out := range l.OutC {
				for j := range kk {
					t[j*l.OutC+out] = w[out*kk+j]
				}
			}
			w = t
		}
		fw.Layers = append(fw.Layers, mobilenet.FoldedLayer{Kernel: w, Bias: b})
	}
	return fw, nil
}

// floats decodes little-endian float32 values, refusing NaN and infinity.
func floats(data []byte) ([]float32, error) {
	v := make([]float32, len(data)/4)
	for i := range v {
		v[i] = math.Float32frombits(binary.LittleEndian.Uint32(data[4*i:]))
		if math.IsNaN(float64(v[i])) || math.IsInf(float64(v[i]), 0) {
			return nil, fmt.Errorf("%w: value %d is %v", ErrMalformed, i, v[i])
		}
	}
	return v, nil
}

// params returns tensor t's per-tensor quantization.
func (f *File) params(t int) (quant.Params, error) {
	q := f.Tensors[t].Quant
	name := f.Tensors[t].Name
	switch {
	case q == nil || len(q.Scale) == 0:
		return quant.Params{}, fmt.Errorf("%w: tensor %q has no quantization", ErrUnsupported, name)
	case len(q.Scale) != 1:
		return quant.Params{}, fmt.Errorf("%w: tensor %q is quantized per channel (%d scales); livecam runs per-tensor uint8 files", ErrUnsupported, name, len(q.Scale))
	case !(q.Scale[0] > 0) || math.IsInf(float64(q.Scale[0]), 0):
		return quant.Params{}, fmt.Errorf("%w: tensor %q has scale %v", ErrMalformed, name, q.Scale[0])
	case q.ZeroPoint[0] < 0 || q.ZeroPoint[0] > 255:
		return quant.Params{}, fmt.Errorf("%w: tensor %q has zero point %d outside the uint8 range", ErrMalformed, name, q.ZeroPoint[0])
	}
	return quant.Params{Scale: q.Scale[0], ZeroPoint: int32(q.ZeroPoint[0])}, nil
}
