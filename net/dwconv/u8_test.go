package dwconv

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/livecam/livecam/net/quant"
)

// TestU8KernelsAgree runs every uint8 depthwise kernel on random layers
// (MobileNet's shapes and awkward ones, both strides, both parities) and
// requires every byte to equal TFLite's arithmetic computed tap by tap.
func TestU8KernelsAgree(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	shapes := [][3]int{{96, 96, 24}, {48, 48, 48}, {12, 12, 384}, {6, 6, 768}, {7, 5, 17}, {3, 3, 8}, {4, 9, 33}, {64, 64, 8}, {2, 2, 16}, {1, 5, 3}}
	for _, kern := range availableU8Kernels() {
		for _, sh := range shapes {
			for _, stride := range []int{1, 2} {
				t.Run(fmt.Sprintf("%s/%dx%dx%d_s%d", kern.name, sh[0], sh[1], sh[2], stride), func(t *testing.T) {
					h, wd, c := sh[0], sh[1], sh[2]
					s := NewShape(h, wd, c, stride)
					for trial := range 3 {
						w := make([]uint8, 9*c)
						for i := range w {
							w[i] = uint8(rng.IntN(256))
						}
						bias := make([]int32, c)
						for i := range bias {
							bias[i] = int32(rng.IntN(1<<18)) - 1<<17
						}
						wz := int32(rng.IntN(256))
						xz := int32(0)
						if trial == 2 {
							xz = int32(rng.IntN(256)) // the portable path
						}
						real := rng.Float64() * 0.5
						if trial == 0 {
							real = 0.5 + 2*rng.Float64() // no right shift, or a left one
						}
						m, shift := quant.QuantizeMultiplier(real)
						rq := quant.Requant{Multiplier: m, Shift: shift, ZeroPoint: int32(rng.IntN(200)), Min: int32(rng.IntN(30)), Max: 255 - int32(rng.IntN(30))}
						p, err := prepareU8(kern, w, wz, bias, xz, c, rq)
						if err != nil {
							t.Fatal(err)
						}
						src := make([]uint8, h*wd*c)
						for i := range src {
							src[i] = uint8(rng.IntN(256))
							if trial == 1 {
								src[i] = 255
							}
						}
						dst := make([]uint8, s.OutH*s.OutW*c)
						// Two strips, as the fused blocks call it.
						mid := s.OutH / 2
						ConvStripU8(dst, src, p, s, 0, mid)
						ConvStripU8(dst[mid*s.OutW*c:], src, p, s, mid, s.OutH)
						for oy := range s.OutH {
							for ox := range s.OutW {
								for ch := range c {
									acc := bias[ch]
									for ky := range 3 {
										for kx := range 3 {
											iy, ix := oy*stride-s.PadTop+ky, ox*stride-s.PadLeft+kx
											if iy >= 0 && iy < h && ix >= 0 && ix < wd {
												acc += (int32(src[(iy*wd+ix)*c+ch]) - xz) * (int32(w[(ky*3+kx)*c+ch]) - wz)
											}
										}
									}
									if got, want := dst[(oy*s.OutW+ox)*c+ch], rq.Apply(acc); got != want {
										t.Fatalf("trial %d, pixel (%d,%d), channel %d: %d, want %d", trial, oy, ox, ch, got, want)
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

func BenchmarkU8(b *testing.B) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, kern := range availableU8Kernels() {
		for _, sh := range [][4]int{{96, 96, 24, 1}, {12, 12, 384, 1}, {48, 48, 96, 2}} {
			b.Run(fmt.Sprintf("%s/%dx%dx%d_s%d", kern.name, sh[0], sh[1], sh[2], sh[3]), func(b *testing.B) {
				s := NewShape(sh[0], sh[1], sh[2], sh[3])
				w := make([]uint8, 9*s.C)
				for i := range w {
					w[i] = uint8(rng.IntN(256))
				}
				m, shift := quant.QuantizeMultiplier(0.01)
				p, _ := prepareU8(kern, w, 100, make([]int32, s.C), 0, s.C, quant.Requant{Multiplier: m, Shift: shift, Max: 255})
				src, dst := make([]uint8, sh[0]*sh[1]*sh[2]), make([]uint8, s.OutH*s.OutW*s.C)
				b.SetBytes(int64(2 * 9 * s.OutH * s.OutW * s.C))
				for range b.N {
					ConvStripU8(dst, src, p, s, 0, s.OutH)
				}
			})
		}
	}
}
