package tflite_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
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
	"github.com/livecam/livecam/net/tflite"
)

// The shared files the graph runner is checked on.
const (
	v2Model = "mobilenet_v2_1.0_224_quant"
	// The SSD detector's postprocess and the tensors it reads: the box
	// encodings (op 58's output), the class logits (op 61's, LOGISTIC's
	// input) and the scores (op 62's).
	ssdPostOp    = 63
	ssdBoxenc    = 165
	ssdLogits    = 173
	ssdScores    = 174
	ssdDetFloats = 61 // boxes 10×4, classes 10, scores 10, count 1
)

var graphCache sync.Map // name + "/" + path → *plannedGraph

type plannedGraph struct {
	f *tflite.File
	g *tflite.Graph
}

// graphFor reads a shared TFLite file and plans it for the kernels of
// path kp (once per test binary).
func graphFor(tb testing.TB, name string, kp kernelPath) (*tflite.File, *tflite.Graph) {
	tb.Helper()
	key := name + "/" + kp.path.String()
	if p, ok := graphCache.Load(key); ok {
		return p.(*plannedGraph).f, p.(*plannedGraph).g
	}
	f, err := tflite.ReadFile(shareddata.Path(tb, "models", "tflite", name+".tflite"))
	if err != nil {
		tb.Fatal(err)
	}
	restore := kernelenv.Force(kp.path)
	g, err := f.Plan()
	restore()
	if err != nil {
		tb.Fatal(err)
	}
	if g.KernelName() != kp.name {
		tb.Fatalf("%s: planned on path %s, the graph runs %s, want %s", name, kp.path, g.KernelName(), kp.name)
	}
	graphCache.Store(key, &plannedGraph{f, g})
	return f, g
}

// traceAll runs input through r with a trace and returns a copy of every
// operator's (first) output, by operator.
func traceAll(t *testing.T, r *tflite.Runner, input []uint8) map[int][]uint8 {
	t.Helper()
	outs := map[int][]uint8{}
	r.Trace(func(op int, name string, out []uint8) {
		if _, ok := outs[op]; ok {
			t.Errorf("operator %d (%s) traced twice", op, name)
		}
		outs[op] = append([]uint8{}, out...)
	})
	defer r.Trace(nil)
	if err := r.Run(input); err != nil {
		t.Fatal(err)
	}
	return outs
}

// actFile is one stored operator output: act/opNN_KIND_SHAPE.u8.
type actFile struct {
	op   int
	path string
}

func actFiles(t *testing.T, dir, ext string) []actFile {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(dir, "act", "op*"+ext))
	if err != nil {
		t.Fatal(err)
	}
	var out []actFile
	for _, p := range paths {
		op, err := strconv.Atoi(strings.TrimPrefix(strings.SplitN(filepath.Base(p), "_", 2)[0], "op"))
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		out = append(out, actFile{op, p})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].path < out[j].path })
	return out
}

// floatsLE decodes little-endian float32 values (a trailing partial
// value is dropped).
func floatsLE(b []byte) []float32 {
	v := make([]float32, len(b)/4)
	binary.Decode(b, binary.LittleEndian, v) // cannot fail: v fits in b
	return v
}

// bytesLE encodes float32 values little-endian.
func bytesLE(v []float32) []byte {
	b, _ := binary.Append(nil, binary.LittleEndian, v) // cannot fail for a []float32
	return b
}

// diffBits describes how two float32 slices differ bit for bit.
func diffBits(got, want []float32) string {
	if len(got) != len(want) {
		return fmt.Sprintf("%d values, want %d", len(got), len(want))
	}
	for i := range got {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			return fmt.Sprintf("value %d is %v (%#08x), want %v (%#08x)", i, got[i], math.Float32bits(got[i]), want[i], math.Float32bits(want[i]))
		}
	}
	return ""
}

// detections returns the detector's four outputs as det.f32 holds them.
func detections(r *tflite.Runner) []float32 {
	var v []float32
	for i := range 4 {
		v = append(v, r.OutputFloat32(i)...)
	}
	return v
}

