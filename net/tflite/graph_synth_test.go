package tflite_test

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	flatbuffers "github.com/google/flatbuffers/go"

	"github.com/livecam/livecam/net/internal/kernelenv"
	"github.com/livecam/livecam/net/quant"
	"github.com/livecam/livecam/net/tflite"
	fb "github.com/livecam/livecam/net/tflite/internal/tflitefb"
)

// synthModel is a small TFLite graph described in Go and written through
// the generated builders: the graphs Google's files do not cover (other
// kernel sizes, strides, paddings, zero points, activations, depth
// multipliers, axes), and broken ones.
type synthModel struct {
	tensors         []sTensor
	ops             []sOp
	inputs, outputs []int
}

type sTensor struct {
	name  string
	shape []int
	typ   fb.TensorType
	data  []byte
	scale []float32
	zero  []int64
}

type sOp struct {
	code    int32
	custom  string
	in, out []int
	kind    fb.BuiltinOptions
	pad     fb.Padding
	sh, sw  int32
	dh, dw  int32
	mult    int32
	fh, fw  int32
	act     fb.ActivationFunctionType
	axis    int32
	beta    float32
	squeeze []int32
	copts   []byte
}

// TFLite's builtin operator codes the synthetic graphs use.
const (
	codeAdd       = 0
	codeAvgPool   = 1
	codeConcat    = 2
	codeConv      = 3
	codeDepthwise = 4
	codeLogistic  = 14
	codeMul       = 18
	codeReshape   = 22
	codeSoftmax   = 25
	codeCustom    = 32
	codeSqueeze   = 43
)

// act adds a uint8 activation tensor and returns its index.
func (m *synthModel) act(name string, shape []int, scale float32, zero int64) int {
	m.tensors = append(m.tensors, sTensor{name: name, shape: shape, typ: fb.TensorTypeUINT8, scale: []float32{scale}, zero: []int64{zero}})
	return len(m.tensors) - 1
}

// weights adds a constant uint8 tensor of random bytes.
func (m *synthModel) weights(rng *rand.Rand, name string, shape []int, scale float32, zero int64) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	data := make([]byte, n)
	for i := range data {
		data[i] = uint8(rng.IntN(256))
	}
	m.tensors = append(m.tensors, sTensor{name: name, shape: shape, typ: fb.TensorTypeUINT8, data: data, scale: []float32{scale}, zero: []int64{zero}})
	return len(m.tensors) - 1
}

// bias adds a constant int32 tensor of random values in ±limit.
func (m *synthModel) bias(rng *rand.Rand, name string, n int, limit int) int {
	data := make([]byte, 4*n)
	for i := range n {
		binary.LittleEndian.PutUint32(data[4*i:], uint32(int32(rng.IntN(2*limit+1)-limit)))
	}
	m.tensors = append(m.tensors, sTensor{name: name, shape: []int{n}, typ: fb.TensorTypeINT32, data: data})
	return len(m.tensors) - 1
}

