package tflite

import (
	"encoding/binary"
	"fmt"
	"math"
	"path/filepath"
	"strings"

	"github.com/livecam/livecam/net/mobilenet"
	"github.com/livecam/livecam/net/quant"
)

// Load reads a TFLite MobileNet V1 file and prepares it to run. labels
// names its classes (nil for generic names; Google's quantized files have
// 1001 classes, index 0 "background").
func Load(path string, labels *mobilenet.Labels) (*mobilenet.Model, error) {
	f, err := ReadFile(path)
	if err != nil {
		return nil, err
	}
	q, err := f.MobileNet()
	if err != nil {
		return nil, err
	}
	q.Labels = labels
	q.Name = strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	m, err := mobilenet.NewQuantModel(q)
	if err != nil {
		return nil, &Error{File: f.Name, Err: err}
	}
	return m, nil
}

// MobileNet recognises a uint8 MobileNet V1 in the file and returns its
// weights and quantization. Any other graph, type or option is refused
// with an error naming the operator and what is not supported.
func (f *File) MobileNet() (*mobilenet.QuantWeights, error) {
	fail := func(i int, format string, args ...any) error {
		where := ""
		if i >= 0 && i < len(f.Operators) {
			where = fmt.Sprintf("operator %d (%s)", i, f.Operators[i].Name)
		}
		return &Error{File: f.Name, Where: where, Err: fmt.Errorf(format, args...)}
	}
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
	if in.Type != Uint8 {
		return nil, fail(-1, "%w: input is %s; livecam runs quantized (uint8) TFLite MobileNets", ErrUnsupported, in.Type)
	}
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
	if s := f.Tensors[f.Operators[want-3].Inputs[1]].Shape; len(s) == 4 {
		classes = s[0]
	}
	cfg := mobilenet.Config{Alpha: alpha, Size: size, Classes: classes}
	if err := cfg.Validate(); err != nil {
		return nil, fail(-1, "%w: %v", ErrUnsupported, err)
	}
	qw := &mobilenet.QuantWeights{Config: cfg}
	var err error
	if qw.Input, err = f.params(f.Inputs[0]); err != nil {
		return nil, fail(-1, "input: %w", err)
	}
	prev := f.Inputs[0]
	k := 0
	for _, l := range cfg.Layers() {
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
		if out.Type != Uint8 {
			return nil, fail(i, "%w: output is %s (want UINT8)", ErrUnsupported, out.Type)
		}
		prev = o.Outputs[0]
		if l.Kind == mobilenet.Pool {
			if o.Code != opAveragePool2D || o.FilterW != l.InW || o.FilterH != l.InH || o.Padding != Valid || o.Activation != NoActivation {
				return nil, fail(i, "%w: want a %dx%d VALID average pool over the whole image without activation (have %dx%d)",
					ErrUnsupported, l.InW, l.InH, o.FilterW, o.FilterH)
			}
			pin, err := f.params(o.Inputs[0])
			if err != nil {
				return nil, fail(i, "input: %w", err)
			}
			pout, err := f.params(o.Outputs[0])
			if err != nil {
				return nil, fail(i, "output: %w", err)
			}
			if pin != pout {
				return nil, fail(i, "%w: the pool's output quantization %+v differs from its input's %+v", ErrUnsupported, pout, pin)
			}
			continue
		}
		ql, err := f.convLayer(i, l)
		if err != nil {
			return nil, err
		}
		qw.Layers = append(qw.Layers, ql)
	}
	// RESHAPE to [1, classes], then SOFTMAX.
	rs, sm := &f.Operators[k], &f.Operators[k+1]
	if rs.Code != opReshape || len(rs.Inputs) < 1 || rs.Inputs[0] != prev || len(rs.Outputs) != 1 {
		return nil, fail(k, "%w: want RESHAPE of the logits", ErrUnsupported)
	}
	if sm.Code != opSoftmax || len(sm.Inputs) != 1 || sm.Inputs[0] != rs.Outputs[0] || len(sm.Outputs) != 1 {
		return nil, fail(k+1, "%w: want SOFTMAX of the reshaped logits", ErrUnsupported)
	}
	if len(f.Outputs) != 1 || f.Outputs[0] != sm.Outputs[0] {
		return nil, fail(-1, "%w: the model's output is not the softmax", ErrUnsupported)
	}
	if qw.Logits, err = f.params(rs.Outputs[0]); err != nil {
		return nil, fail(k, "output: %w", err)
	}
	if lin, _ := f.params(prev); lin != qw.Logits {
		return nil, fail(k, "%w: RESHAPE changes the quantization", ErrUnsupported)
	}
	if qw.Output, err = f.params(sm.Outputs[0]); err != nil {
		return nil, fail(k+1, "output: %w", err)
	}
	if qw.Output != (quant.Params{Scale: 1.0 / 256, ZeroPoint: 0}) {
		return nil, fail(k+1, "%w: softmax output quantized as %+v (want scale 1/256, zero point 0)", ErrUnsupported, qw.Output)
	}
	if !(sm.Beta > 0) || math.IsInf(float64(sm.Beta), 0) {
		return nil, fail(k+1, "%w: softmax beta %v", ErrUnsupported, sm.Beta)
	}
	qw.Beta = sm.Beta
	return qw, nil
}