// TestGraphDetectEveryOperator runs golden-detect's coral_cat through
// the SSD detector on every kernel path and compares every operator's
// output with TFLite's: the uint8 tensors byte for byte, the
// postprocess's four float32 outputs bit for bit.
func TestGraphDetectEveryOperator(t *testing.T) {
	dir := shareddata.Path(t, "golden-detect")
	rgb := shareddata.ReadFile(t, "golden-detect", "coral_cat.rgb")
	acts := actFiles(t, dir, ".u8")
	if len(acts) != 63 {
		t.Fatalf("%d stored operator outputs, want 63", len(acts))
	}
	for _, kp := range kernelPaths() {
		t.Run(kp.name, func(t *testing.T) {
			f, g := graphFor(t, ssdModel, kp)
			if g.Operators() != 64 || g.MACs() != 728036496 {
				t.Fatalf("%d operators and %d MACs, want 64 and 728036496 (layers.tsv)", g.Operators(), g.MACs())
			}
			r := g.NewRunner(1)
			defer r.Close()
			outs := traceAll(t, r, rgb)
			if len(outs) != 64 {
				t.Fatalf("traced %d operators, want 64", len(outs))
			}
			for _, a := range acts {
				want, err := os.ReadFile(a.path)
				if err != nil {
					t.Fatal(err)
				}
				if d := diff(outs[a.op], want); d != "" {
					t.Errorf("%s: %s", filepath.Base(a.path), d)
				}
			}
			// The postprocess: boxes, classes, scores, count, in the
			// order of its outputs.
			post := f.Operators[ssdPostOp]
			for j, kind := range []string{"boxes", "classes", "scores", "count"} {
				files, _ := filepath.Glob(filepath.Join(dir, "act", fmt.Sprintf("op%d_postprocess_%s_*.f32", ssdPostOp, kind)))
				if len(files) != 1 {
					t.Fatalf("%d files for the postprocess's %s", len(files), kind)
				}
				want, err := os.ReadFile(files[0])
				if err != nil {
					t.Fatal(err)
				}
				if d := diffBits(r.Float32(post.Outputs[j]), floatsLE(want)); d != "" {
					t.Errorf("%s: %s", filepath.Base(files[0]), d)
				}
			}
		})
	}
}

// TestGraphDetectStoredImages runs the 12 stored inputs of golden-detect
// on every kernel path: box encodings and scores byte for byte, the
// four outputs (det.f32) bit for bit.
func TestGraphDetectStoredImages(t *testing.T) {
	dir := shareddata.Path(t, "golden-detect")
	inputs, _ := filepath.Glob(filepath.Join(dir, "*.rgb"))
	if len(inputs) != 12 {
		t.Fatalf("%d stored inputs, want 12", len(inputs))
	}
	for _, kp := range kernelPaths() {
		t.Run(kp.name, func(t *testing.T) {
			f, g := graphFor(t, ssdModel, kp)
			if in := f.Operators[ssdPostOp].Inputs; in[0] != ssdBoxenc || in[1] != ssdScores {
				t.Fatalf("the postprocess reads tensors %v, want %d and %d", in, ssdBoxenc, ssdScores)
			}
			r := g.NewRunner(2)
			defer r.Close()
			for i, in := range inputs {
				if testmode.Race && i == 3 {
					break // the race run: 3 images (the plain runs have all 12)
				}
				rgb, err := os.ReadFile(in)
				if err != nil {
					t.Fatal(err)
				}
				if err := r.Run(rgb); err != nil {
					t.Fatal(err)
				}
				base := strings.TrimSuffix(in, ".rgb")
				for _, c := range []struct {
					ext    string
					tensor int
				}{{".boxenc.u8", ssdBoxenc}, {".scores.u8", ssdScores}} {
					want, err := os.ReadFile(base + c.ext)
					if err != nil {
						t.Fatal(err)
					}
					if d := diff(r.Uint8(c.tensor), want); d != "" {
						t.Errorf("%s%s: %s", filepath.Base(base), c.ext, d)
					}
				}
				want, err := os.ReadFile(base + ".det.f32")
				if err != nil {
					t.Fatal(err)
				}
				if len(want) != 4*ssdDetFloats {
					t.Fatalf("%s.det.f32: %d bytes", filepath.Base(base), len(want))
				}
				if d := diffBits(detections(r), floatsLE(want)); d != "" {
					t.Errorf("%s.det.f32: %s", filepath.Base(base), d)
				}
			}
		})
	}
}

