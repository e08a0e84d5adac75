package ssd_test

import (
	"strings"
	"testing"

	"github.com/livecam/livecam/net/quant"
	"github.com/livecam/livecam/net/ssd"
)

// FuzzParseOptions: hostile bytes give an error or options, never a
// panic, and options that parse also parse again the same.
func FuzzParseOptions(f *testing.F) {
	f.Add(ssd.BuiltOptions(1))
	f.Add(ssd.BuiltOptions(8))
	f.Add(realOptions(f))
	f.Fuzz(func(t *testing.T, b []byte) {
		o, err := ssd.ParseOptions(b)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "TFLite_Detection_PostProcess options: ") {
				t.Errorf("error without the operator's name: %v", err)
			}
			return
		}
		if o2, err := ssd.ParseOptions(b); err != nil || o2 != o && !hasNaN(o) {
			t.Errorf("second parse: %+v, %v; first %+v", o2, err, o)
		}
		// Whatever New accepts runs (two anchors, a box scale large enough
		// for infinities): never a panic, a count within bounds.
		anchors := []uint8{b0(b, 0), b0(b, 1), b0(b, 2), b0(b, 3), 128, 128, 255, 255}
		p, err := ssd.New(o, anchors, quant.Params{Scale: 0.01}, quant.Params{Scale: 2, ZeroPoint: 128}, quant.Params{Scale: 1.0 / 256}, 2)
		if err != nil {
			return
		}
		boxenc := []uint8{b0(b, 4), b0(b, 5), b0(b, 6), b0(b, 7), 255, 0, 255, 0}
		scores := make([]uint8, 2*(o.NumClasses+1))
		for i := range scores {
			scores[i] = b0(b, 8+i)
		}
		boxes, classes, probs := make([]float32, 4*o.MaxDetections), make([]float32, o.MaxDetections), make([]float32, o.MaxDetections)
		if n := p.Run(p.NewWork(), boxes, classes, probs, boxenc, scores); n < 0 || n > 2 || n > o.MaxDetections {
			t.Errorf("count %d", n)
		}
	})
}

// b0 returns b[i], or 0 past its end.
func b0(b []byte, i int) uint8 {
	if i < len(b) {
		return b[i]
	}
	return 0
}

func hasNaN(o ssd.Options) bool {
	for _, v := range []float32{o.ScoreThreshold, o.IoUThreshold, o.YScale, o.XScale, o.HScale, o.WScale} {
		if v != v {
			return true
		}
	}
	return false
}

// realOptions returns the detector's custom_options from the shared
// model file.
func realOptions(tb testing.TB) []byte { return loadModel(tb).custom }
