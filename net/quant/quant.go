// Package quant is TensorFlow Lite's integer arithmetic for uint8 models,
// bit for bit: the fixed-point multiplier and shift that stand for a real
// rescaling factor, the requantization of an int32 accumulator back to
// uint8 (TFLite's double rounding), the clamp of a fused activation, the
// uint8 softmax of TFLite's runtime kernel, the uint8 ADD, and the tables
// of the uint8 LOGISTIC and of CONCATENATION's float32 requantization.
// The kernels in net/pwconv and net/dwconv, the quantized model in
// net/mobilenet and the graph runner in net/tflite build on it.
//
// A uint8 value q stands for the real number Scale·(q − ZeroPoint).
package quant

import (
	"fmt"
	"math"
)

// Params is a tensor's per-tensor affine quantization: real = Scale·(q − ZeroPoint).
type Params struct {
	Scale     float32
	ZeroPoint int32
}

// Real returns the real number q stands for.
func (p Params) Real(q uint8) float32 { return p.Scale * float32(int32(q)-p.ZeroPoint) }

// QuantizeMultiplier returns TFLite's fixed-point form of a positive real
// multiplier: m in [2^30, 2^31) and a power-of-two exponent, so that
// real ≈ m·2^(shift−31) (QuantizeMultiplier in TFLite's quantization_util.cc:
// frexp, then the fraction rounded half away from zero to 31 bits).
func QuantizeMultiplier(real float64) (m int32, shift int) {
	if real == 0 {
		return 0, 0
	}
	q, e := math.Frexp(real)
	r := math.Round(q * (1 << 31))
	if r == 1<<31 {
		r /= 2
		e++
	}
	if e < -31 { // too small to matter: TFLite flushes it to zero
		return 0, 0
	}
	return int32(r), e
}

// ConvMultiplier returns the real multiplier of a uint8 convolution as
// TFLite's uint8 path computes it (GetQuantizedConvolutionMultipler): the
// product of the input and weight scales is a float32 multiplication, and
// only the division by the output scale is done in double precision.
func ConvMultiplier(in, weights, out float32) float64 {
	return float64(float32(in*weights)) / float64(out)
}

// SaturatingRoundingDoublingHighMul returns the high 32 bits of 2·a·b,
// rounded to nearest (gemmlowp's SaturatingRoundingDoublingHighMul).
func SaturatingRoundingDoublingHighMul(a, b int32) int32 {
	if a == math.MinInt32 && b == math.MinInt32 {
		return math.MaxInt32
	}
	ab := int64(a) * int64(b)
	nudge := int64(1 << 30)
	if ab < 0 {
		nudge = 1 - (1 << 30)
	}
	return int32((ab + nudge) / (1 << 31)) // Go's division truncates toward zero, as C's does
}

// RoundingDivideByPOT returns x / 2^exponent rounded to nearest, ties away
// from zero (gemmlowp's RoundingDivideByPOT).
func RoundingDivideByPOT(x int32, exponent int) int32 {
	mask := int32(1)<<exponent - 1
	remainder := x & mask
	threshold := mask >> 1
	if x < 0 {
		threshold++
	}
	r := x >> exponent
	if remainder > threshold {
		r++
	}
	return r
}

// MultiplyByQuantizedMultiplier returns x·m·2^(shift−31) as TFLite computes
// it by default: a rounding doubling high multiply, then a rounding shift,
// so the result is rounded twice (TFLITE_SINGLE_ROUNDING off).
func MultiplyByQuantizedMultiplier(x, m int32, shift int) int32 {
	left, right := 0, 0
	if shift > 0 {
		left = shift
	} else {
		right = -shift
	}
	return RoundingDivideByPOT(SaturatingRoundingDoublingHighMul(x*(1<<left), m), right)
}

// Activation is a fused activation function of a TFLite operator.
type Activation int

// The fused activations of TFLite's uint8 operators.
const (
	None      Activation = iota // no clamp beyond the uint8 range
	ReLU6                       // clamp to the values standing for [0, 6]
	ReLU                        // clamp to the values standing for [0, ∞)
	ReLUN1To1                   // clamp to the values standing for [−1, 1]
)

// ActivationRange returns the uint8 range a fused activation clamps to for
// an output quantized with p (TFLite's CalculateActivationRangeQuantized:
// the bounds 0, 6, −1 and 1 quantized with a float32 division, rounded half
// away from zero, then clipped to [0, 255]).
func ActivationRange(a Activation, p Params) (lo, hi int32) {
	lo, hi = 0, 255
	q := func(f float32) int32 { return p.ZeroPoint + int32(math.Round(float64(f/p.Scale))) }
	switch a {
	case ReLU6:
		lo, hi = max(lo, q(0)), min(hi, q(6))
	case ReLU:
		lo = max(lo, q(0))
	case ReLUN1To1:
		lo, hi = max(lo, q(-1)), min(hi, q(1))
	}
	return lo, hi
}