// imageRow is one line of golden-detect's images.tsv.
type imageRow struct {
	file, source                string
	stored                      bool
	rgb, boxenc, logits, scores string
	det                         string
}

func readImages(t *testing.T) []imageRow {
	data := shareddata.ReadFile(t, "golden-detect", "images.tsv")
	var rows []imageRow
	for i, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		c := strings.Split(line, "\t")
		if i == 0 {
			continue
		}
		if len(c) != 9 {
			t.Fatalf("images.tsv line %d: %d columns", i+1, len(c))
		}
		rows = append(rows, imageRow{file: c[0], source: c[1], stored: c[2] == "1",
			rgb: c[4], boxenc: c[5], logits: c[6], scores: c[7], det: c[8]})
	}
	if len(rows) != 51 {
		t.Fatalf("images.tsv has %d images, want 51", len(rows))
	}
	return rows
}

// detectInput makes an image's input tensor with golden-detect's ffmpeg
// command: the whole image (or video frame N) scaled to 300x300.
func detectInput(t *testing.T, dir, source string) ([]byte, error) {
	path, filter := source, "scale=300:300:flags=bilinear"
	if p, frame, ok := strings.Cut(source, " frame "); ok {
		path, filter = p, fmt.Sprintf("select=eq(n\\,%s),scale=300:300:flags=bilinear", frame)
	}
	rel, ok := strings.CutPrefix(path, "../")
	if !ok {
		return nil, fmt.Errorf("source %q is not in the shared folder", source)
	}
	out := filepath.Join(dir, strings.NewReplacer("/", "_", " ", "_").Replace(source)+".rgb")
	cmd := exec.Command("ffmpeg", "-v", "error", "-i", shareddata.Path(t, strings.Split(rel, "/")...),
		"-vf", filter, "-frames:v", "1", "-pix_fmt", "rgb24", "-f", "rawvideo", "-y", out)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("%s: %v: %s", source, err, stderr.String())
	}
	defer os.Remove(out)
	return os.ReadFile(out)
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// TestGraphDetectOtherImages makes the 39 images of golden-detect that
// are not stored with its ffmpeg command (checking the input's SHA-256)
// and compares the SHA-256 of their box encodings, class logits, scores
// and four outputs with TFLite's, on every kernel path.
func TestGraphDetectOtherImages(t *testing.T) {
	if testing.Short() {
		t.Skip("39 images decoded and run on every kernel path (a minute on the portable one): not in -short")
	}
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		shareddata.Need(t, "ffmpeg: %v", err)
	}
	var rows []imageRow
	for _, r := range readImages(t) {
		if !r.stored {
			rows = append(rows, r)
		}
	}
	if len(rows) != 39 {
		t.Fatalf("%d images without stored tensors, want 39", len(rows))
	}
	dir := t.TempDir()
	inputs := make([][]byte, len(rows))
	var wg sync.WaitGroup
	errs := make([]error, len(rows))
	sem := make(chan struct{}, 2)
	for i, row := range rows {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			inputs[i], errs[i] = detectInput(t, dir, row.source)
		}()
	}
	wg.Wait()
	for i, row := range rows {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		if got := sha(inputs[i]); got != row.rgb {
			t.Fatalf("%s: the input made from %s has SHA-256 %s, images.tsv %s", row.file, row.source, got, row.rgb)
		}
	}
	for k, kp := range kernelPaths() {
		t.Run(kp.name, func(t *testing.T) {
			_, g := graphFor(t, ssdModel, kp)
			r := g.NewRunner(2)
			defer r.Close()
			for i, row := range rows {
				if k > 0 && i == 8 {
					// The other paths see every operator and the 12
					// stored images above; 8 of these are enough beside
					// them (all 39 take minutes on the portable path and
					// under qemu).
					break
				}
				if err := r.Run(inputs[i]); err != nil {
					t.Fatal(err)
				}
				for _, c := range []struct {
					what      string
					got, want string
				}{
					{"box encodings", sha(r.Uint8(ssdBoxenc)), row.boxenc},
					{"class logits", sha(r.Uint8(ssdLogits)), row.logits},
					{"scores", sha(r.Uint8(ssdScores)), row.scores},
					{"outputs", sha(bytesLE(detections(r))), row.det},
				} {
					if c.got != c.want {
						t.Errorf("%s: %s differ from TFLite's (SHA-256 %s, want %s)", row.file, c.what, c.got, c.want)
					}
				}
			}
		})
	}
}

