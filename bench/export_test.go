package bench

import (
	"bytes"
	"math"
	"testing"
	"unsafe"

	"gocv.io/x/gocv"

	"github.com/livecam/livecam/internal/randweights"
	"github.com/livecam/livecam/net/mobilenet"
	"github.com/livecam/livecam/net/onnx"
)

// TestONNXExportRunsInOpenCV exports generated weights of several variants
// with onnx.Write, runs them in OpenCV's DNN module and checks
// that the logits agree with livecam's on the same input.
func TestONNXExportRunsInOpenCV(t *testing.T) {
	for _, cfg := range []mobilenet.Config{
		{Alpha: 0.25, Size: 128, Classes: 1000},
		{Alpha: 0.75, Size: 160, Classes: 10},
		{Alpha: 1.0, Size: 96, Classes: 1000},
	} {
		t.Run(cfg.Name(), func(t *testing.T) {
			w, err := randweights.New(cfg, 3)
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			if err := onnx.Write(&buf, w); err != nil {
				t.Fatal(err)
			}
			dnn, err := gocv.ReadNetFromONNXBytes(buf.Bytes())
			if err != nil {
				t.Fatalf("OpenCV cannot read the export: %v", err)
			}
			defer dnn.Close()
			size := cfg.Size
			in := input(size)
			nchw := make([]float32, len(in))
			for p := range size * size {
				for c := range 3 {
					nchw[c*size*size+p] = in[p*3+c]
				}
			}
			blob, err := gocv.NewMatWithSizesFromBytes([]int{1, 3, size, size}, gocv.MatTypeCV32F,
				unsafe.Slice((*byte)(unsafe.Pointer(&nchw[0])), 4*len(nchw)))
			if err != nil {
				t.Fatal(err)
			}
			defer blob.Close()
			dnn.SetInput(blob, "")
			out := dnn.Forward("logits")
			defer out.Close()
			theirs, err := out.DataPtrFloat32()
			if err != nil {
				t.Fatal(err)
			}
			m, err := mobilenet.NewModel(w)
			if err != nil {
				t.Fatal(err)
			}
			r := m.NewRunner(1)
			defer r.Close()
			ours := make([]float32, cfg.Classes)
			if err := r.Forward(ours, in); err != nil {
				t.Fatal(err)
			}
			if len(theirs) != len(ours) {
				t.Fatalf("OpenCV gives %d logits, livecam %d", len(theirs), len(ours))
			}
			worst := 0.0
			for i := range ours {
				worst = max(worst, math.Abs(float64(ours[i]-theirs[i]))/max(1, math.Abs(float64(ours[i]))))
			}
			t.Logf("largest logit difference %.3g", worst)
			if worst > 1e-3 {
				t.Errorf("livecam and OpenCV disagree on the exported network: %.3g", worst)
			}
		})
	}
}