// convLayer reads the weights, bias and options of the convolution that
// operator i computes for layer l.
func (f *File) convLayer(i int, l mobilenet.Layer) (mobilenet.QuantLayer, error) {
	o := &f.Operators[i]
	fail := func(format string, args ...any) error {
		return &Error{File: f.Name, Where: fmt.Sprintf("operator %d (%s)", i, o.Name), Err: fmt.Errorf(format, args...)}
	}
	var ql mobilenet.QuantLayer
	wantCode, wantShape := opConv2D, []int{l.OutC, l.Kernel, l.Kernel, l.InC}
	if l.Kind == mobilenet.Depthwise {
		wantCode, wantShape = opDepthwiseConv2D, []int{1, 3, 3, l.OutC}
	}
	if o.Code != wantCode {
		return ql, fail("%w: MobileNet V1 has %s here (%s)", ErrUnsupported, OperatorName(wantCode), l.Name)
	}
	switch {
	case o.StrideW != l.Stride || o.StrideH != l.Stride:
		return ql, fail("%w: stride %dx%d (want %d)", ErrUnsupported, o.StrideW, o.StrideH, l.Stride)
	case o.DilationW != 1 || o.DilationH != 1:
		return ql, fail("%w: dilation %dx%d", ErrUnsupported, o.DilationW, o.DilationH)
	case l.Kind == mobilenet.Depthwise && o.DepthMultiplier != 1:
		return ql, fail("%w: depth multiplier %d", ErrUnsupported, o.DepthMultiplier)
	case l.Kernel > 1 && o.Padding != Same:
		return ql, fail("%w: VALID padding (MobileNet V1 pads SAME)", ErrUnsupported)
	}
	switch o.Activation {
	case ReLU6:
		ql.Activation = quant.ReLU6
	case NoActivation:
		ql.Activation = quant.None
	default:
		return ql, fail("%w: fused activation %s (want RELU6 or NONE)", ErrUnsupported, o.Activation)
	}
	if (l.Kind == mobilenet.Classifier) != (o.Activation == NoActivation) {
		return ql, fail("%w: fused activation %s where MobileNet V1 has %s", ErrUnsupported, o.Activation,
			map[bool]string{true: "NONE", false: "RELU6"}[l.Kind == mobilenet.Classifier])
	}
	if len(o.Inputs) != 3 || o.Inputs[1] < 0 || o.Inputs[2] < 0 {
		return ql, fail("%w: want input, weights and bias", ErrUnsupported)
	}
	w, b := &f.Tensors[o.Inputs[1]], &f.Tensors[o.Inputs[2]]
	if w.Type != Uint8 || !equal(w.Shape, wantShape) || len(w.Data) == 0 {
		return ql, fail("%w: weights %q are %s %v (want constant UINT8 %v)", ErrUnsupported, w.Name, w.Type, w.Shape, wantShape)
	}
	if b.Type != Int32 || !equal(b.Shape, []int{l.OutC}) || len(b.Data) == 0 {
		return ql, fail("%w: bias %q is %s %v (want constant INT32 [%d])", ErrUnsupported, b.Name, b.Type, b.Shape, l.OutC)
	}
	var err error
	if ql.In, err = f.params(o.Inputs[0]); err != nil {
		return ql, fail("input: %w", err)
	}
	if ql.W, err = f.params(o.Inputs[1]); err != nil {
		return ql, fail("weights: %w", err)
	}
	if ql.Out, err = f.params(o.Outputs[0]); err != nil {
		return ql, fail("output: %w", err)
	}
	ql.Weights = w.Data
	ql.Bias = make([]int32, l.OutC)
	for j := range ql.Bias {
		ql.Bias[j] = int32(binary.LittleEndian.Uint32(b.Data[4*j:]))
	}
	return ql, nil
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

func equal(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
