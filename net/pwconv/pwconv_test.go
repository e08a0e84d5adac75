package pwconv

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

func random(rng *rand.Rand, n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(rng.NormFloat64())
	}
	return v
}

// naive computes one output in float64.
func naive(src, w, bias []float32, K, N, m, n int, act Activation) float64 {
	sum := 0.0
	if bias != nil {
		sum = float64(bias[n])
	}
	for k := range K {
		sum += float64(src[m*K+k]) * float64(w[k*N+n])
	}
	if act == ReLU6 {
		sum = math.Min(math.Max(sum, 0), 6)
	}
	return sum
}

// TestApplyMatchesNaive runs every kernel this CPU has, in every shape
// (the portable Go one included), on shapes with odd row counts, column
// counts that are not multiples of any panel width, tiny and large K and
// every K mod 4 (the unrolled loops' tails).
func TestApplyMatchesNaive(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, kern := range availableShapes() {
		for _, tc := range []struct{ m, k, n int }{
			{1, 1, 1}, {1, 768, 1000}, {5, 3, 17}, {7, 24, 48}, {49, 768, 768}, {33, 40, 15}, {196, 384, 384}, {10, 100, 31},
			{12544, 27, 24}, {25, 7, 33}, {13, 5, 64}, {3, 2, 100}, {30, 24, 48}, {14, 9, 16}, {5, 3, 8},
		} {
			for _, act := range []Activation{Linear, ReLU6} {
				t.Run(fmt.Sprintf("%s-%s/%dx%dx%d/act%d", kern.name, kern.shape, tc.m, tc.k, tc.n, act), func(t *testing.T) {
					src, w, bias := random(rng, tc.m*tc.k), random(rng, tc.k*tc.n), random(rng, tc.n)
					p, err := pack(kern, w, bias, tc.k, tc.n)
					if err != nil {
						t.Fatal(err)
					}
					// Rows are split unevenly; the guard cells after dst
					// must stay untouched.
					dst := make([]float32, tc.m*tc.n+3)
					for i := range dst {
						dst[i] = -99
					}
					cut := tc.m / 3
					p.Apply(dst, src, 0, cut, act)
					p.Apply(dst, src, cut, tc.m, act)
					tol := 1e-5 * math.Sqrt(float64(tc.k))
					for m := range tc.m {
						for n := range tc.n {
							want := naive(src, w, bias, tc.k, tc.n, m, n, act)
							if got := float64(dst[m*tc.n+n]); math.Abs(got-want) > tol*max(1, math.Abs(want)) {
								t.Fatalf("(%d,%d) = %v, want %v", m, n, got, want)
							}
						}
					}
					for _, g := range dst[tc.m*tc.n:] {
						if g != -99 {
							t.Fatal("wrote past the last row")
						}
					}
				})
			}
		}
	}
}

func TestPackRejectsBadShapes(t *testing.T) {
	if _, err := Pack(make([]float32, 5), nil, 2, 3); err == nil {
		t.Error("5 weights for 2x3: no error")
	}
	if _, err := Pack(make([]float32, 6), make([]float32, 2), 2, 3); err == nil {
		t.Error("2 biases for 3 outputs: no error")
	}
	p, err := Pack([]float32{1, 2, 3, 4, 5, 6}, []float32{7, 8, 9}, 2, 3)
	if err != nil {
		t.Fatal(err)
	}
	if p.At(1, 2) != 6 || p.At(0, 1) != 2 || p.Bias(2) != 9 {
		t.Errorf("At/Bias do not read back the packed matrix")
	}
}

// TestNaNAgrees: a NaN in the input makes NaN outputs in every kernel, the
// portable one included (ReLU6 must not turn it into 0 or 6), and every
// other output is the same on every kernel.
func TestNaNAgrees(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	const m, k, n = 9, 20, 37
	src, w, bias := random(rng, m*k), random(rng, k*n), random(rng, n)
	src[3*k+7] = float32(math.NaN()) // row 3
	for _, act := range []Activation{Linear, ReLU6} {
		for _, kern := range availableShapes() {
			p, err := pack(kern, w, bias, k, n)
			if err != nil {
				t.Fatal(err)
			}
			dst := make([]float32, m*n)
			p.Apply(dst, src, 0, m, act)
			for r := range m {
				for c := range n {
					got := dst[r*n+c]
					if isNaN := got != got; isNaN != (r == 3) {
						t.Fatalf("%s %s act%d: (%d,%d) = %v, want NaN only in row 3", kern.name, kern.shape, act, r, c, got)
					}
				}
			}
		}
	}
}

// TestShapesAgreeExactly: the shapes of one kernel add the same products
// in the same order, so they give the same bits, NaN included, on rows
// and columns that end mid-tile, with and without ReLU6.
func TestShapesAgreeExactly(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	const m, k, n = 51, 387, 203
	src, w, bias := random(rng, m*k), random(rng, k*n), random(rng, n)
	src[17*k+100] = float32(math.NaN())
	for _, act := range []Activation{Linear, ReLU6} {
		first := map[string][]float32{}
		for _, kern := range availableShapes() {
			p, err := pack(kern, w, bias, k, n)
			if err != nil {
				t.Fatal(err)
			}
			dst := make([]float32, m*n)
			p.Apply(dst, src, 0, 20, act)
			p.Apply(dst, src, 20, m, act)
			want, ok := first[kern.name]
			if !ok {
				first[kern.name] = dst
				continue
			}
			for i := range dst {
				if math.Float32bits(dst[i]) != math.Float32bits(want[i]) && !(dst[i] != dst[i] && want[i] != want[i]) {
					t.Fatalf("%s %s act%d: (%d,%d) = %v, the first shape gives %v", kern.name, kern.shape, act, i/n, i%n, dst[i], want[i])
				}
			}
		}
	}
}

// TestApplyAllocatesNothing: Apply and ApplyPanels, on every shape,
// allocate nothing per call.
func TestApplyAllocatesNothing(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	const m, k, n = 49, 96, 100
	src, w := random(rng, m*k), random(rng, k*n)
	dst := make([]float32, m*n)
	for _, kern := range availableShapes() {
		p, err := pack(kern, w, nil, k, n)
		if err != nil {
			t.Fatal(err)
		}
		if a := testing.AllocsPerRun(10, func() { p.Apply(dst, src, 0, m, ReLU6) }); a != 0 {
			t.Errorf("%s %s: Apply allocates %v times", kern.name, kern.shape, a)
		}
		if a := testing.AllocsPerRun(10, func() { p.ApplyPanels(dst, src, 0, 1, 0, 1, Linear) }); a != 0 {
			t.Errorf("%s %s: ApplyPanels allocates %v times", kern.name, kern.shape, a)
		}
	}
}