// bytes writes the model as a TFLite file.
func (m *synthModel) bytes() []byte {
	b := flatbuffers.NewBuilder(1 << 16)
	ints := func(v []int32) flatbuffers.UOffsetT {
		b.StartVector(4, len(v), 4)
		for i := len(v) - 1; i >= 0; i-- {
			b.PrependInt32(v[i])
		}
		return b.EndVector(len(v))
	}
	idx := func(v []int) []int32 {
		out := make([]int32, len(v))
		for i, x := range v {
			out[i] = int32(x)
		}
		return out
	}
	// Buffers: 0 is the empty sentinel, then one per constant.
	var buffers []flatbuffers.UOffsetT
	fb.BufferStart(b)
	buffers = append(buffers, fb.BufferEnd(b))
	bufOf := make([]uint32, len(m.tensors))
	for i, t := range m.tensors {
		if t.data == nil {
			continue
		}
		v := b.CreateByteVector(t.data)
		fb.BufferStart(b)
		fb.BufferAddData(b, v)
		buffers = append(buffers, fb.BufferEnd(b))
		bufOf[i] = uint32(len(buffers) - 1)
	}
	var tensors []flatbuffers.UOffsetT
	for i, t := range m.tensors {
		name := b.CreateString(t.name)
		shape := ints(idx(t.shape))
		var q flatbuffers.UOffsetT
		if t.scale != nil {
			fb.QuantizationParametersStartScaleVector(b, len(t.scale))
			for j := len(t.scale) - 1; j >= 0; j-- {
				b.PrependFloat32(t.scale[j])
			}
			sv := b.EndVector(len(t.scale))
			fb.QuantizationParametersStartZeroPointVector(b, len(t.zero))
			for j := len(t.zero) - 1; j >= 0; j-- {
				b.PrependInt64(t.zero[j])
			}
			zv := b.EndVector(len(t.zero))
			fb.QuantizationParametersStart(b)
			fb.QuantizationParametersAddScale(b, sv)
			fb.QuantizationParametersAddZeroPoint(b, zv)
			q = fb.QuantizationParametersEnd(b)
		}
		fb.TensorStart(b)
		fb.TensorAddShape(b, shape)
		fb.TensorAddType(b, t.typ)
		fb.TensorAddBuffer(b, bufOf[i])
		fb.TensorAddName(b, name)
		if t.scale != nil {
			fb.TensorAddQuantization(b, q)
		}
		tensors = append(tensors, fb.TensorEnd(b))
	}
	type codeKey struct {
		code   int32
		custom string
	}
	var codes []flatbuffers.UOffsetT
	codeIndex := map[codeKey]uint32{}
	for _, o := range m.ops {
		k := codeKey{o.code, o.custom}
		if _, ok := codeIndex[k]; ok {
			continue
		}
		var cs flatbuffers.UOffsetT
		if o.custom != "" {
			cs = b.CreateString(o.custom)
		}
		fb.OperatorCodeStart(b)
		fb.OperatorCodeAddDeprecatedBuiltinCode(b, int8(min(o.code, 127)))
		fb.OperatorCodeAddBuiltinCode(b, o.code)
		if o.custom != "" {
			fb.OperatorCodeAddCustomCode(b, cs)
		}
		fb.OperatorCodeAddVersion(b, 1)
		codeIndex[k] = uint32(len(codes))
		codes = append(codes, fb.OperatorCodeEnd(b))
	}
	var ops []flatbuffers.UOffsetT
	for _, o := range m.ops {
		var opts flatbuffers.UOffsetT
		switch o.kind {
		case fb.BuiltinOptionsConv2DOptions:
			fb.Conv2DOptionsStart(b)
			fb.Conv2DOptionsAddPadding(b, o.pad)
			fb.Conv2DOptionsAddStrideW(b, o.sw)
			fb.Conv2DOptionsAddStrideH(b, o.sh)
			fb.Conv2DOptionsAddFusedActivationFunction(b, o.act)
			fb.Conv2DOptionsAddDilationWFactor(b, max(o.dw, 1))
			fb.Conv2DOptionsAddDilationHFactor(b, max(o.dh, 1))
			opts = fb.Conv2DOptionsEnd(b)
		case fb.BuiltinOptionsDepthwiseConv2DOptions:
			fb.DepthwiseConv2DOptionsStart(b)
			fb.DepthwiseConv2DOptionsAddPadding(b, o.pad)
			fb.DepthwiseConv2DOptionsAddStrideW(b, o.sw)
			fb.DepthwiseConv2DOptionsAddStrideH(b, o.sh)
			fb.DepthwiseConv2DOptionsAddDepthMultiplier(b, o.mult)
			fb.DepthwiseConv2DOptionsAddFusedActivationFunction(b, o.act)
			fb.DepthwiseConv2DOptionsAddDilationWFactor(b, max(o.dw, 1))
			fb.DepthwiseConv2DOptionsAddDilationHFactor(b, max(o.dh, 1))
			opts = fb.DepthwiseConv2DOptionsEnd(b)
		case fb.BuiltinOptionsPool2DOptions:
			fb.Pool2DOptionsStart(b)
			fb.Pool2DOptionsAddPadding(b, o.pad)
			fb.Pool2DOptionsAddStrideW(b, o.sw)
			fb.Pool2DOptionsAddStrideH(b, o.sh)
			fb.Pool2DOptionsAddFilterWidth(b, o.fw)
			fb.Pool2DOptionsAddFilterHeight(b, o.fh)
			fb.Pool2DOptionsAddFusedActivationFunction(b, o.act)
			opts = fb.Pool2DOptionsEnd(b)
		case fb.BuiltinOptionsAddOptions:
			fb.AddOptionsStart(b)
			fb.AddOptionsAddFusedActivationFunction(b, o.act)
			opts = fb.AddOptionsEnd(b)
		case fb.BuiltinOptionsConcatenationOptions:
			fb.ConcatenationOptionsStart(b)
			fb.ConcatenationOptionsAddAxis(b, o.axis)
			fb.ConcatenationOptionsAddFusedActivationFunction(b, o.act)
			opts = fb.ConcatenationOptionsEnd(b)
		case fb.BuiltinOptionsSoftmaxOptions:
			fb.SoftmaxOptionsStart(b)
			fb.SoftmaxOptionsAddBeta(b, o.beta)
			opts = fb.SoftmaxOptionsEnd(b)
		case fb.BuiltinOptionsSqueezeOptions:
			dims := ints(o.squeeze)
			fb.SqueezeOptionsStart(b)
			fb.SqueezeOptionsAddSqueezeDims(b, dims)
			opts = fb.SqueezeOptionsEnd(b)
		}
		var copts flatbuffers.UOffsetT
		if o.copts != nil {
			copts = b.CreateByteVector(o.copts)
		}
		iv, ov := ints(idx(o.in)), ints(idx(o.out))
		fb.OperatorStart(b)
		fb.OperatorAddOpcodeIndex(b, codeIndex[codeKey{o.code, o.custom}])
		fb.OperatorAddInputs(b, iv)
		fb.OperatorAddOutputs(b, ov)
		if o.kind != 0 {
			fb.OperatorAddBuiltinOptionsType(b, o.kind)
			fb.OperatorAddBuiltinOptions(b, opts)
		}
		if o.copts != nil {
			fb.OperatorAddCustomOptions(b, copts)
		}
		ops = append(ops, fb.OperatorEnd(b))
	}
	vec := func(start func(*flatbuffers.Builder, int) flatbuffers.UOffsetT, v []flatbuffers.UOffsetT) flatbuffers.UOffsetT {
		start(b, len(v))
		for i := len(v) - 1; i >= 0; i-- {
			b.PrependUOffsetT(v[i])
		}
		return b.EndVector(len(v))
	}
	tv := vec(fb.SubGraphStartTensorsVector, tensors)
	ov := vec(fb.SubGraphStartOperatorsVector, ops)
	inv, outv := ints(idx(m.inputs)), ints(idx(m.outputs))
	fb.SubGraphStart(b)
	fb.SubGraphAddTensors(b, tv)
	fb.SubGraphAddInputs(b, inv)
	fb.SubGraphAddOutputs(b, outv)
	fb.SubGraphAddOperators(b, ov)
	sg := fb.SubGraphEnd(b)
	cv := vec(fb.ModelStartOperatorCodesVector, codes)
	sv := vec(fb.ModelStartSubgraphsVector, []flatbuffers.UOffsetT{sg})
	bv := vec(fb.ModelStartBuffersVector, buffers)
	fb.ModelStart(b)
	fb.ModelAddVersion(b, 3)
	fb.ModelAddOperatorCodes(b, cv)
	fb.ModelAddSubgraphs(b, sv)
	fb.ModelAddBuffers(b, bv)
	b.FinishWithFileIdentifier(fb.ModelEnd(b), []byte("TFL3"))
	return b.FinishedBytes()
}

