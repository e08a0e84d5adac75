package tflite_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/livecam/livecam/internal/testrig/shareddata"
	"github.com/livecam/livecam/net/tflite"
	fb "github.com/livecam/livecam/net/tflite/internal/tflitefb"
)

// editFile returns a copy of a shared file changed in place through the
// generated accessors' Mutate methods.
func editFile(t *testing.T, name string, change func(m *fb.Model)) []byte {
	t.Helper()
	data := append([]byte(nil), shareddata.ReadFile(t, "models", "tflite", name+".tflite")...)
	change(fb.GetRootAsModel(data, 0))
	return data
}

// TestGraphRefusesEditedFiles: Google's files, each edited into one the
// runner does not run, are refused by Plan with one line naming the
// file, the operator and the problem.
func TestGraphRefusesEditedFiles(t *testing.T) {
	cases := []struct {
		name, model string
		change      func(m *fb.Model)
		want        string
	}{
		{"a MUL", "mobilenet_v1_0.25_128_quant", func(m *fb.Model) {
			var oc fb.OperatorCode
			m.OperatorCodes(&oc, int(operator(m, 5).OpcodeIndex()))
			if !oc.MutateDeprecatedBuiltinCode(18) {
				oc.MutateBuiltinCode(18)
			}
		}, "edited.tflite: operator 1 (MUL): unsupported operator (the graph runner runs"},
		{"an int8 input", "mobilenet_v1_0.25_128_quant", func(m *fb.Model) {
			tensor(m, int(operator(m, 0).Inputs(0))).MutateType(fb.TensorTypeINT8)
		}, `edited.tflite: operator 0 (CONV_2D): unsupported: the input "input" is INT8 (the graph runner runs uint8 tensors)`},
		{"float32 activations", "mobilenet_v2_1.0_224_quant", func(m *fb.Model) {
			tensor(m, int(operator(m, 9).Outputs(0))).MutateType(fb.TensorTypeFLOAT32)
		}, `edited.tflite: operator 9 (ADD): unsupported: the output "MobilenetV2/expanded_conv_2/add" is FLOAT32`},
		{"damaged postprocess options", ssdModel, func(m *fb.Model) {
			clear(operator(m, ssdPostOp).CustomOptionsBytes())
		}, "edited.tflite: operator 63 (CUSTOM:TFLite_Detection_PostProcess): not a well-formed TFLite file: TFLite_Detection_PostProcess options:"},
		{"a logistic of another zero point", ssdModel, func(m *fb.Model) {
			var q fb.QuantizationParameters
			tensor(m, ssdScores).Quantization(&q)
			q.MutateZeroPoint(0, 1)
		}, "edited.tflite: operator 62 (LOGISTIC): unsupported: output quantized with scale 0.00390625 and zero point 1 (TFLite's uint8 LOGISTIC wants 1/256 and 0)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, err := tflite.Read("edited.tflite", editFile(t, c.model, c.change))
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

// FuzzPlan feeds Plan damaged copies of the SSD detector and of
// MobileNet V2 (two bytes changed anywhere, cut short anywhere): it must
// return a graph or a one-line error naming the file, and never panic; a
// graph it returns must run (on a grey image) without panicking.
func FuzzPlan(f *testing.F) {
	files := [][]byte{
		shareddata.ReadFile(f, "models", "tflite", ssdModel+".tflite"),
		shareddata.ReadFile(f, "models", "tflite", v2Model+".tflite"),
	}
	for _, good := range files {
		n := uint32(len(good))
		f.Add(false, uint32(0), byte(0), uint32(0), byte(0), n)
		f.Add(false, uint32(100), byte(0x10), uint32(n-30), byte(0x01), n)
		f.Add(true, uint32(4000), byte(0x80), uint32(0), byte(0), n)
		f.Add(true, uint32(n/2), byte(0xff), uint32(7), byte(2), n-100)
	}
	f.Fuzz(func(t *testing.T, v2 bool, at1 uint32, b1 byte, at2 uint32, b2 byte, n uint32) {
		good := files[0]
		if v2 {
			good = files[1]
		}
		data := append([]byte(nil), good[:min(int(n), len(good))]...)
		if len(data) > 0 {
			data[int(at1%uint32(len(data)))] ^= b1
			data[int(at2%uint32(len(data)))] ^= b2
		}
		file, err := tflite.Read("fuzz.tflite", data)
		if err != nil {
			return
		}
		g, err := file.Plan()
		if err != nil {
			if !strings.HasPrefix(err.Error(), "fuzz.tflite: ") || strings.Contains(err.Error(), "\n") {
				t.Fatalf("error is not one line naming the file: %q", err)
			}
			return
		}
		if g.MACs() > 2e9 || g.ActivationBytes() > 64<<20 {
			return // runs too long or too large for a fuzzing worker
		}
		r := g.NewRunner(1)
		defer r.Close()
		in := make([]uint8, elements(g.Input().Shape))
		for i := range in {
			in[i] = 128
		}
		if err := r.Run(in); err != nil {
			t.Fatal(err)
		}
	})
}
