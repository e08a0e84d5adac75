package quant_test

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/livecam/livecam/internal/testrig/shareddata"
	"github.com/livecam/livecam/net/quant"
)

// ExampleNewAdd adds two uint8 tensors of different scales as TFLite's
// uint8 ADD does: the first residual ADD of MobileNet V2 (golden-v2's
// add.tsv, operator 9).
func ExampleNewAdd() {
	in1 := quant.Params{Scale: 0.401492953, ZeroPoint: 136}
	in2 := quant.Params{Scale: 0.275834352, ZeroPoint: 119}
	out := quant.Params{Scale: 0.432168961, ZeroPoint: 133}
	a, err := quant.NewAdd(in1, in2, out, quant.None)
	if err != nil {
		panic(err)
	}
	fmt.Println(a.Multipliers())
	// 0.401·(150−136) + 0.276·(100−119) = 0.380 → 0.88 steps → 134.
	fmt.Println(a.Apply(150, 100))
	// Output:
	// 1073741824 0 1475367762 -1 1995052007 -19
	// 134
}

// tsv reads a shared TSV file into rows of named columns.
func tsv(t *testing.T, elem ...string) []map[string]string {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(string(shareddata.ReadFile(t, elem...))), "\n")
	head := strings.Split(lines[0], "\t")
	var rows []map[string]string
	for _, l := range lines[1:] {
		c := strings.Split(l, "\t")
		if len(c) != len(head) {
			t.Fatalf("%v: %d columns in %q", elem, len(c), l)
		}
		row := map[string]string{}
		for i, h := range head {
			row[h] = c[i]
		}
		rows = append(rows, row)
	}
	return rows
}

func params(t *testing.T, scale, zero string) quant.Params {
	t.Helper()
	s, err1 := strconv.ParseFloat(scale, 32)
	z, err2 := strconv.Atoi(zero)
	if err1 != nil || err2 != nil {
		t.Fatalf("bad quantization %q %q", scale, zero)
	}
	return quant.Params{Scale: float32(s), ZeroPoint: int32(z)}
}

// TestAddGolden checks every ADD of MobileNet V2 against golden-v2's
// add.tsv (the three fixed-point multipliers and shifts TFLite derives)
// and, for all 65536 input pairs, against the real sum rounded once in
// float64, which the README says the integer path equals for these ADDs.
func TestAddGolden(t *testing.T) {
	rows := tsv(t, "golden-v2", "add.tsv")
	if len(rows) != 10 {
		t.Fatalf("add.tsv has %d ADDs, want 10", len(rows))
	}
	for _, r := range rows {
		in1 := params(t, r["in1_scale"], r["in1_zp"])
		in2 := params(t, r["in2_scale"], r["in2_zp"])
		out := params(t, r["out_scale"], r["out_zp"])
		a, err := quant.NewAdd(in1, in2, out, quant.None)
		if err != nil {
			t.Fatal(err)
		}
		m1, s1, m2, s2, mo, so := a.Multipliers()
		got := fmt.Sprint(m1, s1, m2, s2, mo, so)
		want := strings.Join([]string{r["mult1"], r["shift1"], r["mult2"], r["shift2"], r["mult_out"], r["shift_out"]}, " ")
		if got != want {
			t.Errorf("ADD %s: multipliers and shifts %s, TFLite %s", r["op"], got, want)
		}
		for q1 := range 256 {
			for q2 := range 256 {
				real := float64(in1.Scale)*float64(q1-int(in1.ZeroPoint)) + float64(in2.Scale)*float64(q2-int(in2.ZeroPoint))
				w := min(max(math.Floor(real/float64(out.Scale)+0.5)+float64(out.ZeroPoint), 0), 255)
				if g := a.Apply(uint8(q1), uint8(q2)); float64(g) != w {
					t.Fatalf("ADD %s: %d + %d gives %d, want %v", r["op"], q1, q2, g, w)
				}
			}
		}
	}
}

