package bench

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"os"

	"github.com/livecam/livecam/net/mobilenet"
	"github.com/livecam/livecam/net/quant"
	"github.com/livecam/livecam/net/ssd"
	"github.com/livecam/livecam/net/tflite"
)

// qgraphKinds are the operators the XNNPACK graph peer
// (xnnpack/qgraph_xnn.c) runs, with its numbers for them.
var qgraphKinds = map[string]int32{
	"CONV_2D":                             1,
	"DEPTHWISE_CONV_2D":                   2,
	"RESHAPE":                             3,
	"CONCATENATION":                       4,
	"LOGISTIC":                            5,
	"CUSTOM:TFLite_Detection_PostProcess": 6,
	"ADD":                                 7,
	"AVERAGE_POOL_2D":                     8,
	"SOFTMAX":                             9,
}

// writeQGraph exports a uint8 TFLite graph to the flat ".qgraph" file the
// XNNPACK graph peer reads (the layout is in xnnpack/qgraph_xnn.c):
// every tensor by index (type, shape, per-tensor scale and zero point,
// constant bytes), then every operator in file order with its tensor
// indices and sixteen words of options: explicit pads worked out here
// from SAME padding, the fused activation's uint8 clamp, the
// concatenation axis, the postprocess options decoded from their
// FlexBuffers map by net/ssd. Any other operator, or a per-channel
// quantized tensor, is refused with an error naming the file and the
// operator.
func writeQGraph(path string, f *tflite.File) error {
	fail := func(format string, args ...any) error {
		return fmt.Errorf("%s: %s", f.Name, fmt.Sprintf(format, args...))
	}
	if len(f.Inputs) != 1 || len(f.Outputs) < 1 || len(f.Outputs) > 16 {
		return fail("%d inputs and %d outputs: the peer takes one input and 1 to 16 outputs", len(f.Inputs), len(f.Outputs))
	}
	var buf bytes.Buffer
	put := func(v ...any) {
		for _, x := range v {
			binary.Write(&buf, binary.LittleEndian, x)
		}
	}
	buf.WriteString("QGRAPHV1")
	put(int32(len(f.Tensors)), int32(len(f.Operators)), int32(len(f.Inputs)), int32(len(f.Outputs)))
	for _, t := range f.Inputs {
		put(int32(t))
	}
	for _, t := range f.Outputs {
		put(int32(t))
	}
	params := func(t int) quant.Params {
		q := f.Tensors[t].Quant
		if q == nil || len(q.Scale) == 0 {
			return quant.Params{}
		}
		return quant.Params{Scale: q.Scale[0], ZeroPoint: int32(q.ZeroPoint[0])}
	}
	for i, t := range f.Tensors {
		if len(t.Shape) > 8 {
			return fail("tensor %d (%s): rank %d, the peer takes at most 8", i, t.Name, len(t.Shape))
		}
		if t.Quant != nil && len(t.Quant.Scale) > 1 {
			return fail("tensor %d (%s): quantized per channel, the peer's uint8 operators take one scale", i, t.Name)
		}
		p := params(i)
		put(int32(t.Type), int32(len(t.Shape)))
		for _, d := range t.Shape {
			put(int32(d))
		}
		put(p.Scale, p.ZeroPoint, int32(len(t.Data)))
		buf.Write(t.Data)
	}
	clamp := func(o tflite.Operator) (int32, int32, error) {
		acts := map[tflite.Activation]quant.Activation{
			tflite.NoActivation: quant.None, tflite.ReLU: quant.ReLU,
			tflite.ReLU6: quant.ReLU6, tflite.ReLUN1To1: quant.ReLUN1To1,
		}
		a, ok := acts[o.Activation]
		if !ok {
			return 0, 0, fmt.Errorf("fused activation %s is not mapped", o.Activation)
		}
		lo, hi := quant.ActivationRange(a, params(o.Outputs[0]))
		return lo, hi, nil
	}
	// pads returns TFLite's explicit padding (top, left, bottom, right) of
	// a window of kh x kw (dilated) over the operator's input.
	pads := func(o tflite.Operator, kh, kw int) [4]int32 {
		if o.Padding != tflite.Same {
			return [4]int32{}
		}
		in := f.Tensors[o.Inputs[0]].Shape
		_, pt, pb := mobilenet.SamePadding(in[1], (kh-1)*max(o.DilationH, 1)+1, o.StrideH)
		_, pl, pr := mobilenet.SamePadding(in[2], (kw-1)*max(o.DilationW, 1)+1, o.StrideW)
		return [4]int32{int32(pt), int32(pl), int32(pb), int32(pr)}
	}
	for i, o := range f.Operators {
		kind, ok := qgraphKinds[o.Name]
		if !ok {
			return fail("operator %d: %s is not mapped to XNNPACK", i, o.Name)
		}
		if len(o.Inputs) > 16 || len(o.Outputs) > 16 || len(o.Outputs) == 0 {
			return fail("operator %d (%s): %d inputs, %d outputs", i, o.Name, len(o.Inputs), len(o.Outputs))
		}
		var p [16]int32
		switch kind {
		case 1, 2: // CONV_2D, DEPTHWISE_CONV_2D
			if len(o.Inputs) < 2 || len(f.Tensors[o.Inputs[0]].Shape) != 4 || len(f.Tensors[o.Inputs[1]].Shape) != 4 {
				return fail("operator %d (%s): input and filter must be 4-D", i, o.Name)
			}
			w := f.Tensors[o.Inputs[1]].Shape
			pd := pads(o, w[1], w[2])
			lo, hi, err := clamp(o)
			if err != nil {
				return fail("operator %d (%s): %v", i, o.Name, err)
			}
			p = [16]int32{int32(w[1]), int32(w[2]), int32(o.StrideH), int32(o.StrideW), pd[0], pd[1], pd[2], pd[3],
				int32(max(o.DilationH, 1)), int32(max(o.DilationW, 1)), lo, hi, int32(max(o.DepthMultiplier, 1))}
		case 4: // CONCATENATION
			rank := len(f.Tensors[o.Outputs[0]].Shape)
			axis := o.Axis
			if axis < 0 {
				axis += rank
			}
			if axis < 0 || axis >= rank {
				return fail("operator %d (CONCATENATION): axis %d of a rank-%d output", i, o.Axis, rank)
			}
			if o.Activation != tflite.NoActivation {
				return fail("operator %d (CONCATENATION): fused %s is not mapped", i, o.Activation)
			}
			p[0] = int32(axis)
		case 6: // TFLite_Detection_PostProcess
			opt, err := ssd.ParseOptions(o.Custom)
			if err != nil {
				return fail("operator %d: %v", i, err)
			}
			if opt.UseRegularNMS || opt.MaxClassesPerDetection != 1 {
				return fail("operator %d: only fast NMS with one class per detection is mapped", i)
			}
			p = [16]int32{int32(opt.MaxDetections), int32(opt.MaxClassesPerDetection), int32(opt.NumClasses), 0,
				int32(math.Float32bits(opt.ScoreThreshold)), int32(math.Float32bits(opt.IoUThreshold)),
				int32(math.Float32bits(opt.YScale)), int32(math.Float32bits(opt.XScale)),
				int32(math.Float32bits(opt.HScale)), int32(math.Float32bits(opt.WScale))}
		case 7: // ADD
			lo, hi, err := clamp(o)
			if err != nil {
				return fail("operator %d (ADD): %v", i, err)
			}
			p[0], p[1] = lo, hi
		case 8: // AVERAGE_POOL_2D
			if len(f.Tensors[o.Inputs[0]].Shape) != 4 {
				return fail("operator %d (AVERAGE_POOL_2D): input must be 4-D", i)
			}
			pd := pads(o, o.FilterH, o.FilterW)
			lo, hi, err := clamp(o)
			if err != nil {
				return fail("operator %d (AVERAGE_POOL_2D): %v", i, err)
			}
			p = [16]int32{int32(o.FilterH), int32(o.FilterW), int32(o.StrideH), int32(o.StrideW),
				pd[0], pd[1], pd[2], pd[3], lo, hi}
		case 9: // SOFTMAX
			p[0] = int32(math.Float32bits(o.Beta))
		}
		put(kind, int32(len(o.Inputs)), int32(len(o.Outputs)))
		for _, t := range o.Inputs {
			put(int32(t))
		}
		for _, t := range o.Outputs {
			put(int32(t))
		}
		put(p)
	}
	return os.WriteFile(path, buf.Bytes(), 0o644)
}