// conv adds a CONV_2D (or, with mult > 0, a DEPTHWISE_CONV_2D) of a
// kh×kw filter from tensor in to a new output.
func (m *synthModel) conv(rng *rand.Rand, in int, depthwise bool, outC, kh, kw, sh, sw int, pad fb.Padding, act fb.ActivationFunctionType, wScale float32, wZero int64, outScale float32, outZero int64) int {
	s := m.tensors[in].shape
	inH, inW, inC := s[1], s[2], s[3]
	size := func(n, k, st int) int {
		if pad == fb.PaddingSAME {
			return (n + st - 1) / st
		}
		return (n - k + st) / st
	}
	name := fmt.Sprintf("t%d", len(m.ops)+1)
	var w int
	kind := fb.BuiltinOptionsConv2DOptions
	code := int32(codeConv)
	mult := int32(0)
	if depthwise {
		w = m.weights(rng, name+"/w", []int{1, kh, kw, outC}, wScale, wZero)
		kind, code, mult = fb.BuiltinOptionsDepthwiseConv2DOptions, codeDepthwise, int32(outC/inC)
	} else {
		w = m.weights(rng, name+"/w", []int{outC, kh, kw, inC}, wScale, wZero)
	}
	b := m.bias(rng, name+"/b", outC, 3000)
	out := m.act(name, []int{1, size(inH, kh, sh), size(inW, kw, sw), outC}, outScale, outZero)
	m.ops = append(m.ops, sOp{code: code, in: []int{in, w, b}, out: []int{out}, kind: kind, pad: pad,
		sh: int32(sh), sw: int32(sw), mult: mult, act: act})
	return out
}

