package tflite_test

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/livecam/livecam/internal/testrig/shareddata"
	"github.com/livecam/livecam/internal/testrig/testmode"
	"github.com/livecam/livecam/net/internal/kernelenv"
	"github.com/livecam/livecam/net/mobilenet"
	"github.com/livecam/livecam/net/quant"
	"github.com/livecam/livecam/net/tflite"
)

// The three quantized files of ../shared/models/tflite and their sizes.
var quantModels = []struct {
	name string
	size int
}{
	{"mobilenet_v1_0.25_128_quant", 128},
	{"mobilenet_v1_0.5_160_quant", 160},
	{"mobilenet_v1_0.75_192_quant", 192},
}

var (
	modelOnce sync.Map // name -> *mobilenet.Model
)

// loadQuantFor loads a shared quantized file for the kernels of path kp.
func loadQuantFor(tb testing.TB, name string, kp kernelPath) *mobilenet.Model {
	tb.Helper()
	f, err := tflite.ReadFile(shareddata.Path(tb, "models", "tflite", name+".tflite"))
	if err != nil {
		tb.Fatal(err)
	}
	q, err := f.MobileNet()
	if err != nil {
		tb.Fatal(err)
	}
	restore := kernelenv.Force(kp.path)
	m, err := mobilenet.NewQuantModel(q)
	restore()
	if err != nil {
		tb.Fatal(err)
	}
	if got := m.KernelName(); got != kp.path.Kernel(kernelenv.U8Pointwise) {
		tb.Fatalf("%s: built on path %s, the model runs %s", name, kp.path, got)
	}
	return m
}

// loadQuant loads one of the shared quantized files with its labels.
func loadQuant(tb testing.TB, name string) *mobilenet.Model {
	tb.Helper()
	if m, ok := modelOnce.Load(name); ok {
		return m.(*mobilenet.Model)
	}
	labels, err := mobilenet.LoadLabels(shareddata.Path(tb, "models", "tflite", "imagenet_labels.txt"))
	if err != nil {
		tb.Fatal(err)
	}
	m, err := tflite.Load(shareddata.Path(tb, "models", "tflite", name+".tflite"), labels)
	if err != nil {
		tb.Fatal(err)
	}
	modelOnce.Store(name, m)
	return m
}

// layerRow is one line of golden-quant's layers.tsv.
type layerRow struct {
	op       int
	kind     string
	out      string // HxWxC
	mult     int32
	shift    int
	realMult string
	actMin   string
	actMax   string
}

func readLayers(tb testing.TB, name string) []layerRow {
	data := shareddata.ReadFile(tb, "golden-quant", name, "layers.tsv")
	var rows []layerRow
	for i, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		f := strings.Split(line, "\t")
		if i == 0 {
			continue
		}
		r := layerRow{kind: f[1], out: f[3], realMult: f[16], actMin: f[14], actMax: f[15]}
		r.op, _ = strconv.Atoi(f[0])
		if m, err := strconv.Atoi(f[17]); err == nil {
			r.mult = int32(m)
			r.shift, _ = strconv.Atoi(f[18])
		}
		rows = append(rows, r)
	}
	return rows
}

// TestMultipliers checks the fixed-point multiplier and shift of every
// convolution against layers.tsv, computed from the file's own scales.
func TestMultipliers(t *testing.T) {
	for _, qm := range quantModels {
		t.Run(qm.name, func(t *testing.T) {
			f, err := tflite.ReadFile(shareddata.Path(t, "models", "tflite", qm.name+".tflite"))
			if err != nil {
				t.Fatal(err)
			}
			rows := readLayers(t, qm.name)
			if len(rows) != len(f.Operators) {
				t.Fatalf("%d operators, layers.tsv has %d", len(f.Operators), len(rows))
			}
			checked := 0
			for i, o := range f.Operators {
				if o.Name != rows[i].kind {
					t.Fatalf("operator %d is %s, layers.tsv says %s", i, o.Name, rows[i].kind)
				}
				if o.Name != "CONV_2D" && o.Name != "DEPTHWISE_CONV_2D" {
					continue
				}
				in, w, out := f.Tensors[o.Inputs[0]].Quant, f.Tensors[o.Inputs[1]].Quant, f.Tensors[o.Outputs[0]].Quant
				real := quant.ConvMultiplier(in.Scale[0], w.Scale[0], out.Scale[0])
				m, shift := quant.QuantizeMultiplier(real)
				if m != rows[i].mult || shift != rows[i].shift {
					t.Errorf("operator %d: multiplier %d shift %d, TFLite %d %d", i, m, shift, rows[i].mult, rows[i].shift)
				}
				act := quant.ReLU6
				if o.Activation == tflite.NoActivation {
					act = quant.None
				}
				lo, hi := quant.ActivationRange(act, quant.Params{Scale: out.Scale[0], ZeroPoint: int32(out.ZeroPoint[0])})
				if strconv.Itoa(int(lo)) != rows[i].actMin || strconv.Itoa(int(hi)) != rows[i].actMax {
					t.Errorf("operator %d: activation range [%d, %d], TFLite [%s, %s]", i, lo, hi, rows[i].actMin, rows[i].actMax)
				}
				checked++
			}
			if checked != 28 {
				t.Fatalf("checked %d convolutions, want 28", checked)
			}
		})
	}
}

