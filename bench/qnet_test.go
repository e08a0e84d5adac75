package bench

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"os"

	"github.com/livecam/livecam/net/mobilenet"
	"github.com/livecam/livecam/net/quant"
	"github.com/livecam/livecam/net/tflite"
)

// writeQNet exports a quantized TFLite MobileNet to the flat ".qnet" file
// the XNNPACK peer reads (../shared/tools/xnnpack/quant/qmobilenet_xnn.c;
// the layout is documented in qnet.py there, whose own exporter needs a
// module the shared folder lacks): a header, then per operator 28
// little-endian words and its weights and biases.
func writeQNet(path string, f *tflite.File) error {
	var buf bytes.Buffer
	put := func(v ...any) {
		for _, x := range v {
			binary.Write(&buf, binary.LittleEndian, x)
		}
	}
	hwc := func(shape []int) (int32, int32, int32) {
		switch len(shape) {
		case 4:
			return int32(shape[1]), int32(shape[2]), int32(shape[3])
		case 2:
			return 1, 1, int32(shape[1])
		}
		return 0, 0, 0
	}
	q := func(t int) (float32, int32) {
		qq := f.Tensors[t].Quant
		if qq == nil || len(qq.Scale) == 0 {
			return 0, 0
		}
		return qq.Scale[0], int32(qq.ZeroPoint[0])
	}
	in := f.Inputs[0]
	h, w, c := hwc(f.Tensors[in].Shape)
	sIn, zIn := q(in)
	buf.WriteString("QNETV1\x00\x00")
	put(int32(len(f.Operators)), h, w, c, sIn, zIn)
	kinds := map[string]int32{"CONV_2D": 1, "DEPTHWISE_CONV_2D": 2, "AVERAGE_POOL_2D": 3, "RESHAPE": 4, "SOFTMAX": 5}
	for i, o := range f.Operators {
		kind, ok := kinds[o.Name]
		if !ok {
			return fmt.Errorf("operator %d (%s): not a MobileNet operator", i, o.Name)
		}
		ih, iw, ic := hwc(f.Tensors[o.Inputs[0]].Shape)
		oh, ow, oc := hwc(f.Tensors[o.Outputs[0]].Shape)
		kh, kw, sh, sw := int32(1), int32(1), int32(1), int32(1)
		var pads [4]int32
		var wdata []byte
		var bias []int32
		ws, wz := float32(0), int32(0)
		switch kind {
		case 1, 2:
			wt := f.Tensors[o.Inputs[1]]
			kh, kw = int32(wt.Shape[1]), int32(wt.Shape[2])
			wdata = wt.Data
			bt := f.Tensors[o.Inputs[2]]
			for j := 0; j+4 <= len(bt.Data); j += 4 {
				bias = append(bias, int32(binary.LittleEndian.Uint32(bt.Data[j:])))
			}
			ws, wz = q(o.Inputs[1])
		case 3:
			kh, kw = int32(o.FilterH), int32(o.FilterW)
		}
		if kind <= 3 {
			sh, sw = int32(o.StrideH), int32(o.StrideW)
			if o.Padding == tflite.Same {
				_, pt, pb := mobilenet.SamePadding(int(ih), int(kh), int(sh))
				_, pl, pr := mobilenet.SamePadding(int(iw), int(kw), int(sw))
				pads = [4]int32{int32(pt), int32(pl), int32(pb), int32(pr)}
			}
		}
		xs, xz := q(o.Inputs[0])
		ys, yz := q(o.Outputs[0])
		lo, hi := int32(0), int32(255)
		var mult int32
		var shift int
		if kind <= 2 {
			act := quant.None
			if o.Activation == tflite.ReLU6 {
				act = quant.ReLU6
			}
			lo, hi = quant.ActivationRange(act, quant.Params{Scale: ys, ZeroPoint: yz})
			mult, shift = quant.QuantizeMultiplier(quant.ConvMultiplier(xs, ws, ys))
		}
		put(kind, ih, iw, ic, oh, ow, oc, kh, kw, sh, sw, pads[0], pads[1], pads[2], pads[3])
		put(xs, xz, ws, wz, ys, yz)
		put(lo, hi, mult, int32(shift), o.Beta, int32(len(wdata)), int32(len(bias)))
		buf.Write(wdata)
		put(bias)
	}
	if math.IsNaN(float64(sIn)) {
		return fmt.Errorf("bad input scale")
	}
	return os.WriteFile(path, buf.Bytes(), 0o644)
}