// params returns tensor t's quantization.
func (m *synthModel) params(t int) quant.Params {
	return quant.Params{Scale: m.tensors[t].scale[0], ZeroPoint: int32(m.tensors[t].zero[0])}
}

func actOf(a fb.ActivationFunctionType) quant.Activation {
	return map[fb.ActivationFunctionType]quant.Activation{
		fb.ActivationFunctionTypeNONE: quant.None, fb.ActivationFunctionTypeRELU: quant.ReLU,
		fb.ActivationFunctionTypeRELU_N1_TO_1: quant.ReLUN1To1, fb.ActivationFunctionTypeRELU6: quant.ReLU6,
	}[a]
}

// reference computes every tensor of the model for input, operator by
// operator, straight from TFLite's formulas (golden-quant rules 1-5,
// golden-detect rules 8-9, golden-v2 rule 8), as plainly as possible.
func (m *synthModel) reference(input []uint8) map[int][]uint8 {
	val := map[int][]uint8{m.inputs[0]: input}
	for i, t := range m.tensors {
		if t.data != nil && t.typ == fb.TensorTypeUINT8 {
			val[i] = t.data
		}
	}
	clamp := func(v int32, a fb.ActivationFunctionType, out quant.Params) uint8 {
		lo, hi := quant.ActivationRange(actOf(a), out)
		return uint8(min(max(v, lo), hi))
	}
	for _, o := range m.ops {
		outT := m.tensors[o.out[0]]
		n := 1
		for _, d := range outT.shape {
			n *= d
		}
		res := make([]uint8, n)
		switch o.code {
		case codeConv, codeDepthwise, codeAvgPool:
			x := val[o.in[0]]
			is, os := m.tensors[o.in[0]].shape, outT.shape
			inH, inW, inC, outH, outW, outC := is[1], is[2], is[3], os[1], os[2], os[3]
			var kh, kw int
			if o.code == codeAvgPool {
				kh, kw = int(o.fh), int(o.fw)
			} else {
				ws := m.tensors[o.in[1]].shape
				kh, kw = ws[1], ws[2]
			}
			padBefore := func(in, out, k, s int) int {
				if o.pad == fb.PaddingVALID {
					return 0
				}
				return max((out-1)*s+k-in, 0) / 2
			}
			pt, pl := padBefore(inH, outH, kh, int(o.sh)), padBefore(inW, outW, kw, int(o.sw))
			inQ, outQ := m.params(o.in[0]), m.params(o.out[0])
			var wq quant.Params
			var w []uint8
			var bias []int32
			var mul int32
			var shift int
			if o.code != codeAvgPool {
				wq, w = m.params(o.in[1]), m.tensors[o.in[1]].data
				bd := m.tensors[o.in[2]].data
				bias = make([]int32, outC)
				for j := range bias {
					bias[j] = int32(binary.LittleEndian.Uint32(bd[4*j:]))
				}
				mul, shift = quant.QuantizeMultiplier(quant.ConvMultiplier(inQ.Scale, wq.Scale, outQ.Scale))
			}
			for oy := range outH {
				for ox := range outW {
					for oc := range outC {
						var acc, count int32
						if bias != nil {
							acc = bias[oc]
						}
						for ky := range kh {
							for kx := range kw {
								iy, ix := oy*int(o.sh)-pt+ky, ox*int(o.sw)-pl+kx
								if iy < 0 || iy >= inH || ix < 0 || ix >= inW {
									continue
								}
								switch o.code {
								case codeConv:
									for ic := range inC {
										acc += (int32(x[(iy*inW+ix)*inC+ic]) - inQ.ZeroPoint) * (int32(w[((oc*kh+ky)*kw+kx)*inC+ic]) - wq.ZeroPoint)
									}
								case codeDepthwise:
									ic := oc / (outC / inC)
									acc += (int32(x[(iy*inW+ix)*inC+ic]) - inQ.ZeroPoint) * (int32(w[(ky*kw+kx)*outC+oc]) - wq.ZeroPoint)
								default:
									acc += int32(x[(iy*inW+ix)*inC+oc])
									count++
								}
							}
						}
						v := (acc + count/2) / max(count, 1)
						if o.code != codeAvgPool {
							v = quant.MultiplyByQuantizedMultiplier(acc, mul, shift) + outQ.ZeroPoint
						}
						res[(oy*outW+ox)*outC+oc] = clamp(v, o.act, outQ)
					}
				}
			}
		case codeAdd:
			q1, q2, qo := m.params(o.in[0]), m.params(o.in[1]), m.params(o.out[0])
			twiceMax := float64(2 * max(q1.Scale, q2.Scale))
			m1, s1 := quant.QuantizeMultiplier(float64(q1.Scale) / twiceMax)
			m2, s2 := quant.QuantizeMultiplier(float64(q2.Scale) / twiceMax)
			mo, so := quant.QuantizeMultiplier(twiceMax / float64(float32(1<<20)*qo.Scale))
			a, b := val[o.in[0]], val[o.in[1]]
			for j := range res {
				x := quant.MultiplyByQuantizedMultiplier((int32(a[j])-q1.ZeroPoint)<<20, m1, s1)
				y := quant.MultiplyByQuantizedMultiplier((int32(b[j])-q2.ZeroPoint)<<20, m2, s2)
				res[j] = clamp(quant.MultiplyByQuantizedMultiplier(x+y, mo, so)+qo.ZeroPoint, o.act, qo)
			}
		case codeConcat:
			rank := len(outT.shape)
			axis := (int(o.axis) + rank) % rank
			outer := 1
			for _, d := range outT.shape[:axis] {
				outer *= d
			}
			qo := m.params(o.out[0])
			j := 0
			for k := range outer {
				for _, in := range o.in {
					chunk := len(val[in]) / outer
					qi := m.params(in)
					s := qi.Scale * (1 / qo.Scale)
					b := float32(-qi.ZeroPoint) * s
					for _, x := range val[in][k*chunk : (k+1)*chunk] {
						if qi == qo {
							res[j] = x
						} else {
							r := math.Round(float64(float32(float32(x)*s)+b)) + float64(qo.ZeroPoint)
							res[j] = uint8(min(max(r, 0), 255))
						}
						j++
					}
				}
			}
		case codeLogistic:
			qi := m.params(o.in[0])
			for j, x := range val[o.in[0]] {
				d := qi.Scale * float32(int32(x)-qi.ZeroPoint)
				f := 1 / (1 + float32(math.Exp(float64(-d))))
				res[j] = uint8(min(math.Round(float64(f*256)), 255))
			}
		case codeSoftmax:
			depth := outT.shape[len(outT.shape)-1]
			s := quant.NewSoftmax(m.params(o.in[0]).Scale, o.beta)
			for j := 0; j < n; j += depth {
				s.Apply(res[j:j+depth], val[o.in[0]][j:j+depth])
			}
		case codeReshape, codeSqueeze:
			copy(res, val[o.in[0]])
		}
		val[o.out[0]] = res
	}
	return val
}

