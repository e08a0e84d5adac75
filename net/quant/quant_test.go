package quant_test

import (
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"testing"

	"github.com/livecam/livecam/net/quant"
)

// Example shows the requantization of one convolution of Google's
// 0.75@192 file (operator 1: input and output scale 0.0235284772, weight
// scale 0.455203295): the double rounding takes 56 to 26, where rounding
// 56·0.4552 = 25.49 once would give 25.
func Example() {
	act := quant.Params{Scale: 0.0235284772, ZeroPoint: 0}
	w := quant.Params{Scale: 0.455203295, ZeroPoint: 147}
	rq, err := quant.NewRequant(act, w, act, quant.ReLU6)
	if err != nil {
		panic(err)
	}
	fmt.Println(rq.Multiplier, rq.Shift)
	fmt.Println(rq.Apply(56), rq.Apply(-7), rq.Apply(100000))
	// Output:
	// 1955083266 -1
	// 26 0 255
}

// roundHalfAway is x/2^31 rounded half away from zero, in exact arithmetic.
func roundHalfAway(x *big.Int, exp uint) int64 {
	den := new(big.Int).Lsh(big.NewInt(1), exp)
	q, r := new(big.Int).QuoRem(x, den, new(big.Int))
	r2 := new(big.Int).Lsh(new(big.Int).Abs(r), 1)
	if r2.Cmp(den) >= 0 {
		if x.Sign() < 0 {
			q.Sub(q, big.NewInt(1))
		} else {
			q.Add(q, big.NewInt(1))
		}
	}
	return q.Int64()
}

// TestFixedPointAgainstExact checks the two rounding steps against exact
// big-integer arithmetic on random and extreme values.
func TestFixedPointAgainstExact(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	vals := []int32{0, 1, -1, math.MaxInt32, math.MinInt32 + 1, 1 << 30, -(1 << 30)}
	for range 20000 {
		vals = append(vals, int32(rng.Uint32()))
	}
	for i, a := range vals {
		b := int32(rng.IntN(1<<31-1<<30)) + 1<<30 // a multiplier in [2^30, 2^31)
		got := quant.SaturatingRoundingDoublingHighMul(a, b)
		// gemmlowp's definition: (a·b + nudge) / 2^31, truncated.
		p := new(big.Int).Mul(big.NewInt(int64(a)), big.NewInt(int64(b)))
		nudge := big.NewInt(1 << 30)
		if p.Sign() < 0 {
			nudge = big.NewInt(1 - 1<<30)
		}
		want := new(big.Int).Quo(p.Add(p, nudge), big.NewInt(1<<31)).Int64()
		if int64(got) != want {
			t.Fatalf("SRDHM(%d, %d) = %d, want %d", a, b, got, want)
		}
		e := i % 31
		if r := quant.RoundingDivideByPOT(a, e); int64(r) != roundHalfAway(big.NewInt(int64(a)), uint(e)) {
			t.Fatalf("RoundingDivideByPOT(%d, %d) = %d", a, e, r)
		}
	}
	if quant.SaturatingRoundingDoublingHighMul(math.MinInt32, math.MinInt32) != math.MaxInt32 {
		t.Error("the one overflowing product does not saturate")
	}
}

// TestQuantizeMultiplier: m·2^(shift−31) is the real multiplier to 31
// bits, m in [2^30, 2^31).
func TestQuantizeMultiplier(t *testing.T) {
	for _, real := range []float64{0.0078436262914377292, 0.45520329518740665, 0.00066531638871193146, 0.5, 0.9999999999, 1, 3.7} {
		m, shift := quant.QuantizeMultiplier(real)
		if m < 1<<30 {
			t.Errorf("%v: multiplier %d below 2^30", real, m)
		}
		if got := float64(m) * math.Ldexp(1, shift-31); math.Abs(got-real) > real*math.Ldexp(1, -30) {
			t.Errorf("%v: %d·2^(%d−31) = %v", real, m, shift, got)
		}
	}
}

// ExampleSoftmax: TFLite's uint8 softmax of three logits quantized with
// scale 0.156 (the 0.75@192 file's): the outputs are probabilities ×256.
func ExampleSoftmax() {
	s := quant.NewSoftmax(0.156029642, 1)
	out := make([]uint8, 3)
	s.Apply(out, []uint8{200, 190, 100})
	fmt.Println(out)
	// Output:
	// [212 44 0]
}
