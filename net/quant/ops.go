package quant

import (
	"fmt"
	"math"
)

// Add is TFLite's uint8 ADD (the general 8-bit path of add.cc): both
// inputs are shifted left by 20 bits, each rescaled by its fixed-point
// multiplier to a common scale (twice the larger input scale), summed,
// rescaled to the output, offset by its zero point and clamped by the
// fused activation, every multiply rounded twice as in
// MultiplyByQuantizedMultiplier. An Add is immutable.
type Add struct {
	zero1, zero2 int32
	m1, m2, mOut int32
	s1, s2, sOut int
	zeroOut      int32
	lo, hi       int32
	// t1 and t2 are each input's rescaled value by byte: the first two
	// multiplies depend on one byte only, so they are tables.
	t1, t2 [256]int32
}

// addLeftShift is the headroom TFLite's uint8 ADD gives its inputs.
const addLeftShift = 20

// NewAdd returns the ADD of inputs quantized with in1 and in2 into an
// output quantized with out, followed by act. It fails where TFLite does:
// when a multiplier is not in (0, 1) or the activation range is empty.
func NewAdd(in1, in2, out Params, act Activation) (*Add, error) {
	for _, p := range []Params{in1, in2, out} {
		if !(p.Scale > 0) || math.IsInf(float64(p.Scale), 0) {
			return nil, fmt.Errorf("scale %g is not a positive finite number", p.Scale)
		}
	}
	// twice_max is a float32 product (exact), the input ratios double
	// divisions, the output's denominator a float32 product (exact).
	twiceMax := float64(2 * max(in1.Scale, in2.Scale))
	real1 := float64(in1.Scale) / twiceMax
	real2 := float64(in2.Scale) / twiceMax
	realOut := twiceMax / float64(float32(1<<addLeftShift)*out.Scale)
	a := &Add{zero1: in1.ZeroPoint, zero2: in2.ZeroPoint, zeroOut: out.ZeroPoint}
	for _, c := range []struct {
		real  float64
		m     *int32
		shift *int
	}{{real1, &a.m1, &a.s1}, {real2, &a.m2, &a.s2}, {realOut, &a.mOut, &a.sOut}} {
		if !(c.real > 0 && c.real < 1) {
			return nil, fmt.Errorf("ADD multiplier %g (scales %g + %g → %g) is not in (0, 1)", c.real, in1.Scale, in2.Scale, out.Scale)
		}
		*c.m, *c.shift = QuantizeMultiplier(c.real)
		if *c.m == 0 {
			return nil, fmt.Errorf("ADD multiplier %g is too small", c.real)
		}
	}
	a.lo, a.hi = ActivationRange(act, out)
	if a.lo > a.hi {
		return nil, fmt.Errorf("activation range [%d, %d] is empty", a.lo, a.hi)
	}
	for q := range 256 {
		a.t1[q] = MultiplyByQuantizedMultiplier((int32(q)-a.zero1)<<addLeftShift, a.m1, a.s1)
		a.t2[q] = MultiplyByQuantizedMultiplier((int32(q)-a.zero2)<<addLeftShift, a.m2, a.s2)
	}
	return a, nil
}

// Multipliers returns the fixed-point multipliers and shifts of the two
// inputs and of the output (for checking against TFLite's).
func (a *Add) Multipliers() (m1 int32, shift1 int, m2 int32, shift2 int, mOut int32, shiftOut int) {
	return a.m1, a.s1, a.m2, a.s2, a.mOut, a.sOut
}

// Apply returns the uint8 sum of q1 and q2.
func (a *Add) Apply(q1, q2 uint8) uint8 {
	v := MultiplyByQuantizedMultiplier(a.t1[q1]+a.t2[q2], a.mOut, a.sOut) + a.zeroOut
	return uint8(min(max(v, a.lo), a.hi))
}

// ApplySlice writes the element-wise sums of in1 and in2 (same length as
// dst) into dst; it allocates nothing.
func (a *Add) ApplySlice(dst, in1, in2 []uint8) {
	in1, in2 = in1[:len(dst)], in2[:len(dst)]
	for i := range dst {
		dst[i] = a.Apply(in1[i], in2[i])
	}
}

// LogisticTable returns TFLite's 256-entry table of the uint8 LOGISTIC
// (PopulateLookupTable in activations.cc) for an input quantized with in
// and an output quantized with out: entry v is the output for input byte
// v, computed in float32 as d = in.Scale·float(v − in.ZeroPoint),
// f = 1/(1 + exp(−d)), round(f·(1/out.Scale)) + out.ZeroPoint, clamped.
func LogisticTable(in, out Params) [256]uint8 {
	var t [256]uint8
	inv := 1 / out.Scale
	for v := range 256 {
		d := in.Scale * float32(int32(v)-in.ZeroPoint)
		f := 1 / (1 + float32(math.Exp(float64(-d))))
		t[v] = clampRound(float32(f*inv), out.ZeroPoint)
	}
	return t
}

// RescaleTable returns the 256-entry table of TFLite's uint8
// CONCATENATION requantization (ConcatenationWithScaling) of an input
// quantized with in into an output quantized with out, in float32:
// s = in.Scale·(1/out.Scale), b = −in.ZeroPoint·s, and for each byte x
// round(float32(x·s) + b) + out.ZeroPoint, half away from zero, clamped;
// the product and the sum are rounded separately (no fused multiply-add).
// TFLite copies an input whose quantization equals the output's instead:
// callers check for that case first.
func RescaleTable(in, out Params) [256]uint8 {
	var t [256]uint8
	inv := 1 / out.Scale
	s := in.Scale * inv
	b := float32(-in.ZeroPoint) * s
	for x := range 256 {
		t[x] = clampRound(float32(float32(x)*s)+b, out.ZeroPoint)
	}
	return t
}

// clampRound returns round(v) + zero (half away from zero), clamped to
// [0, 255]; the clamp is done in float64, so that values too large for an
// int32 saturate.
func clampRound(v float32, zero int32) uint8 {
	r := math.Round(float64(v)) + float64(zero)
	switch {
	case r >= 255:
		return 255
	case r > 0:
		return uint8(r)
	}
	return 0 // and NaN
}
