package pwconv

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/livecam/livecam/net/quant"
)

// randomU8Layer returns a random uint8 layer and input: weights, zero
// points and bias spread over their whole ranges, and a requantization
// whose multiplier and shift are drawn as TFLite would derive them.
func randomU8Layer(rng *rand.Rand, k, n int) (w []uint8, wz int32, bias []int32, xz int32, rq quant.Requant) {
	w = make([]uint8, k*n)
	for i := range w {
		w[i] = uint8(rng.IntN(256))
	}
	wz, xz = int32(rng.IntN(256)), int32(rng.IntN(256))
	bias = make([]int32, n)
	for i := range bias {
		bias[i] = int32(rng.IntN(1<<20)) - 1<<19
	}
	real := rng.Float64() * rng.Float64() * 0.05
	if rng.IntN(8) == 0 {
		real = 1 + 3*rng.Float64() // a left shift
	}
	m, shift := quant.QuantizeMultiplier(real)
	zp := int32(rng.IntN(256))
	lo, hi := int32(rng.IntN(64)), 255-int32(rng.IntN(64))
	return w, wz, bias, xz, quant.Requant{Multiplier: m, Shift: shift, ZeroPoint: zp, Min: lo, Max: hi}
}

// u8Acc returns TFLite's accumulator for row r, column j of a uint8
// layer computed one value at a time: the bias plus Σ (x − xz)·(w − wz).
func u8Acc(w []uint8, wz int32, bias []int32, xz int32, src []uint8, k, r, j int) int32 {
	acc := bias[j]
	for i := range k {
		acc += (int32(src[r*k+i]) - xz) * (int32(w[j*k+i]) - wz)
	}
	return acc
}

// randomU8Input returns rows×k random input bytes, or all 255 (the
// largest accumulators) when full.
func randomU8Input(rng *rand.Rand, rows, k int, full bool) []uint8 {
	src := make([]uint8, rows*k)
	for i := range src {
		src[i] = uint8(rng.IntN(256))
		if full {
			src[i] = 255
		}
	}
	return src
}

// TestU8KernelsAgree runs every uint8 kernel on random layers of the
// shapes MobileNet has and of awkward ones, and requires every output
// byte to equal the portable kernel's and TFLite's arithmetic computed
// one value at a time.
func TestU8KernelsAgree(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	shapes := [][3]int{{4, 1, 1}, {8, 8, 7}, {24, 48, 96}, {28, 24, 50}, {32, 1001, 1}, {64, 17, 13},
		{96, 96, 36}, {384, 384, 12}, {768, 1001, 1}, {1024, 1024, 7}, {27, 24, 9}, {12, 100, 6},
		{16, 20, 4}, {20, 33, 5}, {2052, 16, 3}, {4100, 16, 2}, {1024, 40, 31}, {28, 30, 1000}}
	for _, kern := range availableU8Kernels() {
		for _, s := range shapes {
			k, n, rows := s[0], s[1], s[2]
			t.Run(fmt.Sprintf("%s/k%d_n%d_rows%d", kern.name, k, n, rows), func(t *testing.T) {
				for trial := range 3 {
					w, wz, bias, xz, rq := randomU8Layer(rng, k, n)
					p, err := packU8(kern, w, wz, bias, xz, k, n, rq)
					if err != nil {
						t.Fatal(err)
					}
					src := randomU8Input(rng, rows, k, trial == 1)
					dst := make([]uint8, rows*n)
					p.Apply(dst, src, rows)
					for r := range rows {
						for j := range n {
							acc := u8Acc(w, wz, bias, xz, src, k, r, j)
							if want := rq.Apply(acc); dst[r*n+j] != want {
								t.Fatalf("trial %d, row %d, column %d: %d, want %d (acc %d, rq %+v)", trial, r, j, dst[r*n+j], want, acc, rq)
							}
						}
					}
					// Column ranges on panel boundaries give the same bytes.
					if n > 64 {
						dst2 := make([]uint8, rows*n)
						p.ApplyCols(dst2, src, rows, 0, 64)
						p.ApplyCols(dst2, src, rows, 64, n)
						if string(dst2) != string(dst) {
							t.Fatal("ApplyCols in two ranges differs from Apply")
						}
					}
				}
			})
		}
	}
}

func BenchmarkU8(b *testing.B) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, kern := range availableU8Kernels() {
		for _, s := range [][3]int{{384, 384, 144}, {96, 96, 2304}} {
			k, n, rows := s[0], s[1], s[2]
			b.Run(fmt.Sprintf("%s/k%d_n%d_rows%d", kern.name, k, n, rows), func(b *testing.B) {
				w, wz, bias, xz, rq := randomU8Layer(rng, k, n)
				p, _ := packU8(kern, w, wz, bias, xz, k, n, rq)
				src, dst := make([]uint8, rows*k), make([]uint8, rows*n)
				b.SetBytes(int64(2 * k * n * rows)) // ops, as bytes: MB/s reads as Mop/s
				for range b.N {
					p.Apply(dst, src, rows)
				}
			})
		}
	}
}

// TestU8ApplyColsOutOfRange: columns past N (or before 0) are a caller's
// bug that panics, on every kernel, before any kernel reads or writes
// past the layer's arrays (the AMX kernel's assembly has no bounds
// checks; TestAMXApplyColsOutOfRange).
func TestU8ApplyColsOutOfRange(t *testing.T) {
	const k, n, rows = 64, 64, 4
	w, bias := make([]uint8, k*n), make([]int32, n)
	rq := quant.Requant{Multiplier: 1 << 30, Shift: -8, Max: 255}
	src, dst := make([]uint8, rows*k), make([]uint8, rows*2*n)
	for _, kern := range availableU8Kernels() {
		p, err := packU8(kern, w, 3, bias, 5, k, n, rq)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range [][2]int{{0, 2 * n}, {-64, n}} {
			func() {
				defer func() {
					if v := recover(); !strings.Contains(fmt.Sprint(v), "ApplyCols: columns") {
						t.Errorf("%s: ApplyCols(%d, %d) of %d columns: %v, want ApplyCols' own panic", kern.name, r[0], r[1], n, v)
					}
				}()
				p.ApplyCols(dst, src, rows, r[0], r[1])
			}()
		}
	}
}