// TestGraphV2EveryOperator runs golden-v2's first image through
// MobileNet V2 on every kernel path and compares every operator's output
// with TFLite's: the stored ones byte for byte, the others by SHA-256.
func TestGraphV2EveryOperator(t *testing.T) {
	dir := shareddata.Path(t, "golden-v2")
	rgb := shareddata.ReadFile(t, "golden-v2", "n01440764_tench.rgb")
	data := shareddata.ReadFile(t, "golden-v2", "act.tsv")
	type row struct {
		op            int
		kind, sha, at string
	}
	var rows []row
	for i, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		c := strings.Split(line, "\t")
		if i == 0 {
			continue
		}
		op, err := strconv.Atoi(c[0])
		if err != nil || len(c) != 6 {
			t.Fatalf("act.tsv line %d: %q", i+1, line)
		}
		rows = append(rows, row{op, c[1], c[4], c[5]})
	}
	if len(rows) != 66 {
		t.Fatalf("act.tsv has %d operators, want 66", len(rows))
	}
	stored := 0
	for _, kp := range kernelPaths() {
		t.Run(kp.name, func(t *testing.T) {
			f, g := graphFor(t, v2Model, kp)
			if g.MACs() != 300775552 {
				t.Errorf("%d MACs, want 300775552 (layers.tsv)", g.MACs())
			}
			r := g.NewRunner(1)
			defer r.Close()
			outs := traceAll(t, r, rgb)
			if len(outs) != 66 {
				t.Fatalf("traced %d operators, want 66", len(outs))
			}
			stored = 0
			for _, w := range rows {
				if f.Operators[w.op].Name != w.kind {
					t.Fatalf("operator %d is %s, act.tsv says %s", w.op, f.Operators[w.op].Name, w.kind)
				}
				if got := sha(outs[w.op]); got != w.sha {
					t.Errorf("operator %d (%s): SHA-256 %s, TFLite's %s", w.op, w.kind, got, w.sha)
				}
				if w.at == "-" {
					continue
				}
				want, err := os.ReadFile(filepath.Join(dir, w.at))
				if err != nil {
					t.Fatal(err)
				}
				if d := diff(outs[w.op], want); d != "" {
					t.Errorf("%s: %s", w.at, d)
				}
				stored++
			}
		})
	}
	if stored != 38 {
		t.Errorf("compared %d stored outputs, want 38", stored)
	}
}

// TestGraphV2Outputs runs golden-v2's 16 stored inputs on every kernel
// path: the uint8 logits and softmax outputs byte for byte.
func TestGraphV2Outputs(t *testing.T) {
	dir := shareddata.Path(t, "golden-v2")
	inputs, _ := filepath.Glob(filepath.Join(dir, "*.rgb"))
	if len(inputs) != 16 {
		t.Fatalf("%d stored inputs, want 16", len(inputs))
	}
	for _, kp := range kernelPaths() {
		t.Run(kp.name, func(t *testing.T) {
			f, g := graphFor(t, v2Model, kp)
			logits := f.Operators[len(f.Operators)-1].Inputs[0]
			r := g.NewRunner(2)
			defer r.Close()
			for _, in := range inputs {
				rgb, err := os.ReadFile(in)
				if err != nil {
					t.Fatal(err)
				}
				if err := r.Run(rgb); err != nil {
					t.Fatal(err)
				}
				base := strings.TrimSuffix(in, ".rgb")
				for _, c := range []struct {
					ext string
					got []uint8
				}{{".logits.u8", r.Uint8(logits)}, {".out.u8", r.OutputUint8(0)}} {
					want, err := os.ReadFile(base + c.ext)
					if err != nil {
						t.Fatal(err)
					}
					if d := diff(c.got, want); d != "" {
						t.Errorf("%s%s: %s", filepath.Base(base), c.ext, d)
					}
				}
			}
		})
	}
}

