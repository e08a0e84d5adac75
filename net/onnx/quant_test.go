package onnx_test

import (
	"errors"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/livecam/livecam/internal/testrig/shareddata"
	"github.com/livecam/livecam/net/onnx"
	"github.com/livecam/livecam/net/tflite"
)

// TestWriteQuantBadGraphs damages Google's 0.75@192 file in memory in the
// ways a file can be wrong and checks that WriteQuant returns an
// ErrQuantGraph naming the file and the operator, never panics.
func TestWriteQuantBadGraphs(t *testing.T) {
	path := shareddata.Path(t, "models", "tflite", "mobilenet_v1_0.75_192_quant.tflite")
	for _, c := range []struct {
		name   string
		damage func(f *tflite.File)
		want   string
	}{
		{"stride 0", func(f *tflite.File) { f.Operators[1].StrideH = 0 }, "operator 1 "},
		{"pool filter 0", func(f *tflite.File) { f.Operators[27].FilterW = 0 }, "operator 27 "},
		{"no zero point", func(f *tflite.File) {
			t := f.Operators[27].Inputs[0]
			q := *f.Tensors[t].Quant
			q.ZeroPoint = nil
			f.Tensors[t].Quant = &q
		}, "operator 26 "},
		{"pool output without zero point", func(f *tflite.File) {
			t := f.Operators[27].Outputs[0]
			q := *f.Tensors[t].Quant
			q.ZeroPoint = nil
			f.Tensors[t].Quant = &q
		}, "operator 27 "},
		{"per-channel weights", func(f *tflite.File) {
			t := f.Operators[2].Inputs[1]
			q := *f.Tensors[t].Quant
			q.Scale = append(q.Scale[:1:1], q.Scale[0])
			q.ZeroPoint = append(q.ZeroPoint[:1:1], q.ZeroPoint[0])
			f.Tensors[t].Quant = &q
		}, "operator 2 "},
		{"zero point 300", func(f *tflite.File) {
			t := f.Operators[4].Inputs[1]
			q := *f.Tensors[t].Quant
			q.ZeroPoint = []int64{300}
			f.Tensors[t].Quant = &q
		}, "operator 4 "},
		{"short weights", func(f *tflite.File) {
			t := f.Operators[6].Inputs[1]
			f.Tensors[t].Data = f.Tensors[t].Data[:10]
		}, "operator 6 "},
		{"no bias", func(f *tflite.File) { f.Operators[8].Inputs = f.Operators[8].Inputs[:2] }, "operator 8 "},
		{"depth multiplier 2", func(f *tflite.File) {
			t := f.Operators[3].Inputs[1]
			f.Tensors[t].Shape = []int{1, 3, 3, 96}
		}, "operator 3 "},
		{"absent input", func(f *tflite.File) { f.Operators[5].Inputs = []int{-1, 1, 2} }, "operator 5 "},
		{"absent output", func(f *tflite.File) { f.Operators[30].Outputs = []int{-1} }, "operator 30 "},
		{"softmax beta", func(f *tflite.File) { f.Operators[30].Beta = 2 }, "operator 30 "},
		{"no softmax at the end", func(f *tflite.File) { f.Operators[30].Name = "LOGISTIC" }, "operator 30 "},
		{"float activations", func(f *tflite.File) { f.Tensors[f.Operators[10].Outputs[0]].Type = tflite.Float32 }, "operator 10 "},
	} {
		t.Run(c.name, func(t *testing.T) {
			f, err := tflite.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			// Copies of what the damage changes.
			f.Operators = append([]tflite.Operator(nil), f.Operators...)
			f.Tensors = append([]tflite.Tensor(nil), f.Tensors...)
			c.damage(f)
			err = onnx.WriteQuant(io.Discard, f, nil)
			if !errors.Is(err, onnx.ErrQuantGraph) || !strings.Contains(err.Error(), filepath.Base(path)) || !strings.Contains(err.Error(), c.want) {
				t.Errorf("got %v, want an ErrQuantGraph naming the file and %q", err, c.want)
			}
		})
	}
}