// TestEveryLayerOfTench compares every operator's uint8 output for the
// first golden image with TFLite's, byte for byte, on every kernel path.
func TestEveryLayerOfTench(t *testing.T) {
	for _, qm := range quantModels {
		for _, kp := range allKernelPaths() {
			t.Run(qm.name+"/"+kp.name, func(t *testing.T) { everyLayer(t, qm.name, loadQuantFor(t, qm.name, kp)) })
		}
	}
}

// everyLayer compares every operator's output for the golden tench image
// with TFLite's.
func everyLayer(t *testing.T, name string, m *mobilenet.Model) {
	r := m.NewRunner(1)
	defer r.Close()
	dir := shareddata.Path(t, "golden-quant", name)
	rgb := shareddata.ReadFile(t, "golden-quant", name, "n01440764_tench.rgb")
	acts, err := filepath.Glob(filepath.Join(dir, "act", "op*.u8"))
	if err != nil || len(acts) != 31 {
		t.Fatalf("%d golden activations (%v), want 31", len(acts), err)
	}
	sort.Strings(acts)
	i := 0
	logits, out := make([]uint8, m.Classes()), make([]uint8, m.Classes())
	err = r.TraceQuant(logits, out, rgb, func(l mobilenet.Layer, got []uint8) {
		want, err := os.ReadFile(acts[i])
		if err != nil {
			t.Fatal(err)
		}
		if d := diff(got, want); d != "" {
			t.Errorf("%s (%s): %s", filepath.Base(acts[i]), l.Name, d)
		}
		i++
	})
	if err != nil {
		t.Fatal(err)
	}
	if i != 29 {
		t.Fatalf("traced %d layers, want 29", i)
	}
	for _, c := range []struct {
		file string
		got  []uint8
	}{{acts[29], logits}, {acts[30], out}} {
		want, err := os.ReadFile(c.file)
		if err != nil {
			t.Fatal(err)
		}
		if d := diff(c.got, want); d != "" {
			t.Errorf("%s: %s", filepath.Base(c.file), d)
		}
	}
}

// diff describes how got differs from want, "" when they are equal.
func diff(got, want []uint8) string {
	if len(got) != len(want) {
		return fmt.Sprintf("%d bytes, want %d", len(got), len(want))
	}
	n, first, maxd := 0, -1, 0
	for i := range got {
		if got[i] != want[i] {
			if first < 0 {
				first = i
			}
			n++
			maxd = max(maxd, abs(int(got[i])-int(want[i])))
		}
	}
	if n == 0 {
		return ""
	}
	return fmt.Sprintf("%d of %d bytes differ (first at %d: %d, want %d; largest difference %d)", n, len(got), first, got[first], want[first], maxd)
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// TestGoldenLogitsAndOutputs runs the 16 golden inputs of each model and
// compares the uint8 logits and softmax outputs with TFLite's, byte for byte.
func TestGoldenLogitsAndOutputs(t *testing.T) {
	for _, qm := range quantModels {
		for _, kp := range kernelPaths() {
			t.Run(qm.name+"/"+kp.name, func(t *testing.T) { goldenOutputs(t, qm.name, loadQuantFor(t, qm.name, kp)) })
		}
	}
}

// goldenOutputs compares the uint8 logits and softmax of the 16 golden
// inputs with TFLite's.
func goldenOutputs(t *testing.T, name string, m *mobilenet.Model) {
	r := m.NewRunner(2)
	defer r.Close()
	dir := shareddata.Path(t, "golden-quant", name)
	inputs, _ := filepath.Glob(filepath.Join(dir, "*.rgb"))
	if len(inputs) != 16 {
		t.Fatalf("%d golden inputs, want 16", len(inputs))
	}
	logits, out := make([]uint8, m.Classes()), make([]uint8, m.Classes())
	probs := make([]float32, m.Classes())
	for _, in := range inputs {
		rgb, err := os.ReadFile(in)
		if err != nil {
			t.Fatal(err)
		}
		if err := r.ForwardQuant(logits, out, rgb); err != nil {
			t.Fatal(err)
		}
		base := strings.TrimSuffix(in, ".rgb")
		wantLogits, _ := os.ReadFile(base + ".logits.u8")
		wantOut, _ := os.ReadFile(base + ".out.u8")
		if d := diff(logits, wantLogits); d != "" {
			t.Errorf("%s logits: %s", filepath.Base(base), d)
		}
		if d := diff(out, wantOut); d != "" {
			t.Errorf("%s output: %s", filepath.Base(base), d)
		}
		if err := r.Probabilities(probs, rgb); err != nil {
			t.Fatal(err)
		}
		for i := range probs {
			if probs[i] != float32(wantOut[i])/256 {
				t.Fatalf("%s: probability %d is %v, want %v", filepath.Base(base), i, probs[i], float32(wantOut[i])/256)
			}
		}
	}
}

// canonicalRGB is the golden README's preprocessing for all three
// models at once: ffmpeg's bilinear scale of the whole image to each
// size×size, RGB bytes (one ffmpeg run, its output split three ways).
func canonicalRGB(dir, path string) ([3][]byte, error) {
	var out [3][]byte
	args := []string{"-v", "error", "-i", path, "-filter_complex",
		"[0]split=3[a][b][c];[a]scale=128:128:flags=bilinear[x];[b]scale=160:160:flags=bilinear[y];[c]scale=192:192:flags=bilinear[z]"}
	files := [3]string{}
	for i, l := range []string{"x", "y", "z"} {
		files[i] = filepath.Join(dir, fmt.Sprintf("%s.%d.rgb", filepath.Base(path), i))
		args = append(args, "-map", "["+l+"]", "-pix_fmt", "rgb24", "-f", "rawvideo", "-y", files[i])
	}
	cmd := exec.Command("ffmpeg", args...)
	var errOut bytes.Buffer
	cmd.Stderr = &errOut
	if err := cmd.Run(); err != nil {
		return out, fmt.Errorf("%s: %v: %s", path, err, errOut.String())
	}
	for i, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return out, err
		}
		os.Remove(f)
		out[i] = data
	}
	return out, nil
}

