package tflite_test

import (
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	flatbuffers "github.com/google/flatbuffers/go"

	"github.com/livecam/livecam/internal/testrig/shareddata"
	"github.com/livecam/livecam/net/internal/kernelenv"
	"github.com/livecam/livecam/net/mobilenet"
	"github.com/livecam/livecam/net/tfjs"
	"github.com/livecam/livecam/net/tflite"
	fb "github.com/livecam/livecam/net/tflite/internal/tflitefb"
)

// writeFloatTFLite writes f as a float32 TFLite MobileNet V1 file, laid
// out as TensorFlow's converter does (OHWI filters, folded biases, a
// RESHAPE and a SOFTMAX at the end), through the generated builders.
func writeFloatTFLite(t *testing.T, path string, f *mobilenet.FoldedWeights) {
	b := flatbuffers.NewBuilder(1 << 20)
	var buffers []flatbuffers.UOffsetT
	buffer := func(data []byte) uint32 {
		var v flatbuffers.UOffsetT
		if data != nil {
			v = b.CreateByteVector(data)
		}
		fb.BufferStart(b)
		if data != nil {
			fb.BufferAddData(b, v)
		}
		buffers = append(buffers, fb.BufferEnd(b))
		return uint32(len(buffers) - 1)
	}
	buffer(nil) // buffer 0: the empty sentinel
	floatBytes := func(v []float32) []byte {
		out := make([]byte, 4*len(v))
		for i, x := range v {
			binary.LittleEndian.PutUint32(out[4*i:], math.Float32bits(x))
		}
		return out
	}
	var tensors []flatbuffers.UOffsetT
	tensor := func(name string, shape []int, data []byte) int32 {
		n := b.CreateString(name)
		fb.TensorStartShapeVector(b, len(shape))
		for i := len(shape) - 1; i >= 0; i-- {
			b.PrependInt32(int32(shape[i]))
		}
		sh := b.EndVector(len(shape))
		buf := uint32(0)
		if data != nil {
			buf = buffer(data)
		}
		fb.TensorStart(b)
		fb.TensorAddShape(b, sh)
		fb.TensorAddType(b, fb.TensorTypeFLOAT32)
		fb.TensorAddBuffer(b, buf)
		fb.TensorAddName(b, n)
		tensors = append(tensors, fb.TensorEnd(b))
		return int32(len(tensors) - 1)
	}
	ints := func(v ...int32) flatbuffers.UOffsetT {
		b.StartVector(4, len(v), 4)
		for i := len(v) - 1; i >= 0; i-- {
			b.PrependInt32(v[i])
		}
		return b.EndVector(len(v))
	}
	// Operator codes: CONV_2D, DEPTHWISE_CONV_2D, AVERAGE_POOL_2D, RESHAPE, SOFTMAX.
	var codes []flatbuffers.UOffsetT
	for _, c := range []int8{3, 4, 1, 22, 25} {
		fb.OperatorCodeStart(b)
		fb.OperatorCodeAddDeprecatedBuiltinCode(b, c)
		fb.OperatorCodeAddBuiltinCode(b, int32(c))
		fb.OperatorCodeAddVersion(b, 1)
		codes = append(codes, fb.OperatorCodeEnd(b))
	}
	var ops []flatbuffers.UOffsetT
	op := func(code uint32, in []int32, out int32, kind fb.BuiltinOptions, opts flatbuffers.UOffsetT) {
		iv, ov := ints(in...), ints(out)
		fb.OperatorStart(b)
		fb.OperatorAddOpcodeIndex(b, code)
		fb.OperatorAddInputs(b, iv)
		fb.OperatorAddOutputs(b, ov)
		fb.OperatorAddBuiltinOptionsType(b, kind)
		fb.OperatorAddBuiltinOptions(b, opts)
		ops = append(ops, fb.OperatorEnd(b))
	}
	layers := f.Config.Layers()
	x := tensor("input", []int{1, f.Config.Size, f.Config.Size, 3}, nil)
	input := x
	k := 0
	for _, l := range layers {
		out := tensor(l.Name, []int{1, l.OutH, l.OutW, l.OutC}, nil)
		if l.Kind == mobilenet.Pool {
			fb.Pool2DOptionsStart(b)
			fb.Pool2DOptionsAddPadding(b, fb.PaddingVALID)
			fb.Pool2DOptionsAddStrideW(b, 2)
			fb.Pool2DOptionsAddStrideH(b, 2)
			fb.Pool2DOptionsAddFilterWidth(b, int32(l.InW))
			fb.Pool2DOptionsAddFilterHeight(b, int32(l.InH))
			op(2, []int32{x}, out, fb.BuiltinOptionsPool2DOptions, fb.Pool2DOptionsEnd(b))
			x = out
			continue
		}
		fl := f.Layers[k]
		k++
		act := fb.ActivationFunctionTypeRELU6
		if l.Kind == mobilenet.Classifier {
			act = fb.ActivationFunctionTypeNONE
		}
		bias := tensor(l.Name+"/bias", []int{l.OutC}, floatBytes(fl.Bias))
		if l.Kind == mobilenet.Depthwise {
			w := tensor(l.Name+"/weights", []int{1, 3, 3, l.OutC}, floatBytes(fl.Kernel))
			fb.DepthwiseConv2DOptionsStart(b)
			fb.DepthwiseConv2DOptionsAddPadding(b, fb.PaddingSAME)
			fb.DepthwiseConv2DOptionsAddStrideW(b, int32(l.Stride))
			fb.DepthwiseConv2DOptionsAddStrideH(b, int32(l.Stride))
			fb.DepthwiseConv2DOptionsAddDepthMultiplier(b, 1)
			fb.DepthwiseConv2DOptionsAddFusedActivationFunction(b, act)
			op(1, []int32{x, w, bias}, out, fb.BuiltinOptionsDepthwiseConv2DOptions, fb.DepthwiseConv2DOptionsEnd(b))
		} else {
			kk := l.Kernel * l.Kernel * l.InC
			ohwi := make([]float32, len(fl.Kernel)) // Keras [kh][kw][in][out] to [out][kh][kw][in]
			for o := range l.OutC {
				for j := range kk {
					ohwi[o*kk+j] = fl.Kernel[j*l.OutC+o]
				}
			}
			w := tensor(l.Name+"/weights", []int{l.OutC, l.Kernel, l.Kernel, l.InC}, floatBytes(ohwi))
			fb.Conv2DOptionsStart(b)
			fb.Conv2DOptionsAddPadding(b, fb.PaddingSAME)
			fb.Conv2DOptionsAddStrideW(b, int32(l.Stride))
			fb.Conv2DOptionsAddStrideH(b, int32(l.Stride))
			fb.Conv2DOptionsAddFusedActivationFunction(b, act)
			op(0, []int32{x, w, bias}, out, fb.BuiltinOptionsConv2DOptions, fb.Conv2DOptionsEnd(b))
		}
		x = out
	}
	logits := tensor("logits", []int{1, f.Config.Classes}, nil)
	ns := ints(1, int32(f.Config.Classes))
	fb.ReshapeOptionsStart(b)
	fb.ReshapeOptionsAddNewShape(b, ns)
	op(3, []int32{x}, logits, fb.BuiltinOptionsReshapeOptions, fb.ReshapeOptionsEnd(b))
	probs := tensor("probabilities", []int{1, f.Config.Classes}, nil)
	fb.SoftmaxOptionsStart(b)
	fb.SoftmaxOptionsAddBeta(b, 1)
	op(4, []int32{logits}, probs, fb.BuiltinOptionsSoftmaxOptions, fb.SoftmaxOptionsEnd(b))

	vec := func(items []flatbuffers.UOffsetT) flatbuffers.UOffsetT {
		b.StartVector(4, len(items), 4)
		for i := len(items) - 1; i >= 0; i-- {
			b.PrependUOffsetT(items[i])
		}
		return b.EndVector(len(items))
	}
	tv, ov, iv, outv := vec(tensors), vec(ops), ints(input), ints(probs)
	name := b.CreateString("main")
	fb.SubGraphStart(b)
	fb.SubGraphAddTensors(b, tv)
	fb.SubGraphAddInputs(b, iv)
	fb.SubGraphAddOutputs(b, outv)
	fb.SubGraphAddOperators(b, ov)
	fb.SubGraphAddName(b, name)
	sg := fb.SubGraphEnd(b)
	sgs, cv, bv := vec([]flatbuffers.UOffsetT{sg}), vec(codes), vec(buffers)
	desc := b.CreateString("livecam test: MobileNet V1 in float32")
	fb.ModelStart(b)
	fb.ModelAddVersion(b, 3)
	fb.ModelAddOperatorCodes(b, cv)
	fb.ModelAddSubgraphs(b, sgs)
	fb.ModelAddDescription(b, desc)
	fb.ModelAddBuffers(b, bv)
	b.FinishWithFileIdentifier(fb.ModelEnd(b), []byte("TFL3"))
	if err := os.WriteFile(path, b.FinishedBytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestFloatTFLite writes the shared float32 0.75@224 weights as a TFLite
// file, loads it back into the float path and requires the very logits
// the TF.js model gives, bit for bit, on the golden tench input.
func TestFloatTFLite(t *testing.T) {
	w, err := tfjs.LoadWeights(shareddata.Path(t, "models", "mobilenet_v1_0.75_224"))
	if err != nil {
		t.Fatal(err)
	}
	want, err := mobilenet.NewModel(w)
	if err != nil {
		t.Fatal(err)
	}
	f, err := mobilenet.Fold(w)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "mobilenet_v1_0.75_224_float.tflite")
	writeFloatTFLite(t, path, f)
	got, err := tflite.Load(path, w.Labels)
	if err != nil {
		t.Fatal(err)
	}
	if got.Quantized() || got.Name() != "mobilenet_v1_0.75_224_float" || got.Classes() != 1000 || got.Config() != want.Config() {
		t.Fatalf("loaded %s (%s, %d classes, %+v)", got.Name(), got.Precision(), got.Classes(), got.Config())
	}
	rgb := shareddata.ReadFile(t, "golden", "n01440764_tench.rgb")
	pw, pg := make([]float32, 1000), make([]float32, 1000)
	for _, c := range []struct {
		m *mobilenet.Model
		p []float32
	}{{want, pw}, {got, pg}} {
		r := c.m.NewRunner(1)
		if err := r.Probabilities(c.p, rgb); err != nil {
			t.Fatal(err)
		}
		r.Close()
	}
	for i := range pw {
		if math.Float32bits(pw[i]) != math.Float32bits(pg[i]) {
			t.Fatalf("class %d: %v from the TFLite file, %v from TF.js", i, pg[i], pw[i])
		}
	}
	if _, err := tflite.ReadFile(path); err != nil {
		t.Fatal(err)
	}
	// A float file refuses a $LIVECAM_KERNELS of no path, as every model
	// does, naming the file and the value.
	t.Setenv(kernelenv.Env, "nosuch")
	if _, err := tflite.Load(path, w.Labels); err == nil || !strings.Contains(err.Error(), "LIVECAM_KERNELS=nosuch") || !strings.Contains(err.Error(), path) {
		t.Errorf("LIVECAM_KERNELS=nosuch: %v", err)
	}
}