// TestAddClampsAndRefuses: a fused activation clamps the sum, and
// scales TFLite refuses are refused.
func TestAddClampsAndRefuses(t *testing.T) {
	p := quant.Params{Scale: 0.1, ZeroPoint: 100}
	a, err := quant.NewAdd(p, p, p, quant.ReLU)
	if err != nil {
		t.Fatal(err)
	}
	// −5 + −5 = −10 → clamped at 0.0 (byte 100); 3 + 4 = 7 → 170.
	if got := a.Apply(50, 50); got != 100 {
		t.Errorf("ReLU ADD of −5 and −5: %d, want 100", got)
	}
	if got := a.Apply(130, 140); got != 170 {
		t.Errorf("ADD of 3 and 4: %d, want 170", got)
	}
	dst := make([]uint8, 2)
	a.ApplySlice(dst, []uint8{50, 130}, []uint8{50, 140})
	if dst[0] != 100 || dst[1] != 170 {
		t.Errorf("ApplySlice: %v", dst)
	}
	// An output scale so small that the output multiplier is ≥ 1.
	if _, err := quant.NewAdd(p, p, quant.Params{Scale: 1e-9}, quant.None); err == nil {
		t.Error("an ADD whose output multiplier is ≥ 1 was accepted")
	}
	if _, err := quant.NewAdd(quant.Params{Scale: float32(math.NaN())}, p, p, quant.None); err == nil {
		t.Error("a NaN scale was accepted")
	}
}

// TestActivationRanges: TFLite's clamps for each fused activation.
func TestActivationRanges(t *testing.T) {
	p := quant.Params{Scale: 0.05, ZeroPoint: 100}
	for _, c := range []struct {
		a      quant.Activation
		lo, hi int32
	}{
		{quant.None, 0, 255},
		{quant.ReLU, 100, 255},
		{quant.ReLU6, 100, 220},
		{quant.ReLUN1To1, 80, 120},
	} {
		if lo, hi := quant.ActivationRange(c.a, p); lo != c.lo || hi != c.hi {
			t.Errorf("activation %d: [%d, %d], want [%d, %d]", c.a, lo, hi, c.lo, c.hi)
		}
	}
}

// TestLogisticTableGolden: the SSD detector's LOGISTIC table is
// golden-detect's logistic_lut.u8.
func TestLogisticTableGolden(t *testing.T) {
	want := shareddata.ReadFile(t, "golden-detect", "logistic_lut.u8")
	tab := quant.LogisticTable(quant.Params{Scale: 0.049736768, ZeroPoint: 223}, quant.Params{Scale: 1.0 / 256})
	if !bytes.Equal(tab[:], want) {
		for i := range want {
			if tab[i] != want[i] {
				t.Fatalf("entry %d is %d, TFLite's %d", i, tab[i], want[i])
			}
		}
	}
}

// TestRescaleTableGolden: every requantized input of the detector's two
// CONCATENATIONs (concat.tsv) gives, for each byte, TFLite's result from
// its float32 s and b (bit patterns from the file): round(x·s + b) with
// the product and the sum rounded separately, plus the zero point.
func TestRescaleTableGolden(t *testing.T) {
	n := 0
	for _, r := range tsv(t, "golden-detect", "concat.tsv") {
		if r["mode"] != "requantize" {
			continue
		}
		n++
		in := params(t, r["in_scale"], r["in_zp"])
		out := params(t, r["out_scale"], r["out_zp"])
		sBits, err1 := strconv.ParseUint(strings.TrimPrefix(r["s_bits"], "0x"), 16, 32)
		bBits, err2 := strconv.ParseUint(strings.TrimPrefix(r["b_bits"], "0x"), 16, 32)
		if err1 != nil || err2 != nil {
			t.Fatalf("bad bits %q %q", r["s_bits"], r["b_bits"])
		}
		s, b := math.Float32frombits(uint32(sBits)), math.Float32frombits(uint32(bBits))
		tab := quant.RescaleTable(in, out)
		for x := range 256 {
			v := float32(float32(x)*s) + b
			w := min(max(math.Round(float64(v))+float64(out.ZeroPoint), 0), 255)
			if float64(tab[x]) != w {
				t.Fatalf("op %s part %s: byte %d gives %d, want %v", r["op"], r["part"], x, tab[x], w)
			}
		}
	}
	if n != 11 {
		t.Fatalf("%d requantized inputs in concat.tsv, want 11", n)
	}
}

