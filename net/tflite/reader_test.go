package tflite_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	flatbuffers "github.com/google/flatbuffers/go"

	"github.com/livecam/livecam/internal/testrig/shareddata"
	"github.com/livecam/livecam/net/tflite"
	fb "github.com/livecam/livecam/net/tflite/internal/tflitefb"
)

// edit returns a copy of the 0.25@128 file changed in place through the
// generated accessors' Mutate methods.
func edit(t *testing.T, change func(m *fb.Model)) []byte {
	t.Helper()
	data := append([]byte(nil), shareddata.ReadFile(t, "models", "tflite", "mobilenet_v1_0.25_128_quant.tflite")...)
	change(fb.GetRootAsModel(data, 0))
	return data
}

func operator(m *fb.Model, i int) *fb.Operator {
	var sg fb.SubGraph
	m.Subgraphs(&sg, 0)
	var op fb.Operator
	sg.Operators(&op, i)
	return &op
}

func optionsOf(op *fb.Operator) *fb.Conv2DOptions {
	var tab flatbuffers.Table
	op.BuiltinOptions(&tab)
	var c fb.Conv2DOptions
	c.Init(tab.Bytes, tab.Pos)
	return &c
}

func tensor(m *fb.Model, i int) *fb.Tensor {
	var sg fb.SubGraph
	m.Subgraphs(&sg, 0)
	var t fb.Tensor
	sg.Tensors(&t, i)
	return &t
}

// TestRefusesOtherGraphs: each edit makes the file something livecam does
// not run, and the error is one line naming the file, the operator or
// tensor, and what is wrong.
func TestRefusesOtherGraphs(t *testing.T) {
	cases := []struct {
		name   string
		change func(m *fb.Model)
		want   string
	}{
		{"an LSTM", func(m *fb.Model) {
			var oc fb.OperatorCode
			m.OperatorCodes(&oc, int(operator(m, 5).OpcodeIndex()))
			if !oc.MutateDeprecatedBuiltinCode(16) {
				oc.MutateBuiltinCode(16)
			}
		}, "operator 1 (LSTM): unsupported operator: livecam runs MobileNet V1"},
		{"stride 3", func(m *fb.Model) {
			optionsOf(operator(m, 2)).MutateStrideW(3)
		}, "operator 2 (CONV_2D): unsupported: stride 3x1 (want 1)"},
		{"a float input to a uint8 network", func(m *fb.Model) {
			tensor(m, int(operator(m, 0).Inputs(0))).MutateType(fb.TensorTypeFLOAT32)
		}, "operator 0 (CONV_2D): unsupported: output is UINT8 in a FLOAT32 model"},
		{"an int8 input", func(m *fb.Model) {
			tensor(m, int(operator(m, 0).Inputs(0))).MutateType(fb.TensorTypeINT8)
		}, "unsupported: input is INT8; livecam runs uint8 and float32 TFLite MobileNets"},
		{"no activation", func(m *fb.Model) {
			optionsOf(operator(m, 4)).MutateFusedActivationFunction(fb.ActivationFunctionTypeNONE)
		}, "operator 4 (CONV_2D): unsupported: fused activation NONE where MobileNet V1 has RELU6"},
		{"a rewired input", func(m *fb.Model) {
			operator(m, 6).MutateInputs(0, 0)
		}, "operator 6 (CONV_2D): unsupported: does not read the previous operator's output"},
		{"a shape its data does not fill", func(m *fb.Model) {
			tensor(m, int(operator(m, 0).Inputs(1))).MutateShape(0, 9)
		}, `not a well-formed TFLite file: 216 bytes of data for shape [9 3 3 3] of UINT8`},
		{"another width", func(m *fb.Model) {
			// Every shape of the first layer says 9 channels (the
			// data check passes with a tensor of no data).
			w := tensor(m, int(operator(m, 0).Inputs(1)))
			w.MutateShape(0, 9)
			w.MutateBuffer(0)
		}, "operator 0 (CONV_2D): unsupported: 9 output channels match no MobileNet V1 width"},
		{"a zero point out of range", func(m *fb.Model) {
			var q fb.QuantizationParameters
			tensor(m, int(operator(m, 2).Inputs(1))).Quantization(&q)
			q.MutateZeroPoint(0, 300)
		}, "not a well-formed TFLite file: tensor"},
		{"a buffer index past the end", func(m *fb.Model) {
			tensor(m, int(operator(m, 2).Inputs(1))).MutateBuffer(100000)
		}, "not a well-formed TFLite file: buffer 100000 of"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			data := edit(t, c.change)
			f, err := tflite.Read("edited.tflite", data)
			if err == nil {
				_, err = f.MobileNet()
			}
			if err == nil {
				t.Fatal("accepted")
			}
			if !strings.HasPrefix(err.Error(), "edited.tflite: ") || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("error %q, want one line with %q", err, c.want)
			}
			if !errors.Is(err, tflite.ErrUnsupported) && !errors.Is(err, tflite.ErrMalformed) {
				t.Errorf("error %q wraps neither ErrUnsupported nor ErrMalformed", err)
			}
		})
	}
}