// Requant turns int32 accumulators into uint8 outputs: the fixed-point
// multiplier and shift, the output zero point and the activation's clamp.
type Requant struct {
	Multiplier int32
	Shift      int
	ZeroPoint  int32
	Min, Max   int32
}

// NewRequant returns the requantization of a convolution whose input,
// weights and output are quantized with in, w and out, followed by act.
// It fails when the multiplier is not a positive finite number.
func NewRequant(in, w, out Params, act Activation) (Requant, error) {
	real := ConvMultiplier(in.Scale, w.Scale, out.Scale)
	if !(real > 0) || math.IsInf(real, 0) {
		return Requant{}, fmt.Errorf("scales %g·%g/%g give no usable multiplier", in.Scale, w.Scale, out.Scale)
	}
	m, shift := QuantizeMultiplier(real)
	if m == 0 || shift > 30 {
		return Requant{}, fmt.Errorf("multiplier %g out of range", real)
	}
	lo, hi := ActivationRange(act, out)
	if lo > hi {
		return Requant{}, fmt.Errorf("activation range [%d, %d] is empty", lo, hi)
	}
	return Requant{Multiplier: m, Shift: shift, ZeroPoint: out.ZeroPoint, Min: lo, Max: hi}, nil
}

// Apply returns the uint8 output for the accumulator acc.
func (r Requant) Apply(acc int32) uint8 {
	v := MultiplyByQuantizedMultiplier(acc, r.Multiplier, r.Shift) + r.ZeroPoint
	return uint8(min(max(v, r.Min), r.Max))
}

// SIMD is a Requant laid out for the assembly kernels of net/pwconv and
// net/dwconv, which read its fields at fixed offsets (0, 8, 16, 20, 24,
// 28, 32, 40, 48): do not reorder them. The kernels compute the rounding
// right shift as (x + Nudge + (x>>31 & SignMask)) >> Right, which is
// RoundingDivideByPOT(x, Right).
type SIMD struct {
	Mult      int64 // the multiplier, in the low 32 bits
	Round     int64 // 1 << 30, the rounding of the high multiply
	Nudge     int32 // 1 << (Right−1), 0 when Right is 0
	SignMask  int32 // −1 when Right > 0, else 0
	ZeroPoint int32
	Min, Max  int32
	_         int32
	Left      int64 // left shift before the multiply
	Right     int64 // rounding right shift after it
}

// SIMD returns r laid out for the assembly kernels.
func (r Requant) SIMD() SIMD {
	left, right := max(r.Shift, 0), max(-r.Shift, 0)
	s := SIMD{Mult: int64(r.Multiplier), Round: 1 << 30, ZeroPoint: r.ZeroPoint, Min: r.Min, Max: r.Max,
		Left: int64(left), Right: int64(right)}
	if right > 0 {
		s.Nudge, s.SignMask = 1<<(right-1), -1
	}
	return s
}

// SIMD256 is a Requant laid out for the AVX2 kernels, which have no
// broadcast operands: each constant is a full 32-byte vector (offsets 0,
// 32, 64, 96, 128, 160, 192, then the shift counts at 224 and 232). The
// kernels round the right shift as sign(x)·((|x| + Nudge) >> Right)
// (VPABSD, a logical shift, VPSIGND: exact where |x| + Nudge passes
// 2^31), so SignMask is unused and kept for the offsets; and they clamp
// after packing to bytes: the signed then unsigned saturating packs clamp
// to [0, 255], then VPMAXUB/VPMINUB with MinB and MaxB to [Min, Max], two
// byte operations per 16 outputs instead of two dword ones per 8.
type SIMD256 struct {
	Mult      [4]int64
	Round     [4]int64
	Nudge     [8]int32
	SignMask  [8]int32 // unused by the AVX2 kernels (see above)
	ZeroPoint [8]int32
	MinB      [32]uint8 // Min in every byte
	MaxB      [32]uint8 // Max in every byte
	Left      int64
	Right     int64
}

// SIMD256 returns r laid out for the AVX2 kernels.
func (r Requant) SIMD256() *SIMD256 {
	s := r.SIMD()
	v := &SIMD256{Left: s.Left, Right: s.Right}
	for i := range 4 {
		v.Mult[i], v.Round[i] = s.Mult, s.Round
	}
	for i := range 8 {
		v.Nudge[i], v.SignMask[i], v.ZeroPoint[i] = s.Nudge, s.SignMask, s.ZeroPoint
	}
	for i := range 32 {
		v.MinB[i], v.MaxB[i] = clampByte(s.Min), clampByte(s.Max)
	}
	return v
}

// clampByte returns v clamped to [0, 255]: a Requant's Min and Max are
// within it for a uint8 output.
func clampByte(v int32) uint8 { return uint8(min(max(v, 0), 255)) }
