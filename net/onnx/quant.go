package onnx

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"

	"github.com/livecam/livecam/net/mobilenet"
	"github.com/livecam/livecam/net/quant"
	"github.com/livecam/livecam/net/tflite"
)

// WeightType is the element type of the weights in a quantized export.
type WeightType int8

// The weight types WriteQuant writes.
const (
	// DefaultWeights is Int8Weights.
	DefaultWeights WeightType = iota
	// Int8Weights stores every weight as w−128 and its zero point as
	// zp−128: (w−128)−(zp−128) = w−zp, so the products are exactly the
	// uint8 file's. ONNX Runtime's x86 kernels (MLAS) are built for uint8
	// activations times int8 weights (VPDPBUSD; AMX where the system
	// enables it) and run this form faster than uint8 weights
	// (BenchmarkPeersQuant in bench measures both).
	Int8Weights
	// Uint8Weights stores the file's uint8 weights and zero points as
	// they are (MLAS's u8u8 path).
	Uint8Weights
	// SymmetricInt8Weights stores w−zp clamped to [−127, 127] with zero
	// point 0: MLAS runs symmetric int8 weights on its faster direct
	// convolution kernels (ConvSym), but the network is no longer exactly
	// the file's: the few weights farther than 127 steps from their zero
	// point move to the bound (131 of 2.57 million in the 0.75@192 file).
	SymmetricInt8Weights
)

// QuantOptions are WriteQuant's options; nil means the defaults.
type QuantOptions struct {
	// Weights is the weights' element type (DefaultWeights: int8).
	Weights WeightType
}

// ErrQuantGraph reports a TFLite graph WriteQuant cannot write: an operator
// other than MobileNet V1's, or quantization it does not map (per-channel
// scales, a fused activation that does not saturate at the uint8 range).
var ErrQuantGraph = errors.New("onnx: not a per-tensor uint8 MobileNet graph")

// The names of WriteQuant's graph inputs and outputs.
const (
	// QuantInput is the uint8 input, NHWC [1,Size,Size,3] as in the
	// TFLite file: its bytes as they are. A Transpose to the NCHW that
	// ONNX's convolutions take follows it; ONNX Runtime cancels it
	// against its own transpose to NHWC, its quantized kernels' layout.
	QuantInput = "input"
	// QuantLogits is the uint8 input of the softmax, [1,Classes], with the
	// TFLite tensor's scale and zero point (the first output).
	QuantLogits = "logits"
	// QuantProbs is the softmax output in float32, [1,Classes].
	QuantProbs = "probs"
	// QuantOutput is the uint8 output, NHWC as in the TFLite file, of a
	// graph that does not end in a softmax (a part of a network, as the
	// per-operator tests write).
	QuantOutput = "output"
)

