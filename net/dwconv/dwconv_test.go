package dwconv

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// naive is a direct depthwise convolution with explicit SAME padding,
// computed in float64.
func naive(src, w, bias []float32, s Shape) []float32 {
	out := make([]float32, s.OutH*s.OutW*s.C)
	for oy := range s.OutH {
		for ox := range s.OutW {
			for c := range s.C {
				sum := float64(bias[c])
				for ky := range 3 {
					for kx := range 3 {
						iy, ix := oy*s.Stride-s.PadTop+ky, ox*s.Stride-s.PadLeft+kx
						if iy >= 0 && iy < s.InH && ix >= 0 && ix < s.InW {
							sum += float64(src[(iy*s.InW+ix)*s.C+c]) * float64(w[(ky*3+kx)*s.C+c])
						}
					}
				}
				out[(oy*s.OutW+ox)*s.C+c] = float32(math.Min(math.Max(sum, 0), 6))
			}
		}
	}
	return out
}

func random(rng *rand.Rand, n int, scale float64) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(rng.NormFloat64() * scale)
	}
	return v
}

func TestNewShapeMatchesTensorFlow(t *testing.T) {
	for _, c := range []struct{ in, stride, out, pad int }{
		{224, 2, 112, 0}, {112, 1, 112, 1}, {7, 1, 7, 1}, {7, 2, 4, 1}, {15, 2, 8, 1}, {14, 2, 7, 0},
	} {
		s := NewShape(c.in, c.in, 1, c.stride)
		if s.OutH != c.out || s.PadTop != c.pad {
			t.Errorf("in %d stride %d: out %d pad %d, want %d %d", c.in, c.stride, s.OutH, s.PadTop, c.out, c.pad)
		}
	}
}

func TestConvMatchesNaive(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, tc := range []struct{ h, w, c int }{
		{1, 1, 1}, {2, 3, 5}, {7, 7, 13}, {8, 8, 24}, {13, 11, 17}, {16, 16, 33}, {28, 28, 48}, {9, 14, 100},
		{3, 3, 8}, {4, 4, 16}, {2, 2, 8}, {4, 2, 16}, {2, 6, 24}, {1, 2, 32}, {2, 1, 16}, {5, 9, 40}, {14, 14, 64}, {7, 7, 768}, {112, 112, 24},
	} {
		for _, stride := range []int{1, 2} {
			t.Run(fmt.Sprintf("%dx%dx%d/s%d", tc.h, tc.w, tc.c, stride), func(t *testing.T) {
				s := NewShape(tc.h, tc.w, tc.c, stride)
				src := random(rng, tc.h*tc.w*tc.c, 1.5)
				w := random(rng, 9*tc.c, 0.5)
				bias := random(rng, tc.c, 1)
				want := naive(src, w, bias, s)
				for _, k := range availableKernels() {
					prepared, err := prepare(k, w, bias, tc.c)
					if err != nil {
						t.Fatal(err)
					}
					for _, parts := range []int{1, 3} {
						got := make([]float32, len(want)+16)
						for i := range got {
							got[i] = -99
						}
						for p := range parts {
							Conv(got, src, prepared, s, s.OutH*p/parts, s.OutH*(p+1)/parts)
						}
						for i := range want {
							if math.Abs(float64(got[i]-want[i])) > 1e-5 {
								t.Fatalf("%s, %d parts: value %d = %v, want %v", k.name, parts, i, got[i], want[i])
							}
						}
						for _, g := range got[len(want):] {
							if g != -99 {
								t.Fatalf("%s wrote past the output", k.name)
							}
						}
						// The same rows computed two at a time into a strip.
						rowLen := s.OutW * tc.c
						strip := make([]float32, 2*rowLen)
						for oy := 0; oy < s.OutH; oy += 2 {
							end := min(oy+2, s.OutH)
							ConvStrip(strip, src, prepared, s, oy, end)
							for i, v := range strip[:(end-oy)*rowLen] {
								if w := want[oy*rowLen+i]; math.Abs(float64(v-w)) > 1e-5 {
									t.Fatalf("%s strip at row %d: value %d = %v, want %v", k.name, oy, i, v, w)
								}
							}
						}
					}
				}
			})
		}
	}
}

// TestNaNAgrees: every kernel, the portable one included, turns a NaN
// input into NaN at exactly the outputs whose 3x3 window covers it
// (ReLU6 must not make it 0 or 6), and agrees on all the others.
func TestNaNAgrees(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	const h, w, c = 9, 10, 40
	s := NewShape(h, w, c, 1)
	src := random(rng, h*w*c, 1.5)
	src[(4*w+5)*c+17] = float32(math.NaN()) // pixel (4,5), channel 17
	wts, bias := random(rng, 9*c, 0.5), random(rng, c, 1)
	var first []float32
	for _, k := range availableKernels() {
		prepared, err := prepare(k, wts, bias, c)
		if err != nil {
			t.Fatal(err)
		}
		got := make([]float32, h*w*c)
		Conv(got, src, prepared, s, 0, s.OutH)
		for i, v := range got {
			y, x, ch := i/c/w, i/c%w, i%c
			near := ch == 17 && y >= 3 && y <= 5 && x >= 4 && x <= 6
			if isNaN := v != v; isNaN != near {
				t.Fatalf("%s: output (%d,%d) channel %d = %v", k.name, y, x, ch, v)
			}
			if first != nil && !near && math.Abs(float64(v-first[i])) > 1e-5 {
				t.Fatalf("%s: output %d = %v, %s gives %v", k.name, i, v, availableKernels()[0].name, first[i])
			}
		}
		if first == nil {
			first = got
		}
	}
}