// TestGraphMobileNetV1 runs the three MobileNet V1 files through the
// graph runner on every kernel path: every operator of the golden tench
// image, then the logits and outputs of the 16 golden images, byte for
// byte against golden-quant and against the existing path (Load into
// net/mobilenet on the same kernels).
func TestGraphMobileNetV1(t *testing.T) {
	for _, qm := range quantModels {
		for _, kp := range kernelPaths() {
			t.Run(qm.name+"/"+kp.name, func(t *testing.T) {
				f, g := graphFor(t, qm.name, kp)
				dir := shareddata.Path(t, "golden-quant", qm.name)
				r := g.NewRunner(2)
				defer r.Close()
				rgb := shareddata.ReadFile(t, "golden-quant", qm.name, "n01440764_tench.rgb")
				outs := traceAll(t, r, rgb)
				acts := actFiles(t, dir, ".u8")
				if len(acts) != 31 || len(outs) != 31 {
					t.Fatalf("%d stored and %d traced operator outputs, want 31", len(acts), len(outs))
				}
				for _, a := range acts {
					want, err := os.ReadFile(a.path)
					if err != nil {
						t.Fatal(err)
					}
					if d := diff(outs[a.op], want); d != "" {
						t.Errorf("%s: %s", filepath.Base(a.path), d)
					}
				}

				m := loadQuantFor(t, qm.name, kp)
				mr := m.NewRunner(1)
				defer mr.Close()
				mLogits, mOut := make([]uint8, m.Classes()), make([]uint8, m.Classes())
				logits := f.Operators[len(f.Operators)-1].Inputs[0]
				inputs, _ := filepath.Glob(filepath.Join(dir, "*.rgb"))
				if len(inputs) != 16 {
					t.Fatalf("%d golden inputs, want 16", len(inputs))
				}
				for _, in := range inputs {
					rgb, err := os.ReadFile(in)
					if err != nil {
						t.Fatal(err)
					}
					if err := r.Run(rgb); err != nil {
						t.Fatal(err)
					}
					if err := mr.ForwardQuant(mLogits, mOut, rgb); err != nil {
						t.Fatal(err)
					}
					base := strings.TrimSuffix(in, ".rgb")
					wantLogits, _ := os.ReadFile(base + ".logits.u8")
					wantOut, _ := os.ReadFile(base + ".out.u8")
					for _, c := range []struct {
						what      string
						got, want []uint8
					}{
						{"logits, golden", r.Uint8(logits), wantLogits},
						{"output, golden", r.OutputUint8(0), wantOut},
						{"logits, net/mobilenet", r.Uint8(logits), mLogits},
						{"output, net/mobilenet", r.OutputUint8(0), mOut},
					} {
						if d := diff(c.got, c.want); d != "" {
							t.Errorf("%s %s: %s", filepath.Base(base), c.what, d)
						}
					}
				}
			})
		}
	}
}

// TestGraphThreads: 1, 2 and 3 threads, fused or traced, give the same
// bytes for every tensor of the three kinds of graph.
func TestGraphThreads(t *testing.T) {
	for _, c := range []struct{ model, input string }{
		{ssdModel, "golden-detect/coral_grace_hopper.rgb"},
		{v2Model, "golden-v2/n01443537_goldfish.rgb"},
		{"mobilenet_v1_0.5_160_quant", "golden-quant/mobilenet_v1_0.5_160_quant/n01443537_goldfish.rgb"},
	} {
		t.Run(c.model, func(t *testing.T) {
			f, g := graphFor(t, c.model, defaultPath(t))
			rgb := shareddata.ReadFile(t, strings.Split(c.input, "/")...)
			var ref map[int][]uint8
			var refOut [][]byte
			for _, threads := range []int{1, 2, 3} {
				r := g.NewRunner(threads)
				outs := traceAll(t, r, rgb)
				if err := r.Run(rgb); err != nil { // untraced: fused
					t.Fatal(err)
				}
				var final [][]byte
				for i := range g.Outputs() {
					final = append(final, append(append([]byte{}, r.OutputUint8(i)...), bytesLE(r.OutputFloat32(i))...))
				}
				r.Close()
				if ref == nil {
					ref, refOut = outs, final
					continue
				}
				for op, want := range ref {
					if d := diff(outs[op], want); d != "" {
						t.Errorf("%d threads: operator %d (%s): %s", threads, op, f.Operators[op].Name, d)
					}
				}
				for i := range final {
					if !bytes.Equal(final[i], refOut[i]) {
						t.Errorf("%d threads: output %d differs from 1 thread's", threads, i)
					}
				}
			}
		})
	}
}

