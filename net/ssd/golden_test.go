package ssd_test

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"math"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/livecam/livecam/internal/testrig/shareddata"
	"github.com/livecam/livecam/net/quant"
	"github.com/livecam/livecam/net/ssd"
	"github.com/livecam/livecam/net/tflite"
)

const (
	detectModel  = "coco_ssd_mobilenet_v1_1.0_quant_2018_06_29"
	anchorTensor = 171 // the constant anchors, input 2 of the postprocess
	postOp       = "CUSTOM:TFLite_Detection_PostProcess"
)

// model is what the golden tests need from the detector's file.
type model struct {
	file    *tflite.File
	custom  []byte // the postprocess's custom_options
	op      tflite.Operator
	anchorQ quant.Params
	boxQ    quant.Params
	scoreQ  quant.Params
	anchors []uint8
}

func params(tb testing.TB, f *tflite.File, tensor int) quant.Params {
	tb.Helper()
	q := f.Tensors[tensor].Quant
	if q == nil || len(q.Scale) != 1 {
		tb.Fatalf("tensor %d has no per-tensor quantization", tensor)
	}
	return quant.Params{Scale: q.Scale[0], ZeroPoint: int32(q.ZeroPoint[0])}
}

var (
	modelOnce sync.Once
	theModel  *model
	modelErr  string
)

func loadModel(tb testing.TB) *model {
	tb.Helper()
	path := shareddata.Path(tb, "models", "tflite", detectModel+".tflite")
	modelOnce.Do(func() {
		f, err := tflite.ReadFile(path)
		if err != nil {
			modelErr = err.Error()
			return
		}
		m := &model{file: f}
		found := -1
		for i, op := range f.Operators {
			if op.Name == postOp {
				found, m.op = i, op
			}
		}
		if found < 0 || len(m.op.Inputs) != 3 {
			modelErr = "no " + postOp + " with 3 inputs"
			return
		}
		m.custom = m.op.Custom
		if m.op.Inputs[2] != anchorTensor {
			modelErr = "the anchors are not tensor 171"
			return
		}
		m.anchors = f.Tensors[anchorTensor].Data
		m.anchorQ = params(tb, f, anchorTensor)
		m.boxQ = params(tb, f, m.op.Inputs[0])
		m.scoreQ = params(tb, f, m.op.Inputs[1])
		theModel = m
	})
	if modelErr != "" {
		tb.Fatal(modelErr)
	}
	return theModel
}

func newModelPostProcess(tb testing.TB) *ssd.PostProcess {
	tb.Helper()
	m := loadModel(tb)
	o, err := ssd.ParseOptions(m.custom)
	if err != nil {
		tb.Fatal(err)
	}
	p, err := ssd.New(o, m.anchors, m.anchorQ, m.boxQ, m.scoreQ, len(m.anchors)/4)
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

// TestParseOptionsModel checks the options read from the file against
// postprocess.tsv.
func TestParseOptionsModel(t *testing.T) {
	m := loadModel(t)
	o, err := ssd.ParseOptions(m.custom)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(shareddata.ReadFile(t, "golden-detect", "postprocess.tsv")))
	for sc.Scan() {
		f := strings.Split(sc.Text(), "\t")
		if len(f) == 4 && f[0] != "key" {
			want[f[0]] = f[2]
		}
	}
	ints := map[string]int{
		"max_detections": o.MaxDetections, "max_classes_per_detection": o.MaxClassesPerDetection,
		"num_classes": o.NumClasses, "detections_per_class": o.DetectionsPerClass,
	}
	floats := map[string]float32{
		"nms_iou_threshold": o.IoUThreshold, "nms_score_threshold": o.ScoreThreshold,
		"y_scale": o.YScale, "x_scale": o.XScale, "h_scale": o.HScale, "w_scale": o.WScale,
	}
	for k, v := range ints {
		if want[k] != strconv.Itoa(v) {
			t.Errorf("%s = %d, postprocess.tsv says %q", k, v, want[k])
		}
	}
	for k, v := range floats {
		w, err := strconv.ParseFloat(want[k], 32)
		if err != nil || float32(w) != v {
			t.Errorf("%s = %v, postprocess.tsv says %q", k, v, want[k])
		}
	}
	if want["use_regular_nms"] != "false" || o.UseRegularNMS {
		t.Errorf("use_regular_nms = %v, postprocess.tsv says %q", o.UseRegularNMS, want["use_regular_nms"])
	}
	if len(want) != 12 {
		t.Errorf("postprocess.tsv has %d keys, want 12", len(want))
	}
}

// TestAnchors checks the dequantized anchors against anchors.f32, bit for
// bit.
func TestAnchors(t *testing.T) {
	p := newModelPostProcess(t)
	raw := shareddata.ReadFile(t, "golden-detect", "anchors.f32")
	anchors := p.DequantizedAnchors()
	if len(raw) != len(anchors)*4 || p.NumAnchors() != 1917 {
		t.Fatalf("anchors.f32 has %d bytes, the model %d anchors", len(raw), p.NumAnchors())
	}
	bad := 0
	for i, a := range anchors {
		if want := binary.LittleEndian.Uint32(raw[i*4:]); math.Float32bits(a) != want && bad < 5 {
			bad++
			t.Errorf("anchor %d value %d: %v, want %v", i/4, i%4, a, math.Float32frombits(want))
		}
	}
}

// golden is one stored image's postprocess inputs and outputs.
type golden struct {
	name             string
	boxenc, scores   []uint8
	det              []float32 // boxes[40], classes[10], scores[10], count
	anchors          []int     // from predictions.tsv
	predictionsCount int
}