// WriteQuant writes a per-tensor uint8 TFLite MobileNet V1 (CONV_2D,
// DEPTHWISE_CONV_2D, AVERAGE_POOL_2D, RESHAPE, SOFTMAX, as Google's
// *_quant.tflite files are) as an ONNX model (opset 13, IR version 7) that
// ONNX Runtime runs in integers: each convolution a QLinearConv with the
// file's scales, zero points and int32 biases (the fused RELU6 is the
// uint8 saturation, as in those files: the output zero point is 0 and
// 6/scale rounds to 255); the average pool and the softmax in float32
// between DequantizeLinear and QuantizeLinear, as standard ONNX has no
// uint8 ones (ONNX Runtime fuses the pool's into its QLinearAveragePool).
// Its input is QuantInput (f.Inputs[0]), its outputs QuantLogits and
// QuantProbs; a graph that does not end in SOFTMAX (a part of one, with
// Inputs and Operators cut down) has the last operator's output as
// QuantOutput instead.
//
// The arithmetic is the file's up to the requantization, which ONNX
// Runtime does in float32 (round half to even) where TFLite uses a fixed
// point multiplier with double rounding: outputs differ from TFLite's by a
// step here and there, and these differences compound over the layers.
func WriteQuant(out io.Writer, f *tflite.File, opts *QuantOptions) error {
	var o QuantOptions
	if opts != nil {
		o = *opts
	}
	if o.Weights < DefaultWeights || o.Weights > SymmetricInt8Weights {
		return fmt.Errorf("onnx: WriteQuant: unknown weight type %d", o.Weights)
	}
	signed, symmetric := o.Weights != Uint8Weights, o.Weights == SymmetricInt8Weights
	fail := func(op int, format string, args ...any) error {
		return fmt.Errorf("%s: operator %d (%s): %w: %s", f.Name, op, f.Operators[op].Name, ErrQuantGraph, fmt.Sprintf(format, args...))
	}
	valid := func(t ...int) bool {
		for _, t := range t {
			if t < 0 || t >= len(f.Tensors) {
				return false
			}
		}
		return true
	}
	if len(f.Inputs) != 1 || !valid(f.Inputs[0]) || len(f.Operators) == 0 {
		return fmt.Errorf("%s: %w: inputs %v, %d operators", f.Name, ErrQuantGraph, f.Inputs, len(f.Operators))
	}
	// ONNX names: t<index>, except the graph's input and the softmax's
	// input and output.
	names := make([]string, len(f.Tensors))
	for i := range names {
		names[i] = fmt.Sprintf("t%d", i)
	}
	in := f.Inputs[0]
	inNHWC := len(f.Tensors[in].Shape) == 4
	names[in] = QuantInput
	if inNHWC {
		names[in] = QuantInput + "/nchw"
	}
	last := f.Operators[len(f.Operators)-1]
	if len(last.Outputs) != 1 || len(last.Inputs) == 0 || !valid(last.Inputs[0], last.Outputs[0]) {
		return fail(len(f.Operators)-1, "inputs %v, outputs %v", last.Inputs, last.Outputs)
	}
	softmax, outT := last.Name == "SOFTMAX", last.Outputs[0]
	outNHWC := len(f.Tensors[outT].Shape) == 4
	switch {
	case softmax && last.Inputs[0] == in: // the logits are the input: an Identity below
		names[outT] = QuantProbs
	case softmax:
		names[last.Inputs[0]], names[outT] = QuantLogits, QuantProbs
	case !outNHWC:
		names[outT] = QuantOutput
	}

	var g pb
	g.str(2, f.Name)
	node := func(op, name string, inputs []string, output string, attrs ...[]byte) {
		var n pb
		for _, in := range inputs {
			n.str(1, in)
		}
		n.str(2, output)
		n.str(3, name)
		n.str(4, op)
		for _, a := range attrs {
			n.bytes(5, a)
		}
		g.bytes(1, n.b)
	}
	initializer := func(name string, typ int, dims []int, raw []byte) {
		var t pb
		for _, d := range dims {
			t.varint(1, uint64(d))
		}
		t.varint(2, uint64(typ))
		t.str(8, name)
		t.bytes(9, raw)
		g.bytes(5, t.b)
	}
	emitted := map[string]bool{}
	// params adds a tensor's scale and zero point as scalar initializers
	// and returns their names and the file's zero point. The zero point is
	// stored as uint8, as int8 (moved by −128) or, for symmetric weights,
	// as an int8 0.
	params := func(op, t int, zpType int) (scale, zp string, fileZP int, err error) {
		q := f.Tensors[t].Quant
		if q == nil || len(q.Scale) != 1 || len(q.ZeroPoint) != 1 {
			return "", "", 0, fail(op, "tensor %d (%s) is not per-tensor quantized", t, f.Tensors[t].Name)
		}
		s, z := q.Scale[0], q.ZeroPoint[0]
		if !(s > 0) || math.IsInf(float64(s), 0) {
			return "", "", 0, fail(op, "tensor %d (%s): scale %g", t, f.Tensors[t].Name, s)
		}
		if z < 0 || z > 255 {
			return "", "", 0, fail(op, "tensor %d (%s): zero point %d outside uint8", t, f.Tensors[t].Name, z)
		}
		fileZP = int(z)
		scale, zp = names[t]+"/scale", names[t]+"/zero_point"
		switch zpType {
		case onnxInt8:
			z -= 128
			zp = names[t] + "/zero_point_s8"
		case onnxSymmetric:
			z, zpType = 0, onnxInt8
			zp = names[t] + "/zero_point_0"
		}
		if !emitted[scale] {
			emitted[scale] = true
			initializer(scale, onnxFloat, nil, binary.LittleEndian.AppendUint32(nil, math.Float32bits(s)))
		}
		if !emitted[zp] {
			emitted[zp] = true
			initializer(zp, zpType, nil, []byte{byte(z)})
		}
		return scale, zp, fileZP, nil
	}
	hw := func(t int) (h, w, c int, ok bool) {
		s := f.Tensors[t].Shape
		switch len(s) {
		case 4:
			return s[1], s[2], s[3], s[0] == 1
		case 2:
			return 1, 1, s[1], s[0] == 1
		}
		return 0, 0, 0, false
	}
	if inNHWC {
		node("Transpose", "input/transpose", []string{QuantInput}, names[in], attrInts("perm", 0, 3, 1, 2))
	}
	for i, op := range f.Operators {
		if len(op.Inputs) == 0 || len(op.Outputs) != 1 || !valid(op.Inputs[0], op.Outputs[0]) {
			return fail(i, "inputs %v, outputs %v", op.Inputs, op.Outputs)
		}
		x, y := op.Inputs[0], op.Outputs[0]
		for _, t := range []int{x, y} {
			if f.Tensors[t].Type != tflite.Uint8 && !(op.Name == "SOFTMAX" && t == y) {
				return fail(i, "tensor %d (%s) is %s, not UINT8", t, f.Tensors[t].Name, f.Tensors[t].Type)
			}
		}
		if op.Name == "CONV_2D" || op.Name == "DEPTHWISE_CONV_2D" || op.Name == "AVERAGE_POOL_2D" {
			if op.StrideH < 1 || op.StrideW < 1 {
				return fail(i, "strides %dx%d", op.StrideH, op.StrideW)
			}
		}
		ih, iw, ic, ok1 := hw(x)
		oh, ow, oc, ok2 := hw(y)
		if !ok1 || !ok2 {
			return fail(i, "shapes %v -> %v: want batch 1 NHWC", f.Tensors[x].Shape, f.Tensors[y].Shape)
		}
		switch op.Name {
		case "CONV_2D", "DEPTHWISE_CONV_2D":
			if len(op.Inputs) != 3 || !valid(op.Inputs[1], op.Inputs[2]) {
				return fail(i, "want input, weights and bias")
			}
			wt, bt := f.Tensors[op.Inputs[1]], f.Tensors[op.Inputs[2]]
			if len(wt.Shape) != 4 || wt.Shape[1] < 1 || wt.Shape[2] < 1 || wt.Type != tflite.Uint8 || bt.Type != tflite.Int32 {
				return fail(i, "weights %s %v, bias %s: want UINT8 [O,kh,kw,I] and INT32", wt.Type, wt.Shape, bt.Type)
			}
			if op.DilationH > 1 || op.DilationW > 1 {
				return fail(i, "dilation %dx%d", op.DilationH, op.DilationW)
			}
			kh, kw := wt.Shape[1], wt.Shape[2]
			depthwise := op.Name == "DEPTHWISE_CONV_2D"
			inC, group := ic, 1
			if depthwise {
				if wt.Shape[0] != 1 || wt.Shape[3] != oc || oc != ic {
					return fail(i, "weights %v on %d channels: only multiplier 1", wt.Shape, ic)
				}
				inC, group = 1, ic
			} else if wt.Shape[0] != oc || wt.Shape[3] != ic {
				return fail(i, "weights %v for %d -> %d channels", wt.Shape, ic, oc)
			}
			if len(wt.Data) != oc*kh*kw*inC || len(bt.Data) != 4*oc {
				return fail(i, "%d weight and %d bias bytes for %d outputs", len(wt.Data), len(bt.Data), oc)
			}
			var pads [4]int
			if op.Padding == tflite.Same {
				var wantH, wantW int
				wantH, pads[0], pads[2] = mobilenet.SamePadding(ih, kh, op.StrideH)
				wantW, pads[1], pads[3] = mobilenet.SamePadding(iw, kw, op.StrideW)
				if wantH != oh || wantW != ow {
					return fail(i, "output %dx%d, SAME padding gives %dx%d", oh, ow, wantH, wantW)
				}
			}
			ys, yz := f.Tensors[y].Quant, int32(0)
			if ys != nil && len(ys.ZeroPoint) == 1 && len(ys.Scale) == 1 {
				yz = int32(ys.ZeroPoint[0])
				act := quant.None
				if op.Activation == tflite.ReLU6 {
					act = quant.ReLU6
				} else if op.Activation != tflite.NoActivation {
					return fail(i, "fused %s", op.Activation)
				}
				if lo, hi := quant.ActivationRange(act, quant.Params{Scale: ys.Scale[0], ZeroPoint: yz}); lo != 0 || hi != 255 {
					return fail(i, "fused %s clamps to [%d,%d], not the uint8 range", op.Activation, lo, hi)
				}
			}
			wType := onnxUint8
			switch {
			case symmetric:
				wType = onnxSymmetric
			case signed:
				wType = onnxInt8
			}
			xs, xz, _, err := params(i, x, onnxUint8)
			if err != nil {
				return err
			}
			ws, wz, wzp, err := params(i, op.Inputs[1], wType)
			if err != nil {
				return err
			}
			yscale, yzp, _, err := params(i, y, onnxUint8)
			if err != nil {
				return err
			}
			// TFLite OHWI (depthwise 1HWC) to ONNX OIHW ([C,1,kh,kw]).
			w := make([]byte, len(wt.Data))
			for co := range oc {
				for ci := range inC {
					for ky := range kh {
						for kx := range kw {
							src := ((co*kh+ky)*kw+kx)*inC + ci
							if depthwise {
								src = (ky*kw+kx)*oc + co
							}
							v := wt.Data[src]
							switch {
							case symmetric:
								v = byte(int8(min(127, max(-127, int(v)-wzp))))
							case signed:
								v -= 128
							}
							w[((co*inC+ci)*kh+ky)*kw+kx] = v
						}
					}
				}
			}
			wn, bn := names[op.Inputs[1]], names[op.Inputs[2]]
			if symmetric {
				wType = onnxInt8
			}
			initializer(wn, wType, []int{oc, inC, kh, kw}, w)
			initializer(bn, onnxInt32, []int{oc}, bt.Data)
			node("QLinearConv", fmt.Sprintf("op%d", i), []string{names[x], xs, xz, wn, ws, wz, yscale, yzp, bn}, names[y],
				attrInts("kernel_shape", kh, kw), attrInts("strides", op.StrideH, op.StrideW),
				attrInts("pads", pads[0], pads[1], pads[2], pads[3]), attrInt("group", group))
		case "AVERAGE_POOL_2D":
			xq, yq := f.Tensors[x].Quant, f.Tensors[y].Quant
			if xq == nil || yq == nil || len(xq.Scale) != 1 || len(yq.Scale) != 1 || len(xq.ZeroPoint) != 1 || len(yq.ZeroPoint) != 1 ||
				xq.Scale[0] != yq.Scale[0] || xq.ZeroPoint[0] != yq.ZeroPoint[0] {
				return fail(i, "input and output quantized differently")
			}
			if op.FilterH < 1 || op.FilterW < 1 {
				return fail(i, "filter %dx%d", op.FilterH, op.FilterW)
			}
			if op.Activation != tflite.NoActivation {
				return fail(i, "fused %s", op.Activation)
			}
			xs, xz, _, err := params(i, x, onnxUint8)
			if err != nil {
				return err
			}
			var pads [4]int
			if op.Padding == tflite.Same {
				_, pads[0], pads[2] = mobilenet.SamePadding(ih, op.FilterH, op.StrideH)
				_, pads[1], pads[3] = mobilenet.SamePadding(iw, op.FilterW, op.StrideW)
			}
			n := fmt.Sprintf("op%d", i)
			node("DequantizeLinear", n+"/dequantize", []string{names[x], xs, xz}, n+"/x")
			node("AveragePool", n, []string{n + "/x"}, n+"/y",
				attrInts("kernel_shape", op.FilterH, op.FilterW), attrInts("strides", op.StrideH, op.StrideW),
				attrInts("pads", pads[0], pads[1], pads[2], pads[3]))
			node("QuantizeLinear", n+"/quantize", []string{n + "/y", xs, xz}, names[y])
		case "RESHAPE":
			if ih != 1 || iw != 1 || oc != ic || oh != 1 || ow != 1 {
				return fail(i, "%v -> %v: only [1,1,1,C] -> [1,C]", f.Tensors[x].Shape, f.Tensors[y].Shape)
			}
			shape := names[y] + "/shape"
			var raw []byte
			for _, d := range f.Tensors[y].Shape {
				raw = binary.LittleEndian.AppendUint64(raw, uint64(int64(d)))
			}
			initializer(shape, onnxInt64, []int{len(f.Tensors[y].Shape)}, raw)
			node("Reshape", fmt.Sprintf("op%d", i), []string{names[x], shape}, names[y])
		case "SOFTMAX":
			if i != len(f.Operators)-1 || len(f.Tensors[x].Shape) != 2 {
				return fail(i, "only a last softmax on [1,Classes]")
			}
			if op.Beta != 1 {
				return fail(i, "beta %g", op.Beta)
			}
			xs, xz, _, err := params(i, x, onnxUint8)
			if err != nil {
				return err
			}
			n := fmt.Sprintf("op%d", i)
			node("DequantizeLinear", n+"/dequantize", []string{names[x], xs, xz}, n+"/x")
			node("Softmax", n, []string{n + "/x"}, names[y], attrInt("axis", 1))
		default:
			return fail(i, "not a MobileNet V1 operator")
		}
	}
	g.bytes(11, typedValueInfo(QuantInput, onnxUint8, f.Tensors[in].Shape...))
	switch {
	case softmax:
		if last.Inputs[0] == in {
			node("Identity", "logits", []string{names[in]}, QuantLogits)
		}
		g.bytes(12, typedValueInfo(QuantLogits, onnxUint8, f.Tensors[last.Inputs[0]].Shape...))
		g.bytes(12, typedValueInfo(QuantProbs, onnxFloat, f.Tensors[outT].Shape...))
	case outNHWC:
		node("Transpose", "output/transpose", []string{names[outT]}, QuantOutput, attrInts("perm", 0, 2, 3, 1))
		fallthrough
	default:
		g.bytes(12, typedValueInfo(QuantOutput, onnxUint8, f.Tensors[outT].Shape...))
	}

	var m pb
	m.varint(1, 7) // IR version 7 (ONNX 1.8), for opset 13
	m.str(2, "livecam")
	var opset pb
	opset.str(1, "")
	opset.varint(2, 13)
	m.bytes(8, opset.b)
	m.bytes(7, g.b)
	_, err := out.Write(m.b)
	return err
}

// ONNX TensorProto data types.
const (
	onnxFloat = 1
	onnxUint8 = 2
	onnxInt8  = 3
	onnxInt32 = 6
	onnxInt64 = 7

	// onnxSymmetric asks params for an int8 zero point of 0.
	onnxSymmetric = -1
)

// typedValueInfo describes a tensor of the given ONNX data type and fixed
// shape.
func typedValueInfo(name string, typ int, dims ...int) []byte {
	var shape pb
	for _, d := range dims {
		var dim pb
		dim.varint(1, uint64(d))
		shape.bytes(1, dim.b)
	}
	var tt pb
	tt.varint(1, uint64(typ))
	tt.bytes(2, shape.b)
	var t pb
	t.bytes(1, tt.b)
	var vi pb
	vi.str(1, name)
	vi.bytes(2, t.b)
	return vi.b
}