// randomParams returns a quantization with a scale spread over four
// decades and any zero point.
func randomParams(rng *rand.Rand) quant.Params {
	return quant.Params{Scale: float32(math.Pow(10, -3+3*rng.Float64())), ZeroPoint: int32(rng.IntN(256))}
}

// TestAddSpec compares Add, which tabulates its first two multiplies,
// with TFLite's per-element formula (golden-v2 rule 8: both inputs
// shifted left by 20, each rescaled, summed, rescaled, every multiply
// rounded twice) for all input pairs of random quantizations and every
// activation.
func TestAddSpec(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 8))
	acts := []quant.Activation{quant.None, quant.ReLU, quant.ReLU6, quant.ReLUN1To1}
	checked := 0
	for checked < 200 {
		in1, in2, out := randomParams(rng), randomParams(rng), randomParams(rng)
		act := acts[rng.IntN(len(acts))]
		a, err := quant.NewAdd(in1, in2, out, act)
		if err != nil {
			continue // a multiplier outside (0, 1), as TFLite refuses
		}
		checked++
		twiceMax := float64(2 * max(in1.Scale, in2.Scale))
		m1, s1 := quant.QuantizeMultiplier(float64(in1.Scale) / twiceMax)
		m2, s2 := quant.QuantizeMultiplier(float64(in2.Scale) / twiceMax)
		mo, so := quant.QuantizeMultiplier(twiceMax / float64(float32(1<<20)*out.Scale))
		lo, hi := quant.ActivationRange(act, out)
		for q1 := range 256 {
			x := quant.MultiplyByQuantizedMultiplier((int32(q1)-in1.ZeroPoint)<<20, m1, s1)
			for q2 := range 256 {
				y := quant.MultiplyByQuantizedMultiplier((int32(q2)-in2.ZeroPoint)<<20, m2, s2)
				want := uint8(min(max(quant.MultiplyByQuantizedMultiplier(x+y, mo, so)+out.ZeroPoint, lo), hi))
				if got := a.Apply(uint8(q1), uint8(q2)); got != want {
					t.Fatalf("%+v + %+v → %+v (%d): %d + %d gives %d, want %d", in1, in2, out, act, q1, q2, got, want)
				}
			}
		}
	}
}

// TestLogisticSpec compares LogisticTable with golden-detect rule 9 in
// float32 for random input quantizations.
func TestLogisticSpec(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	out := quant.Params{Scale: 1.0 / 256}
	for range 2000 {
		in := randomParams(rng)
		in.Scale *= 30
		tab := quant.LogisticTable(in, out)
		for v := range 256 {
			d := in.Scale * float32(int32(v)-in.ZeroPoint)
			f := float32(1) / (float32(1) + float32(math.Exp(float64(-d))))
			want := uint8(min(math.Round(float64(f*256)), 255))
			if tab[v] != want {
				t.Fatalf("%+v: entry %d is %d, want %d", in, v, tab[v], want)
			}
		}
	}
}

// TestRescaleSpec compares RescaleTable with golden-detect rule 8 in
// float32 (two separately rounded operations, half away from zero) for
// random quantizations.
func TestRescaleSpec(t *testing.T) {
	rng := rand.New(rand.NewPCG(10, 10))
	for range 2000 {
		in, out := randomParams(rng), randomParams(rng)
		tab := quant.RescaleTable(in, out)
		s := in.Scale * (1 / out.Scale)
		b := float32(-in.ZeroPoint) * s
		for x := range 256 {
			v := float32(float32(x)*s) + b
			want := uint8(min(max(math.Round(float64(v))+float64(out.ZeroPoint), 0), 255))
			if tab[x] != want {
				t.Fatalf("%+v → %+v: byte %d gives %d, want %d", in, out, x, tab[x], want)
			}
		}
	}
}
