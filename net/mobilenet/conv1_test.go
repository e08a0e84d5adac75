package mobilenet

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/livecam/livecam/net/pwconv"
)

// TestFirstLayerPathsAgree: the first layer through im2col and Apply, and
// (where the kernel has it) through conv3Patches, gives the bits of
// unfolding every pixel on its own with patch, for inputs of odd and
// narrow sizes, strides 1 and 2, and padding before the data of 0 or 1
// (interior columns from 0 or 1, none at all for a 2-pixel-wide input).
func TestFirstLayerPathsAgree(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, g := range []struct{ h, w, stride, pad int }{
		{224, 224, 2, 0}, {33, 35, 2, 0}, {31, 17, 1, 1}, {9, 8, 2, 1}, {7, 5, 1, 0},
		{3, 3, 2, 0}, {5, 2, 2, 0}, {6, 2, 1, 0}, {4, 3, 1, 1},
	} {
		outH, outW := (g.h+g.stride-1)/g.stride, (g.w+g.stride-1)/g.stride
		l := &Layer{Kernel: 3, Stride: g.stride, InH: g.h, InW: g.w, InC: 3, OutH: outH, OutW: outW, OutC: 24, PadTop: g.pad, PadLeft: g.pad}
		src := make([]float32, g.h*g.w*3)
		for i := range src {
			src[i] = float32(rng.NormFloat64())
		}
		src[len(src)/3] = float32(math.NaN())
		w, bias := make([]float32, 27*24), make([]float32, 24)
		for i := range w {
			w[i] = float32(rng.NormFloat64())
		}
		pw, err := pwconv.Pack(w, bias, 27, 24)
		if err != nil {
			t.Fatal(err)
		}
		want := make([]float32, outH*outW*24)
		one := make([]float32, 27)
		for oy := range outH {
			for ox := range outW {
				patch(one, src, l, oy, ox)
				pw.Apply(want[(oy*outW+ox)*24:], one, 0, 1, pwconv.ReLU6)
			}
		}
		strip := make([]float32, stripRows*outW*27)
		check := func(name string, got []float32) {
			t.Helper()
			for i := range want {
				if math.Float32bits(want[i]) != math.Float32bits(got[i]) {
					t.Fatalf("%+v %s: output %d is %v, %v pixel by pixel", g, name, i, got[i], want[i])
				}
			}
		}
		got := make([]float32, len(want))
		for oy := 0; oy < outH; oy += stripRows {
			end := min(oy+stripRows, outH)
			im2col(strip, src, l, oy, end)
			pw.Apply(got[oy*outW*24:], strip, 0, (end-oy)*outW, pwconv.ReLU6)
		}
		check("im2col", got)
		if pw.CanApplyPatches3() {
			clear(got)
			conv3Patches(got, src, strip, l, pw, 0, outH)
			check("patches", got)
		}
	}
}