func loadGoldens(tb testing.TB) []golden {
	tb.Helper()
	dir := shareddata.Path(tb, "golden-detect")
	names, err := filepath.Glob(filepath.Join(dir, "*.det.f32"))
	if err != nil || len(names) != 12 {
		tb.Fatalf("golden-detect has %d stored images, want 12 (%v)", len(names), err)
	}
	anchors := map[string][]int{}
	sc := bufio.NewScanner(bytes.NewReader(shareddata.ReadFile(tb, "golden-detect", "predictions.tsv")))
	for sc.Scan() {
		f := strings.Split(sc.Text(), "\t")
		if len(f) != 11 || f[0] == "file" {
			continue
		}
		rank, err1 := strconv.Atoi(f[1])
		a, err2 := strconv.Atoi(f[10])
		name := strings.TrimSuffix(f[0], ".rgb")
		if err1 != nil || err2 != nil || rank != len(anchors[name]) {
			tb.Fatalf("predictions.tsv: bad row %q", sc.Text())
		}
		anchors[name] = append(anchors[name], a)
	}
	if len(anchors) != 51 {
		tb.Fatalf("predictions.tsv has %d images, want 51", len(anchors))
	}
	var gs []golden
	for _, path := range names {
		name := strings.TrimSuffix(filepath.Base(path), ".det.f32")
		g := golden{name: name, anchors: anchors[name]}
		g.boxenc = shareddata.ReadFile(tb, "golden-detect", name+".boxenc.u8")
		g.scores = shareddata.ReadFile(tb, "golden-detect", name+".scores.u8")
		raw := shareddata.ReadFile(tb, "golden-detect", name+".det.f32")
		if len(g.boxenc) != 1917*4 || len(g.scores) != 1917*91 || len(raw) != 61*4 {
			tb.Fatalf("%s: %d, %d, %d bytes", name, len(g.boxenc), len(g.scores), len(raw))
		}
		for i := 0; i < len(raw); i += 4 {
			g.det = append(g.det, math.Float32frombits(binary.LittleEndian.Uint32(raw[i:])))
		}
		gs = append(gs, g)
	}
	return gs
}

// run runs the postprocess on one golden image and returns its four
// outputs the way det.f32 stores them.
func run(p *ssd.PostProcess, w *ssd.Work, g golden) []float32 {
	out := make([]float32, 61)
	n := p.Run(w, out[0:40], out[40:50], out[50:60], g.boxenc, g.scores)
	out[60] = float32(n)
	return out
}

// TestGolden compares the four outputs with det.f32 bit for bit and the
// anchor of each detection with predictions.tsv, on the 12 stored images.
func TestGolden(t *testing.T) {
	p := newModelPostProcess(t)
	w := p.NewWork()
	what := func(i int) string {
		switch {
		case i < 40:
			return "box " + strconv.Itoa(i/4) + "[" + strconv.Itoa(i%4) + "]"
		case i < 50:
			return "class " + strconv.Itoa(i-40)
		case i < 60:
			return "score " + strconv.Itoa(i-50)
		}
		return "count"
	}
	for _, g := range loadGoldens(t) {
		got := run(p, w, g)
		diffs := 0
		for i := range got {
			if math.Float32bits(got[i]) != math.Float32bits(g.det[i]) {
				if diffs < 3 {
					t.Errorf("%s: %s = %v (%#08x), TFLite %v (%#08x)", g.name, what(i), got[i], math.Float32bits(got[i]), g.det[i], math.Float32bits(g.det[i]))
				}
				diffs++
			}
		}
		if diffs > 0 {
			t.Errorf("%s: %d of 61 output values differ", g.name, diffs)
		}
		if a := w.Anchors(); !slices.Equal(a, g.anchors) {
			t.Errorf("%s: anchors %v, predictions.tsv %v", g.name, a, g.anchors)
		}
	}
}

// TestRunAllocatesNothing: Run is a per-frame hot path.
func TestRunAllocatesNothing(t *testing.T) {
	p := newModelPostProcess(t)
	w := p.NewWork()
	g := loadGoldens(t)[0]
	boxes, classes, scores := make([]float32, 40), make([]float32, 10), make([]float32, 10)
	if a := testing.AllocsPerRun(50, func() { p.Run(w, boxes, classes, scores, g.boxenc, g.scores) }); a != 0 {
		t.Errorf("Run allocates %v times per call", a)
	}
}

// TestConcurrentRuns shares one PostProcess between goroutines, each with
// its own Work (run with -race).
func TestConcurrentRuns(t *testing.T) {
	p := newModelPostProcess(t)
	gs := loadGoldens(t)
	var wg sync.WaitGroup
	for r := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := p.NewWork()
			for i := range 3 * len(gs) {
				g := gs[(i+r)%len(gs)]
				got := run(p, w, g)
				for j := range got {
					if math.Float32bits(got[j]) != math.Float32bits(g.det[j]) {
						t.Errorf("goroutine %d: %s: output %d differs", r, g.name, j)
						return
					}
				}
			}
		}()
	}
	wg.Wait()
}

// BenchmarkRun: the postprocess of one frame.
func BenchmarkRun(b *testing.B) {
	p := newModelPostProcess(b)
	w := p.NewWork()
	g := loadGoldens(b)[0]
	boxes, classes, scores := make([]float32, 40), make([]float32, 10), make([]float32, 10)
	b.ReportAllocs()
	for b.Loop() {
		p.Run(w, boxes, classes, scores, g.boxenc, g.scores)
	}
}