// mixedGraph builds a graph of every operator in shapes and options
// Google's files do not have: odd sizes, strides 2 and 3, 5x5 and 2x4
// kernels, VALID padding, non-zero zero points everywhere, every fused
// activation, depth multiplier 2, 1x1 convolutions on 5 channels (not a
// multiple of 4) and with more outputs than pixels, a depthwise
// convolution fused with the pointwise one after it, concatenations along
// the channels and along axis −3, with copies and requantizations.
func mixedGraph() *synthModel {
	rng := rand.New(rand.NewPCG(21, 1))
	m := &synthModel{}
	in := m.act("input", []int{1, 13, 11, 5}, 0.05, 7)
	m.inputs = []int{in}
	t1 := m.conv(rng, in, false, 6, 5, 5, 3, 2, fb.PaddingSAME, fb.ActivationFunctionTypeRELU_N1_TO_1, 1e-4, 131, 0.01, 120)
	t2 := m.conv(rng, t1, false, 8, 3, 3, 1, 1, fb.PaddingVALID, fb.ActivationFunctionTypeRELU, 0.001, 170, 0.005, 20)
	t3 := m.conv(rng, t1, true, 12, 3, 3, 1, 1, fb.PaddingSAME, fb.ActivationFunctionTypeNONE, 0.001, 140, 0.004, 128)
	t4 := m.conv(rng, t1, true, 6, 3, 3, 2, 2, fb.PaddingSAME, fb.ActivationFunctionTypeRELU6, 0.01, 160, 0.03, 3)
	t5 := m.conv(rng, t1, true, 6, 2, 4, 1, 3, fb.PaddingVALID, fb.ActivationFunctionTypeNONE, 0.001, 60, 0.01, 77)
	// Average pool 3x3/2 SAME with the input's quantization and a ReLU.
	t6 := m.act("pool", []int{1, 3, 3, 6}, 0.01, 120)
	m.ops = append(m.ops, sOp{code: codeAvgPool, in: []int{t1}, out: []int{t6}, kind: fb.BuiltinOptionsPool2DOptions,
		pad: fb.PaddingSAME, sh: 2, sw: 2, fh: 3, fw: 3, act: fb.ActivationFunctionTypeRELU})
	t7 := m.act("add", []int{1, 3, 3, 6}, 0.02, 100)
	m.ops = append(m.ops, sOp{code: codeAdd, in: []int{t4, t6}, out: []int{t7}, kind: fb.BuiltinOptionsAddOptions, act: fb.ActivationFunctionTypeRELU6})
	// Along the channels: t7 requantized, t4 copied (same quantization).
	t8 := m.act("concat_c", []int{1, 3, 3, 12}, 0.03, 3)
	m.ops = append(m.ops, sOp{code: codeConcat, in: []int{t7, t4}, out: []int{t8}, kind: fb.BuiltinOptionsConcatenationOptions, axis: 3})
	// Along axis −3 (the rows), one tensor twice.
	t9 := m.act("concat_r", []int{1, 6, 3, 12}, 0.04, 30)
	m.ops = append(m.ops, sOp{code: codeConcat, in: []int{t8, t8}, out: []int{t9}, kind: fb.BuiltinOptionsConcatenationOptions, axis: -3})
	t10 := m.act("logistic", []int{1, 6, 3, 12}, 1.0/256, 0)
	m.ops = append(m.ops, sOp{code: codeLogistic, in: []int{t9}, out: []int{t10}})
	t11 := m.act("reshape", []int{18, 12}, 1.0/256, 0)
	m.ops = append(m.ops, sOp{code: codeReshape, in: []int{t10}, out: []int{t11}})
	t12 := m.act("softmax", []int{18, 12}, 1.0/256, 0)
	m.ops = append(m.ops, sOp{code: codeSoftmax, in: []int{t11}, out: []int{t12}, kind: fb.BuiltinOptionsSoftmaxOptions, beta: 0.7})
	t13 := m.act("squeeze", []int{1, 4, 6}, 0.01, 77)
	m.ops = append(m.ops, sOp{code: codeSqueeze, in: []int{t5}, out: []int{t13}, kind: fb.BuiltinOptionsSqueezeOptions, squeeze: []int32{2}})
	// 1x1 on 5 channels (unfolded, padded to 8), 16 outputs, zero point 0.
	t14 := m.conv(rng, in, false, 16, 1, 1, 1, 1, fb.PaddingSAME, fb.ActivationFunctionTypeRELU6, 0.0005, 128, 0.02, 0)
	// A 3x3/2 depthwise on odd sizes (13x11 → 7x6, one pad before), on
	// the SIMD kernels (zero point 0, 16 channels), read only by a 1x1.
	t15 := m.conv(rng, t14, true, 16, 3, 3, 2, 2, fb.PaddingSAME, fb.ActivationFunctionTypeRELU6, 0.005, 120, 0.02, 0)
	t16 := m.conv(rng, t15, false, 24, 1, 1, 1, 1, fb.PaddingSAME, fb.ActivationFunctionTypeNONE, 0.001, 110, 0.005, 140)
	// 1x1 with more outputs than pixels (3x4 pixels, 70 outputs).
	t17 := m.conv(rng, t2, false, 70, 1, 1, 1, 1, fb.PaddingVALID, fb.ActivationFunctionTypeNONE, 0.005, 125, 0.005, 128)
	// A 3x3/1 depthwise and a 1x1 over 13x11 pixels: two strips fused.
	t18 := m.conv(rng, t14, true, 16, 3, 3, 1, 1, fb.PaddingSAME, fb.ActivationFunctionTypeRELU6, 0.005, 120, 0.02, 0)
	t19 := m.conv(rng, t18, false, 8, 1, 1, 1, 1, fb.PaddingSAME, fb.ActivationFunctionTypeNONE, 0.001, 110, 0.005, 140)
	m.outputs = []int{t12, t13, t16, t17, t3, t19}
	return m
}

