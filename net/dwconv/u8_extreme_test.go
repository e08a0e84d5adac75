package dwconv

import (
	"fmt"
	"testing"

	"github.com/livecam/livecam/net/quant"
)

// TestU8Extremes runs every uint8 depthwise kernel on inputs and weights
// of 0 and 255 (all of them, or alternating by channel and tap) with the
// weights' zero point at either end, and requires TFLite's bytes. (The
// SIMD kernels run only where the input's zero point is 0.)
func TestU8Extremes(t *testing.T) {
	fill := map[string]func(i int) uint8{
		"0":   func(int) uint8 { return 0 },
		"255": func(int) uint8 { return 255 },
		"alt": func(i int) uint8 { return uint8(255 * (i & 1)) },
	}
	const h, wd, c = 5, 6, 24
	for _, kern := range availableU8Kernels() {
		for xn, xf := range fill {
			for wn, wf := range fill {
				t.Run(fmt.Sprintf("%s/x%s_w%s", kern.name, xn, wn), func(t *testing.T) {
					w := make([]uint8, 9*c)
					for i := range w {
						w[i] = wf(i + i/c)
					}
					src := make([]uint8, h*wd*c)
					for i := range src {
						src[i] = xf(i / c)
					}
					bias := make([]int32, c)
					for j := range bias {
						bias[j] = int32(j*977%2001) - 1000
					}
					for _, wz := range []int32{0, 255, 1} {
						for _, real := range []float64{0.5 / (9 * 255), 1.5} {
							m, shift := quant.QuantizeMultiplier(real)
							rq := quant.Requant{Multiplier: m, Shift: shift, ZeroPoint: 128, Max: 255}
							p, err := prepareU8(kern, w, wz, bias, 0, c, rq)
							if err != nil {
								t.Fatal(err)
							}
							for _, stride := range []int{1, 2} {
								s := NewShape(h, wd, c, stride)
								dst := make([]uint8, s.OutH*s.OutW*c)
								ConvStripU8(dst, src, p, s, 0, s.OutH)
								for oy := range s.OutH {
									for ox := range s.OutW {
										for ch := range c {
											acc := bias[ch]
											for ky := range 3 {
												for kx := range 3 {
													iy, ix := oy*stride-s.PadTop+ky, ox*stride-s.PadLeft+kx
													if iy >= 0 && iy < h && ix >= 0 && ix < wd {
														acc += int32(src[(iy*wd+ix)*c+ch]) * (int32(w[(ky*3+kx)*c+ch]) - wz)
													}
												}
											}
											if got, want := dst[(oy*s.OutW+ox)*c+ch], rq.Apply(acc); got != want {
												t.Fatalf("wz %d, real %g, stride %d, pixel (%d,%d), channel %d: %d, want %d (acc %d)", wz, real, stride, oy, ox, ch, got, want, acc)
											}
										}
									}
								}
							}
						}
					}
				})
			}
		}
	}
}

// TestU8HugeAccumulators runs every uint8 depthwise kernel on
// accumulators near ±2^31 (the bias alone: every weight equals its zero
// point) with right shifts up to 31, where |x| + Nudge of the rounding
// shift passes 2^31 and must be read unsigned, and requires TFLite's
// bytes.
func TestU8HugeAccumulators(t *testing.T) {
	const h, wd, c = 4, 5, 24
	bias := make([]int32, c)
	for j := range bias {
		v := int32(1<<31 - 1 - int64(j)*(1<<25))
		if j%2 == 1 {
			v = -v - int32(j%4/3) // −2^31 at j = 3
		}
		bias[j] = v
	}
	w, src := make([]uint8, 9*c), make([]uint8, h*wd*c)
	for i := range w {
		w[i] = 77
	}
	for i := range src {
		src[i] = uint8(i * 37)
	}
	s := NewShape(h, wd, c, 1)
	for _, kern := range availableU8Kernels() {
		for _, real := range []float64{0.75 / (1 << 31), 0.999 / (1 << 30), 0.6 / (1 << 20), 0.99} {
			for _, clamp := range [][2]int32{{0, 255}, {3, 250}} {
				m, shift := quant.QuantizeMultiplier(real)
				rq := quant.Requant{Multiplier: m, Shift: shift, ZeroPoint: 128, Min: clamp[0], Max: clamp[1]}
				p, err := prepareU8(kern, w, 77, bias, 0, c, rq)
				if err != nil {
					t.Fatal(err)
				}
				dst := make([]uint8, s.OutH*s.OutW*c)
				ConvStripU8(dst, src, p, s, 0, s.OutH)
				for i, got := range dst {
					if want := rq.Apply(bias[i%c]); got != want {
						t.Fatalf("%s, real %g, clamp %v: pixel %d, channel %d: %d, want %d (acc %d)", kern.name, real, clamp, i/c, i%c, got, want, bias[i%c])
					}
				}
			}
		}
	}
}
