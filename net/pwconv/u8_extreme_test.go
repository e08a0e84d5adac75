package pwconv

import (
	"fmt"
	"testing"

	"github.com/livecam/livecam/net/quant"
)

// TestU8Extremes runs every uint8 kernel on the values that overflow a
// careless kernel: inputs and weights of 0 and 255 (all of them, or
// alternating), with both zero points at either end of their range, and
// requires TFLite's bytes, computed one value at a time.
func TestU8Extremes(t *testing.T) {
	fill := map[string]func(i int) uint8{
		"0":   func(int) uint8 { return 0 },
		"255": func(int) uint8 { return 255 },
		"alt": func(i int) uint8 { return uint8(255 * (i & 1)) },
		"alt2": func(i int) uint8 {
			if (i/2)&1 == 0 {
				return 255
			}
			return 0
		},
	}
	shapes := [][3]int{{4, 16, 1}, {32, 24, 7}, {1024, 40, 6}, {768, 1001, 2}}
	for _, kern := range availableU8Kernels() {
		for _, s := range shapes {
			k, n, rows := s[0], s[1], s[2]
			for xn, xf := range fill {
				for wn, wf := range fill {
					t.Run(fmt.Sprintf("%s/k%d_n%d/x%s_w%s", kern.name, k, n, xn, wn), func(t *testing.T) {
						w := make([]uint8, k*n)
						for i := range w {
							w[i] = wf(i + i/k) // columns differ in phase
						}
						src := make([]uint8, rows*k)
						for i := range src {
							src[i] = xf(i)
						}
						bias := make([]int32, n)
						for j := range bias {
							bias[j] = int32(j*977%20001) - 10000
						}
						for _, zp := range [][2]int32{{0, 0}, {255, 255}, {0, 255}, {255, 0}, {128, 1}} {
							xz, wz := zp[0], zp[1]
							// A multiplier that keeps outputs in range for
							// the largest |acc| (k·255·255), and one that
							// clamps.
							for _, real := range []float64{0.5 / float64(k*255), 1.5} {
								m, shift := quant.QuantizeMultiplier(real)
								rq := quant.Requant{Multiplier: m, Shift: shift, ZeroPoint: 128, Min: 0, Max: 255}
								p, err := packU8(kern, w, wz, bias, xz, k, n, rq)
								if err != nil {
									t.Fatal(err)
								}
								dst := make([]uint8, rows*n)
								p.Apply(dst, src, rows)
								for r := range rows {
									for j := range n {
										acc := u8Acc(w, wz, bias, xz, src, k, r, j)
										if want := rq.Apply(acc); dst[r*n+j] != want {
											t.Fatalf("zero points x %d w %d, real %g: row %d, column %d: %d, want %d (acc %d)", xz, wz, real, r, j, dst[r*n+j], want, acc)
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
}

// TestU8AllocatesNothing: every uint8 kernel's Apply and ApplyCols
// allocate nothing, partial panels and scratch tiles included.
func TestU8AllocatesNothing(t *testing.T) {
	const k, n, rows = 96, 100, 13
	w, bias := make([]uint8, k*n), make([]int32, n)
	rq := quant.Requant{Multiplier: 1 << 30, Shift: -8, Max: 255}
	src, dst := make([]uint8, rows*k), make([]uint8, rows*n)
	for _, kern := range availableU8Kernels() {
		p, err := packU8(kern, w, 3, bias, 5, k, n, rq)
		if err != nil {
			t.Fatal(err)
		}
		if a := testing.AllocsPerRun(20, func() { p.Apply(dst, src, rows) }); a != 0 {
			t.Errorf("%s: %v allocations per Apply", kern.name, a)
		}
		if a := testing.AllocsPerRun(20, func() { p.ApplyCols(dst, src, rows, 64, n) }); a != 0 {
			t.Errorf("%s: %v allocations per ApplyCols", kern.name, a)
		}
	}
}

// TestU8HugeAccumulators runs every uint8 kernel on accumulators near
// ±2^31 (the bias alone: every weight equals its zero point) with right
// shifts up to 31, where |x| + Nudge of the rounding shift passes 2^31
// and must be read unsigned, and requires TFLite's bytes.
func TestU8HugeAccumulators(t *testing.T) {
	const k, n, rows = 8, 32, 7
	bias := make([]int32, n)
	for j := range bias {
		v := int32(1<<31 - 1 - int64(j)*(1<<25))
		if j%2 == 1 {
			v = -v - int32(j%4/3) // −2^31 at j = 3
		}
		bias[j] = v
	}
	w, src := make([]uint8, k*n), make([]uint8, rows*k)
	for i := range w {
		w[i] = 77
	}
	for i := range src {
		src[i] = uint8(i * 37)
	}
	for _, kern := range availableU8Kernels() {
		for _, real := range []float64{0.75 / (1 << 31), 0.999 / (1 << 30), 0.6 / (1 << 20), 0.99} {
			for _, clamp := range [][2]int32{{0, 255}, {3, 250}} {
				m, shift := quant.QuantizeMultiplier(real)
				rq := quant.Requant{Multiplier: m, Shift: shift, ZeroPoint: 128, Min: clamp[0], Max: clamp[1]}
				p, err := packU8(kern, w, 77, bias, 0, k, n, rq)
				if err != nil {
					t.Fatal(err)
				}
				dst := make([]uint8, rows*n)
				p.Apply(dst, src, rows)
				for r := range rows {
					for j := range n {
						if want := rq.Apply(bias[j]); dst[r*n+j] != want {
							t.Fatalf("%s, real %g, clamp %v: row %d, column %d: %d, want %d (acc %d)", kern.name, real, clamp, r, j, dst[r*n+j], want, bias[j])
						}
					}
				}
			}
		}
	}
}