// TestGraphMixedOperators runs the synthetic graph on every kernel path
// and thread count (every operator split across the threads) and
// compares every tensor with the reference.
func TestGraphMixedOperators(t *testing.T) {
	m := mixedGraph()
	f, err := tflite.Read("mixed.tflite", m.bytes())
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	input := make([]uint8, 13*11*5)
	for i := range input {
		input[i] = uint8(rng.IntN(256))
	}
	want := m.reference(input)
	for _, kp := range allKernelPaths() {
		restoreKernels := kernelenv.Force(kp.path)
		g, err := f.Plan()
		if err != nil {
			restoreKernels()
			t.Fatal(err)
		}
		restore := tflite.SplitEverything()
		split, err := f.Plan()
		restore()
		restoreKernels()
		if err != nil {
			t.Fatal(err)
		}
		for _, threads := range []int{1, 2, 3} {
			if threads > 1 {
				g = split
			}
			t.Run(fmt.Sprintf("%s/threads=%d", kp.name, threads), func(t *testing.T) {
				r := g.NewRunner(threads)
				defer r.Close()
				outs := traceAll(t, r, input)
				if len(outs) != len(m.ops) {
					t.Fatalf("traced %d operators, want %d", len(outs), len(m.ops))
				}
				for i, o := range m.ops {
					if d := diff(outs[i], want[o.out[0]]); d != "" {
						t.Errorf("operator %d (%s) %q: %s", i, f.Operators[i].Name, m.tensors[o.out[0]].name, d)
					}
				}
				if err := r.Run(input); err != nil { // untraced: fused
					t.Fatal(err)
				}
				for i, o := range m.outputs {
					if d := diff(r.OutputUint8(i), want[o]); d != "" {
						t.Errorf("output %d %q: %s", i, m.tensors[o].name, d)
					}
				}
			})
		}
	}
}