// FuzzRead feeds the reader damaged copies of the real file (two bytes
// changed anywhere, cut short anywhere): it must return a model or an
// error naming the file, and never panic. The file itself is not a fuzz
// argument (the engine crawls on half-megabyte inputs); the damage is.
func FuzzRead(f *testing.F) {
	good := shareddata.ReadFile(f, "models", "tflite", "mobilenet_v1_0.25_128_quant.tflite")
	f.Add(uint32(0), byte(0), uint32(0), byte(0), uint32(len(good)))
	f.Add(uint32(4), byte('X'), uint32(0), byte(0), uint32(len(good)))
	f.Add(uint32(0), byte(0xff), uint32(1), byte(0xff), uint32(100))
	f.Add(uint32(40), byte(0x7f), uint32(len(good)-8), byte(3), uint32(len(good)))
	f.Add(uint32(200), byte(0x80), uint32(0), byte(0), uint32(len(good)/2))
	f.Fuzz(func(t *testing.T, at1 uint32, b1 byte, at2 uint32, b2 byte, n uint32) {
		data := append([]byte(nil), good[:min(int(n), len(good))]...)
		if len(data) > 0 {
			data[int(at1%uint32(len(data)))] ^= b1
			data[int(at2%uint32(len(data)))] ^= b2
		}
		file, err := tflite.Read("fuzz.tflite", data)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "fuzz.tflite: ") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		if _, err := file.MobileNet(); err != nil && !strings.HasPrefix(err.Error(), "fuzz.tflite: ") {
			t.Fatalf("error does not name the file: %v", err)
		}
	})
}

// TestReadGraphOptions: the options the graph runner needs, as the
// reader gives them from the SSD detector and a written graph.
func TestReadGraphOptions(t *testing.T) {
	f, err := tflite.ReadFile(shareddata.Path(t, "models", "tflite", ssdModel+".tflite"))
	if err != nil {
		t.Fatal(err)
	}
	post := f.Operators[ssdPostOp]
	if post.Name != "CUSTOM:TFLite_Detection_PostProcess" || post.CustomCode != "TFLite_Detection_PostProcess" || len(post.Custom) != 217 {
		t.Errorf("postprocess: name %q, custom code %q, %d option bytes (want 217)", post.Name, post.CustomCode, len(post.Custom))
	}
	if c := f.Operators[57]; c.Name != "CONCATENATION" || c.Axis != 1 || c.Activation != tflite.NoActivation {
		t.Errorf("operator 57: %s, axis %d, activation %s", c.Name, c.Axis, c.Activation)
	}
	m := mixedGraph()
	m.ops[6].act = fb.ActivationFunctionTypeRELU_N1_TO_1
	m.ops[8].axis = -2
	f, err = tflite.Read("mixed.tflite", m.bytes())
	if err != nil {
		t.Fatal(err)
	}
	if a := f.Operators[6]; a.Name != "ADD" || a.Activation != tflite.ReLUN1To1 {
		t.Errorf("operator 6: %s, activation %s", a.Name, a.Activation)
	}
	if c := f.Operators[8]; c.Axis != -2 {
		t.Errorf("operator 8: axis %d, want -2", c.Axis)
	}
	if s := f.Operators[12]; s.Name != "SQUEEZE" || fmt.Sprint(s.SqueezeDims) != "[2]" {
		t.Errorf("operator 12: %s, squeeze dims %v", s.Name, s.SqueezeDims)
	}
}