// decodeAll decodes every image of predictions.tsv for the three sizes,
// two ffmpeg runs at a time.
func decodeAll(t *testing.T, files []string) map[string][3][]byte {
	dir := t.TempDir()
	images := make(map[string][3][]byte, len(files))
	var mu sync.Mutex
	var wg sync.WaitGroup
	next := make(chan string)
	var firstErr error
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for f := range next {
				rgb, err := canonicalRGB(dir, shareddata.Path(t, "imagenet", f))
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = err
				}
				images[f] = rgb
				mu.Unlock()
			}
		}()
	}
	for _, f := range files {
		next <- f
	}
	close(next)
	wg.Wait()
	if firstErr != nil {
		t.Fatal(firstErr)
	}
	return images
}

// TestPredictions500 runs all 500 shared ImageNet images through each
// model and checks the top-1 class (the highest uint8 logit, ties to the
// lower index) and its uint8 logit and output against predictions.tsv.
// The decoded inputs of the 16 golden images must be the golden .rgb
// bytes, which checks the preprocessing itself.
func TestPredictions500(t *testing.T) {
	if testmode.Race {
		t.Skip("500 images × 3 models: the plain runs have them (make test and make check)")
	}
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		shareddata.Need(t, "ffmpeg: %v", err)
	}
	type row struct{ file, truth, want string }
	var rows [3][]row
	for mi, qm := range quantModels {
		data := shareddata.ReadFile(t, "golden-quant", qm.name, "predictions.tsv")
		for i, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
			c := strings.Split(line, "\t")
			if i == 0 || len(c) < 5 {
				continue
			}
			rows[mi] = append(rows[mi], row{c[0], c[1], c[2] + " " + c[3] + " " + c[4]})
		}
		if len(rows[mi]) != 500 {
			t.Fatalf("%s: %d predictions, want 500", qm.name, len(rows[mi]))
		}
	}
	var files []string
	for _, r := range rows[0] {
		files = append(files, r.file)
	}
	images := decodeAll(t, files)
	for mi, qm := range quantModels {
		t.Run(qm.name, func(t *testing.T) {
			m := loadQuant(t, qm.name)
			r := m.NewRunner(0)
			defer r.Close()
			golden, _ := filepath.Glob(filepath.Join(shareddata.Path(t, "golden-quant", qm.name), "*.rgb"))
			for _, g := range golden {
				want, _ := os.ReadFile(g)
				if got := images[strings.TrimSuffix(filepath.Base(g), ".rgb")+".JPEG"][mi]; !bytes.Equal(got, want) {
					t.Fatalf("%s: the decoded input differs from the golden one", filepath.Base(g))
				}
			}
			logits, out := make([]uint8, m.Classes()), make([]uint8, m.Classes())
			agree, correct := 0, 0
			for _, c := range rows[mi] {
				if err := r.ForwardQuant(logits, out, images[c.file][mi]); err != nil {
					t.Fatal(err)
				}
				top := 0
				for i, v := range logits {
					if v > logits[top] {
						top = i
					}
				}
				if got := fmt.Sprintf("%d %d %d", top, logits[top], out[top]); got == c.want {
					agree++
				} else {
					t.Errorf("%s: top-1 %s (class, logit, output), TFLite %s", c.file, got, c.want)
				}
				if strconv.Itoa(top) == c.truth {
					correct++
				}
			}
			t.Logf("%s (%s): top-1 agrees with TFLite on %d/500 images; top-1 accuracy %.1f%%", qm.name, m.KernelName(), agree, 100*float64(correct)/500)
		})
	}
}