// TestGraphRefuses: each graph holds something the runner does not run,
// and Plan refuses it with one line naming the file, the operator and
// the problem.
func TestGraphRefuses(t *testing.T) {
	cases := []struct {
		name   string
		change func(m *synthModel)
		want   string
	}{
		{"a MUL", func(m *synthModel) {
			m.ops[6].code = codeMul
		}, "mixed.tflite: operator 6 (MUL): unsupported operator (the graph runner runs CONV_2D"},
		{"another custom operator", func(m *synthModel) {
			m.ops[9].code, m.ops[9].custom = codeCustom, "Foo"
		}, "mixed.tflite: operator 9 (CUSTOM:Foo): unsupported operator"},
		{"int8 activations", func(m *synthModel) {
			m.tensors[m.ops[2].out[0]].typ = fb.TensorTypeINT8
		}, `mixed.tflite: operator 2 (DEPTHWISE_CONV_2D): unsupported: the output "t3" is INT8 (the graph runner runs uint8 tensors)`},
		{"float32 activations", func(m *synthModel) {
			m.tensors[m.ops[0].out[0]].typ = fb.TensorTypeFLOAT32
		}, `mixed.tflite: operator 0 (CONV_2D): unsupported: the output "t1" is FLOAT32`},
		{"a float32 input", func(m *synthModel) {
			m.tensors[m.inputs[0]].typ = fb.TensorTypeFLOAT32
		}, `mixed.tflite: operator 0 (CONV_2D): unsupported: the input "input" is FLOAT32`},
		{"per-channel weights", func(m *synthModel) {
			w := &m.tensors[m.ops[1].in[1]]
			w.scale, w.zero = []float32{0.01, 0.02, 0.03, 0.01, 0.01, 0.01, 0.01, 0.01}, make([]int64, 8)
		}, "mixed.tflite: operator 1 (CONV_2D): weights: unsupported: tensor \"t2/w\" is quantized per channel (8 scales)"},
		{"broadcasting", func(m *synthModel) {
			m.ops[6].in[1] = m.ops[0].out[0]
		}, "mixed.tflite: operator 6 (ADD): unsupported: [1 3 3 6] + [1 5 6 6] → [1 3 3 6] (the graph runner adds tensors of one shape, without broadcasting)"},
		{"dilation", func(m *synthModel) {
			m.ops[1].dh = 2
		}, "mixed.tflite: operator 1 (CONV_2D): unsupported: dilation 2x1"},
		{"a fused TANH", func(m *synthModel) {
			m.ops[0].act = fb.ActivationFunctionTypeTANH
		}, "mixed.tflite: operator 0 (CONV_2D): unsupported: fused activation TANH"},
		{"a concatenation with an activation", func(m *synthModel) {
			m.ops[7].act = fb.ActivationFunctionTypeRELU
		}, "mixed.tflite: operator 7 (CONCATENATION): unsupported: fused activation RELU (TFLite's CONCATENATION takes none)"},
		{"a wrong output size", func(m *synthModel) {
			m.ops[0].sh = 2
		}, "mixed.tflite: operator 0 (CONV_2D): not a well-formed TFLite file: output 5x6, but a 5x5 window with stride 2x2 over 13x11 gives 7x6"},
		{"a concatenation that does not add up", func(m *synthModel) {
			m.ops[8].in = m.ops[8].in[:1]
		}, "mixed.tflite: operator 8 (CONCATENATION): not a well-formed TFLite file: the inputs add up to 3 along axis 1, the output has 6"},
		{"a logistic quantized otherwise", func(m *synthModel) {
			m.tensors[m.ops[9].out[0]].zero[0] = 1
		}, "mixed.tflite: operator 9 (LOGISTIC): unsupported: output quantized with scale 0.00390625 and zero point 1"},
		{"an operator reading ahead", func(m *synthModel) {
			m.ops[1].in[0] = m.ops[5].out[0]
		}, `mixed.tflite: operator 1 (CONV_2D): unsupported: reads tensor`},
		{"a tensor written twice", func(m *synthModel) {
			m.ops[2].out[0] = m.ops[1].out[0]
		}, "mixed.tflite: operator 2 (DEPTHWISE_CONV_2D): not a well-formed TFLite file: writes tensor"},
		{"an output nobody writes", func(m *synthModel) {
			m.outputs = append(m.outputs, m.ops[0].in[1])
		}, "mixed.tflite: unsupported: output tensor 1 is written by no operator"},
		{"two inputs", func(m *synthModel) {
			m.inputs = append(m.inputs, m.ops[0].out[0])
		}, "mixed.tflite: unsupported: 2 inputs (the graph runner takes one image)"},
		{"a reshape that changes the size", func(m *synthModel) {
			m.tensors[m.ops[10].out[0]].shape = []int{18, 11}
		}, "mixed.tflite: operator 10 (RESHAPE): not a well-formed TFLite file: [1 6 3 12] to [18 11] changes the number of elements"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := mixedGraph()
			c.change(m)
			f, err := tflite.Read("mixed.tflite", m.bytes())
			if err == nil {
				_, err = f.Plan()
			}
			if err == nil {
				t.Fatal("accepted")
			}
			if !strings.HasPrefix(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("error %q,\nwant one line starting %q", err, c.want)
			}
			if !errors.Is(err, tflite.ErrUnsupported) && !errors.Is(err, tflite.ErrMalformed) {
				t.Errorf("error %q wraps neither ErrUnsupported nor ErrMalformed", err)
			}
		})
	}
}