// TestGraphAllocatesNothing: Run allocates nothing, on one thread or two.
func TestGraphAllocatesNothing(t *testing.T) {
	for _, model := range []string{ssdModel, v2Model, "mobilenet_v1_0.25_128_quant"} {
		_, g := graphFor(t, model, defaultPath(t))
		in := make([]uint8, elements(g.Input().Shape))
		for i := range in {
			in[i] = uint8(i * 31)
		}
		for _, threads := range []int{1, 2} {
			r := g.NewRunner(threads)
			if n := testing.AllocsPerRun(10, func() { _ = r.Run(in) }); n != 0 {
				t.Errorf("%s, %d threads: %v allocations per Run", model, threads, n)
			}
			r.Close()
		}
	}
}

// elements returns the number of elements of a shape.
func elements(s []int) int {
	n := 1
	for _, d := range s {
		n *= d
	}
	return n
}

// TestGraphRunWrongInput: an input of the wrong size is an error naming
// the file and the sizes.
func TestGraphRunWrongInput(t *testing.T) {
	_, g := graphFor(t, ssdModel, defaultPath(t))
	r := g.NewRunner(1)
	defer r.Close()
	err := r.Run(make([]uint8, 300*300*3-1))
	if !errors.Is(err, tflite.ErrInputSize) || !strings.Contains(err.Error(), ssdModel+".tflite: input of the wrong size: 269999 bytes, want 270000 (UINT8 [1 300 300 3])") {
		t.Errorf("error %v", err)
	}
}

// TestGraphInfo: the input and outputs as the detector's users see them.
func TestGraphInfo(t *testing.T) {
	_, g := graphFor(t, ssdModel, defaultPath(t))
	in := g.Input()
	if in.Index != 175 || fmt.Sprint(in.Shape) != "[1 300 300 3]" || in.Type != tflite.Uint8 || in.Quant.Scale != 1.0/128 || in.Quant.ZeroPoint != 128 {
		t.Errorf("input %+v", in)
	}
	var got []string
	for _, o := range g.Outputs() {
		got = append(got, fmt.Sprintf("%d %s %v", o.Index, o.Type, o.Shape))
	}
	if want := "167 FLOAT32 [1 10 4], 168 FLOAT32 [1 10], 169 FLOAT32 [1 10], 170 FLOAT32 [1]"; strings.Join(got, ", ") != want {
		t.Errorf("outputs %s, want %s", strings.Join(got, ", "), want)
	}
	if g.KernelName() != defaultPath(t).name {
		t.Errorf("kernel name %q, want %q", g.KernelName(), defaultPath(t).name)
	}
	g.Outputs()[0].Shape[0] = 7
	if g.Outputs()[0].Shape[0] != 1 {
		t.Error("Outputs shares its shapes with the graph")
	}
}

// TestGraphSharesBuffers: tensors whose lives do not overlap share
// buffers, so that a runner holds a third of the graph's activations
// (MobileNet V1 0.75@192: the input, then the first convolution's output
// and the first fused pair's two outputs, reused by all the later ones).
func TestGraphSharesBuffers(t *testing.T) {
	for _, c := range []struct {
		model string
		max   int
	}{
		{ssdModel, 2700000},
		{v2Model, 2900000},
		{"mobilenet_v1_0.75_192_quant", 192*192*3 + 2*96*96*24 + 96*96*48},
	} {
		f, g := graphFor(t, c.model, defaultPath(t))
		all := 0
		for i, tt := range f.Tensors {
			if len(tt.Data) == 0 {
				all += elements(g.Tensor(i).Shape)
			}
		}
		if got := g.ActivationBytes(); got > c.max {
			t.Errorf("%s: runners hold %d bytes of tensors (all of them: %d), want at most %d", c.model, got, all, c.max)
		}
	}
}
