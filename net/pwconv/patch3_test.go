package pwconv

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestApplyPatches3MatchesApply: on every kernel with patch tiles,
// ApplyPatches3 gives Apply's bits on the im2col rows of the same patches
// (every tile height, strides 1 and 2, partial panels, NaN and infinities
// in the image).
func TestApplyPatches3MatchesApply(t *testing.T) {
	ran := false
	for _, kern := range availableShapes() {
		if kern.patch3 == nil {
			continue
		}
		ran = true
		rng := rand.New(rand.NewPCG(3, 4))
		const h, w = 5, 40
		img := random(rng, h*w*3)
		img[1*w*3+7], img[2*w*3+20], img[0*w*3+50] = float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1))
		for _, n := range []int{24, 32, 8, 40} {
			pw, err := pack(kern, random(rng, 27*n), random(rng, n), 27, n)
			if err != nil {
				t.Fatal(err)
			}
			for _, stride := range []int{1, 2} {
				for rows := 1; rows <= (w-3)/stride+1; rows++ {
					for _, act := range []Activation{Linear, ReLU6} {
						off := 3 * 1 // from column 1 of row 0
						if off+(rows-1)*stride*3+9 > w*3 {
							continue
						}
						cols := make([]float32, rows*27)
						for j := range rows {
							for ky := range 3 {
								copy(cols[j*27+9*ky:][:9], img[off+j*stride*3+ky*w*3:])
							}
						}
						want, got := make([]float32, rows*n), make([]float32, rows*n)
						pw.Apply(want, cols, 0, rows, act)
						pw.ApplyPatches3(got, img, off, rows, 3*stride, 3*w, act)
						for i := range want {
							if math.Float32bits(want[i]) != math.Float32bits(got[i]) {
								t.Fatalf("%s N=%d stride %d, %d rows, act %d: output %d is %v, Apply gives %v", kern.shape, n, stride, rows, act, i, got[i], want[i])
							}
						}
					}
				}
			}
		}
	}
	if !ran {
		t.Skip("no kernel with patch tiles on this CPU")
	}
}
