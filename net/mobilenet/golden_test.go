package mobilenet_test

import (
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/livecam/livecam/internal/testrig/shareddata"
	"github.com/livecam/livecam/net/internal/kernelenv"
	"github.com/livecam/livecam/net/mobilenet"
)

func readF32(tb testing.TB, path string) []float32 {
	tb.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	out := make([]float32, len(data)/4)
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(data[4*i:]))
	}
	return out
}

// closeness returns the largest difference between got and want, absolute
// for |want| <= 1 and relative above.
func closeness(got, want []float32) (worst float64, at int) {
	for i := range want {
		d := math.Abs(float64(got[i]) - float64(want[i]))
		if w := math.Abs(float64(want[i])); w > 1 {
			d /= w
		}
		if d > worst || math.IsNaN(d) {
			worst, at = d, i
		}
	}
	return worst, at
}

func realModel(tb testing.TB) *mobilenet.Model { return shareddata.Model(tb) }

func goldenNames(tb testing.TB) []string {
	dir := shareddata.Path(tb, "golden")
	files, err := filepath.Glob(filepath.Join(dir, "*.rgb"))
	if err != nil {
		tb.Fatal(err)
	}
	var names []string
	for _, f := range files {
		names = append(names, strings.TrimSuffix(filepath.Base(f), ".rgb"))
	}
	sort.Strings(names)
	if len(names) != 16 {
		tb.Fatalf("found %d golden inputs in %s, want 16", len(names), dir)
	}
	return names
}

// modelOnPath loads the shared float32 model packed for the kernels of
// path p.
func modelOnPath(tb testing.TB, p kernelenv.Path) *mobilenet.Model {
	tb.Helper()
	restore := kernelenv.Force(p)
	defer restore()
	m := realModel(tb)
	if m.KernelName() != p.Kernel(kernelenv.Float) {
		tb.Fatalf("built on path %s, the model runs %s", p, m.KernelName())
	}
	return m
}

// floatPaths returns the paths of this CPU with different float32
// kernels, fastest first (avx512-vnni runs avx512's), the default one
// ($LIVECAM_KERNELS's or the fastest) first of all.
func floatPaths(tb testing.TB) []kernelenv.Path {
	def, err := kernelenv.Current()
	if err != nil {
		tb.Fatal(err)
	}
	ps := []kernelenv.Path{def}
	seen := map[string]bool{def.Kernel(kernelenv.Float): true}
	for _, p := range kernelenv.Paths() {
		if k := p.Kernel(kernelenv.Float); !seen[k] {
			seen[k] = true
			ps = append(ps, p)
		}
	}
	return ps
}

// TestGoldenLogits runs the 16 golden images against the reference
// logits and top-5 on every float32 kernel of this CPU: on the default
// path with 1 and 2 threads, on the others with 1 (2 images with -short).
func TestGoldenLogits(t *testing.T) {
	for i, p := range floatPaths(t) {
		t.Run(p.String(), func(t *testing.T) {
			threads := []int{1, 2}
			if i > 0 {
				threads = threads[:1]
			}
			goldenLogits(t, modelOnPath(t, p), threads)
		})
	}
}

func goldenLogits(t *testing.T, m *mobilenet.Model, threadCounts []int) {
	for _, threads := range threadCounts {
		r := m.NewRunner(threads)
		defer r.Close()
		input := make([]float32, m.InputLen())
		logits := make([]float32, m.Classes())
		probs := make([]float32, m.Classes())
		var worstL, worstP float64
		names := goldenNames(t)
		if testing.Short() {
			names = names[:2]
		}
		for _, name := range names {
			golden := shareddata.Path(t, "golden")
			rgb, err := os.ReadFile(filepath.Join(golden, name+".rgb"))
			if err != nil {
				t.Fatal(err)
			}
			mobilenet.NormalizeRGB(input, rgb)
			if err := r.Forward(logits, input); err != nil {
				t.Fatal(err)
			}
			mobilenet.Softmax(probs, logits)
			wantL := readF32(t, filepath.Join(golden, name+".logits.f32"))
			wantP := readF32(t, filepath.Join(golden, name+".probs.f32"))
			dl, at := closeness(logits, wantL)
			if dl > 1e-3 {
				t.Errorf("%s, %d threads: logit %d = %v, reference %v", name, threads, at, logits[at], wantL[at])
			}
			dp, _ := closeness(probs, wantP)
			worstL, worstP = max(worstL, dl), max(worstP, dp)
			got5 := mobilenet.TopK(nil, logits, 5)
			want5 := mobilenet.TopK(nil, wantL, 5)
			for i := range want5 {
				if got5[i].Class != want5[i].Class {
					t.Errorf("%s, %d threads: top-5 %v, reference %v", name, threads, got5, want5)
					break
				}
			}
		}
		t.Logf("%d threads: largest logit difference %.3g, probability %.3g", threads, worstL, worstP)
	}
}

// TestGoldenActivations compares the activations of the fused forward pass
// (Trace runs the same code as Forward) with the reference at every layer
// the reference recorded and the forward pass holds whole: conv_dw_2's
// output is never held whole (it is fused into conv_pw_2), so its
// reference is not compared; conv_pw_6 and conv_pw_13 depend on it. It
// runs on every float32 kernel of this CPU.
func TestGoldenActivations(t *testing.T) {
	for _, p := range floatPaths(t) {
		t.Run(p.String(), func(t *testing.T) { goldenActivations(t, modelOnPath(t, p)) })
	}
}

func goldenActivations(t *testing.T, m *mobilenet.Model) {
	golden := shareddata.Path(t, "golden")
	rgb, err := os.ReadFile(filepath.Join(golden, "n01440764_tench.rgb"))
	if err != nil {
		t.Fatal(err)
	}
	input := make([]float32, m.InputLen())
	mobilenet.NormalizeRGB(input, rgb)
	want := map[string]string{
		"conv1":                      "ACT_conv1_relu.f32",
		"conv_pw_1":                  "ACT_conv_pw_1_relu.f32",
		"conv_pw_6":                  "ACT_conv_pw_6_relu.f32",
		"conv_pw_13":                 "ACT_conv_pw_13_relu.f32",
		"global_average_pooling2d_1": "ACT_global_average_pooling2d_1.f32",
	}
	r := m.NewRunner(2)
	defer r.Close()
	seen := 0
	err = r.Trace(make([]float32, m.Classes()), input, func(l mobilenet.Layer, out []float32) {
		file, ok := want[l.Name]
		if !ok {
			return
		}
		seen++
		ref := readF32(t, filepath.Join(golden, file))
		if len(ref) != len(out) {
			t.Fatalf("%s: %d values, reference %d", l.Name, len(out), len(ref))
		}
		// Relative L-infinity error: the largest difference over the
		// largest reference magnitude. An absolute bound of 1e-4 is below
		// the reference's own float32 noise: accumulating in float64 still
		// differs from it by 9.8e-5 at conv_pw_13.
		d, at := closeness(out, ref)
		scale := 0.0
		for _, v := range ref {
			scale = max(scale, math.Abs(float64(v)))
		}
		abs := math.Abs(float64(out[at]) - float64(ref[at]))
		rel := abs / max(scale, 1e-30)
		t.Logf("%-28s largest difference %.3g (relative to max |ref| %.3g: %.3g)", l.Name, d, scale, rel)
		if rel > 1e-4 {
			t.Errorf("%s: value %d = %v, reference %v (relative difference %.3g)", l.Name, at, out[at], ref[at], rel)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if seen != len(want) {
		t.Errorf("traced %d of %d reference layers", seen, len(want))
	}
}
