package bench

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/livecam/livecam/internal/testrig/shareddata"
	"github.com/livecam/livecam/net/tflite"
)

// ssdFile is Google's quantized COCO SSD-MobileNet V1 detector.
const ssdFile = "coco_ssd_mobilenet_v1_1.0_quant_2018_06_29"

// qgraphTool builds the XNNPACK graph peer (xnnpack/qgraph_xnn.c, beside
// this file) into dir.
func qgraphTool(tb testing.TB, dir string) string {
	tb.Helper()
	out := filepath.Join(dir, "qgraph_xnn")
	if msg, err := exec.Command("cc", "-O2", "-o", out, filepath.Join("xnnpack", "qgraph_xnn.c"),
		"-lXNNPACK", "-lpthreadpool", "-lm").CombinedOutput(); err != nil {
		shareddata.Need(tb, "XNNPACK graph peer does not build (apt-get install libxnnpack-dev libpthreadpool-dev): %v\n%s", err, msg)
	}
	return out
}

// exportQGraph reads a shared .tflite file and writes its .qgraph into dir.
func exportQGraph(tb testing.TB, dir, name string) string {
	tb.Helper()
	f, err := tflite.ReadFile(shareddata.Path(tb, "models", "tflite", name+".tflite"))
	if err != nil {
		tb.Fatal(err)
	}
	out := filepath.Join(dir, name+".qgraph")
	if err := writeQGraph(out, f); err != nil {
		tb.Fatal(err)
	}
	return out
}

func runTool(tb testing.TB, name string, args ...string) {
	tb.Helper()
	if msg, err := exec.Command(name, args...).CombinedOutput(); err != nil {
		tb.Fatalf("%s %s: %v\n%s", filepath.Base(name), strings.Join(args, " "), err, msg)
	}
}

func mustRead(tb testing.TB, path string) []byte {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// float32s decodes little-endian float32 values.
func float32s(b []byte) []float32 {
	f := make([]float32, len(b)/4)
	binary.Decode(b, binary.LittleEndian, f) // cannot fail: f fits in b
	return f
}

// maxStep is the largest difference between two byte strings of equal
// length, and the fraction of bytes that differ.
func maxStep(a, b []byte) (int, float64) {
	worst, n := 0, 0
	for i := range a {
		d := int(a[i]) - int(b[i])
		worst = max(worst, d, -d)
		if d != 0 {
			n++
		}
	}
	return worst, float64(n) / float64(len(a))
}

func boxIoU(a, b []float32) float64 {
	area := func(x []float32) float64 { return float64(x[2]-x[0]) * float64(x[3]-x[1]) }
	ih := math.Max(0, math.Min(float64(a[2]), float64(b[2]))-math.Max(float64(a[0]), float64(b[0])))
	iw := math.Max(0, math.Min(float64(a[3]), float64(b[3]))-math.Max(float64(a[1]), float64(b[1])))
	return ih * iw / (area(a) + area(b) - ih*iw)
}

// TestQGraphPeerDetects checks the XNNPACK peer runs the SSD detector as
// TFLite with its XNNPACK delegate does, against TFLite's builtin kernels
// in ../shared/golden-detect on coral_cat: the heads within the steps the
// golden README measured for the delegate (box encodings 11, scores 9),
// every intermediate tensor present, the same top detection (class,
// score within 4/256, box IoU >= 0.9), and the same outputs whether
// buffers are reused (infer) or not (dump). A truncated file is refused
// with a message, not a crash.
func TestQGraphPeerDetects(t *testing.T) {
	dir := t.TempDir()
	tool := qgraphTool(t, dir)
	g := exportQGraph(t, dir, ssdFile)
	rgb := shareddata.Path(t, "golden-detect", "coral_cat.rgb")
	det := filepath.Join(dir, "det.f32")
	runTool(t, tool, g, "infer", rgb, det)
	dump := filepath.Join(dir, "dump")
	if err := os.Mkdir(dump, 0o755); err != nil {
		t.Fatal(err)
	}
	runTool(t, tool, g, "dump", rgb, dump)

	for _, c := range []struct {
		tensor int
		golden string
		steps  int
	}{
		{165, "coral_cat.boxenc.u8", 11},
		{174, "coral_cat.scores.u8", 9},
		{85, "act/op00_conv_150x150x24.u8", 2},
	} {
		ours := mustRead(t, filepath.Join(dump, fmt.Sprintf("t%03d.bin", c.tensor)))
		theirs := shareddata.ReadFile(t, "golden-detect", c.golden)
		if len(ours) != len(theirs) {
			t.Fatalf("tensor %d: %d bytes, TFLite %d", c.tensor, len(ours), len(theirs))
		}
		worst, frac := maxStep(ours, theirs)
		t.Logf("tensor %d (%s): up to %d steps from TFLite's builtin kernels, %.1f%% of bytes differ", c.tensor, c.golden, worst, 100*frac)
		if worst > c.steps {
			t.Errorf("tensor %d: %d steps from TFLite (the XNNPACK delegate's bound here is %d)", c.tensor, worst, c.steps)
		}
	}
	entries, err := os.ReadDir(dump)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 67 { // 63 operators with one output, the postprocess with four
		t.Errorf("dump wrote %d tensors, want 67", len(entries))
	}

	out := mustRead(t, det)
	var dumped []byte
	for _, tn := range []int{167, 168, 169, 170} {
		dumped = append(dumped, mustRead(t, filepath.Join(dump, fmt.Sprintf("t%03d.bin", tn)))...)
	}
	if !bytes.Equal(out, dumped) {
		t.Errorf("the outputs differ with buffers reused (infer) and not (dump)")
	}
	if len(out) != 61*4 {
		t.Fatalf("infer wrote %d bytes, want 244", len(out))
	}
	ours := float32s(out)
	theirs := float32s(shareddata.ReadFile(t, "golden-detect", "coral_cat.det.f32"))
	t.Logf("top detection: class %v score %v box %v; TFLite class %v score %v box %v",
		ours[40], ours[50], ours[0:4], theirs[40], theirs[50], theirs[0:4])
	if ours[60] != theirs[60] {
		t.Errorf("count %v, TFLite %v", ours[60], theirs[60])
	}
	if ours[40] != theirs[40] || math.Abs(float64(ours[50]-theirs[50])) > 4.0/256 || boxIoU(ours[0:4], theirs[0:4]) < 0.9 {
		t.Errorf("top detection: class %v score %v box %v, TFLite class %v score %v box %v (IoU %.3f)",
			ours[40], ours[50], ours[0:4], theirs[40], theirs[50], theirs[0:4], boxIoU(ours[0:4], theirs[0:4]))
	}
	for k := 1; k < 10; k++ {
		if ours[50+k] > ours[50+k-1] {
			t.Errorf("scores not in descending order: %v", ours[50:60])
			break
		}
	}

	t.Run("truncated", func(t *testing.T) {
		whole := mustRead(t, g)
		cut := filepath.Join(dir, "cut.qgraph")
		if err := os.WriteFile(cut, whole[:len(whole)/2], 0o644); err != nil {
			t.Fatal(err)
		}
		msg, err := exec.Command(tool, cut, "infer", rgb, det).CombinedOutput()
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() != 1 || !strings.Contains(string(msg), "short read") {
			t.Errorf("a truncated .qgraph: %v, %q; want exit status 1 and a short read", err, msg)
		}
	})
}

// TestQGraphPeerMobileNetV2 runs MobileNet V2 (ADD, AVERAGE_POOL_2D,
// SOFTMAX) through the peer: on four images of ../shared/golden-v2 the
// top class is TFLite's and the softmax within 8 steps.
func TestQGraphPeerMobileNetV2(t *testing.T) {
	dir := t.TempDir()
	tool := qgraphTool(t, dir)
	g := exportQGraph(t, dir, "mobilenet_v2_1.0_224_quant")
	for _, name := range []string{"n01440764_tench", "n01443537_goldfish", "n01484850_great_white_shark", "n01491361_tiger_shark"} {
		out := filepath.Join(dir, name+".u8")
		runTool(t, tool, g, "infer", shareddata.Path(t, "golden-v2", name+".rgb"), out)
		ours, theirs := mustRead(t, out), shareddata.ReadFile(t, "golden-v2", name+".out.u8")
		if len(ours) != len(theirs) {
			t.Fatalf("%s: %d outputs, TFLite %d", name, len(ours), len(theirs))
		}
		if a, b := bytes.IndexByte(ours, slices.Max(ours)), bytes.IndexByte(theirs, slices.Max(theirs)); a != b {
			t.Errorf("%s: top class %d, TFLite %d", name, a, b)
		}
		if worst, _ := maxStep(ours, theirs); worst > 8 {
			t.Errorf("%s: softmax %d steps from TFLite", name, worst)
		}
	}
}

// TestQGraphRefuses checks the exporter refuses what the peer cannot run,
// naming the file and the operator or tensor.
func TestQGraphRefuses(t *testing.T) {
	base := func() *tflite.File {
		q := &tflite.Quantization{Scale: []float32{0.5}, ZeroPoint: []int64{1}}
		return &tflite.File{
			Name: "m.tflite",
			Tensors: []tflite.Tensor{
				{Name: "a", Shape: []int{1, 4}, Type: tflite.Uint8, Quant: q},
				{Name: "b", Shape: []int{1, 4}, Type: tflite.Uint8, Quant: q},
			},
			Operators: []tflite.Operator{{Name: "LOGISTIC", Inputs: []int{0}, Outputs: []int{1}}},
			Inputs:    []int{0}, Outputs: []int{1},
		}
	}
	dir := t.TempDir()
	if err := writeQGraph(filepath.Join(dir, "ok.qgraph"), base()); err != nil {
		t.Fatalf("a LOGISTIC graph: %v", err)
	}
	mul := base()
	mul.Operators[0].Name = "MUL"
	perChannel := base()
	perChannel.Tensors[1].Quant = &tflite.Quantization{Scale: []float32{0.5, 0.25}, ZeroPoint: []int64{0, 0}}
	for _, c := range []struct {
		f    *tflite.File
		want string
	}{
		{mul, "m.tflite: operator 0: MUL is not mapped"},
		{perChannel, "m.tflite: tensor 1 (b): quantized per channel"},
	} {
		err := writeQGraph(filepath.Join(dir, "bad.qgraph"), c.f)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("got %v, want an error containing %q", err, c.want)
		}
	}
}

// graphContender times livecam's graph runner on one input.
func graphContender(tb testing.TB, path string, threads int, input []uint8) contender {
	g, err := tflite.LoadGraph(path)
	if err != nil {
		tb.Fatal(err)
	}
	r := g.NewRunner(threads)
	if err := r.Run(input); err != nil { // warm-up, and the input's size
		tb.Fatal(err)
	}
	return contender{name: "livecam-detect", close: r.Close, run: func(n int, ms []float64) []float64 {
		for range n {
			t := time.Now()
			r.Run(input)
			ms = append(ms, float64(time.Since(t).Nanoseconds())/1e6)
		}
		return ms
	}}
}

// qgraphContender runs the XNNPACK peer's bench mode once per round,
// counted as n passes at the median it reports; it keeps the medians of
// the network alone and of the postprocess alone in net and post.
func qgraphContender(tb testing.TB, tool, graph, input string, threads int, net, post *[]float64) contender {
	return contender{name: "xnnpack-detect", close: func() {}, run: func(n int, ms []float64) []float64 {
		out, err := exec.Command(tool, graph, "bench", strconv.Itoa(threads), strconv.Itoa(n), input).Output()
		if err != nil {
			tb.Fatalf("xnnpack-detect: %v", err)
		}
		var r struct {
			Median float64 `json:"median_ms"`
			Net    float64 `json:"net_median_ms"`
			Post   float64 `json:"post_median_ms"`
		}
		if err := json.Unmarshal(out, &r); err != nil || !(r.Median > 0) {
			tb.Fatalf("xnnpack-detect: %q: %v", out, err)
		}
		*net, *post = append(*net, r.Net), append(*post, r.Post)
		for range n {
			ms = append(ms, r.Median)
		}
		return ms
	}}
}

// BenchmarkDetect times, interleaved round by round on one input
// (golden-detect's coral_cat.rgb): livecam's SSD-MobileNet detector
// through its graph runner (network and postprocess); the same file on
// XNNPACK's uint8 operators (xnnpack/qgraph_xnn.c: the convolutions and
// LOGISTIC on XNNPACK, CONCATENATION and the postprocess as TFLite's
// builtin kernels, in C); and livecam's uint8 MobileNet V1 0.75@192
// classifier (to the logits, as BenchmarkQuant). It reports each one's
// median, livecam's detect time over each of the others (the median of
// the per-round ratios; the targets are <= 0.6 and <= 3.5), and
// XNNPACK's network and postprocess medians apart.
//
//	go test ./bench -run '^$' -bench '^BenchmarkDetect$/threads=1' -benchtime 15x
func BenchmarkDetect(b *testing.B) {
	const perRound = 10
	dir := b.TempDir()
	tool := qgraphTool(b, dir)
	graph := exportQGraph(b, dir, ssdFile)
	ssd := shareddata.Path(b, "models", "tflite", ssdFile+".tflite")
	rgbPath := shareddata.Path(b, "golden-detect", "coral_cat.rgb")
	rgb := mustRead(b, rgbPath)
	cls, err := tflite.Load(shareddata.Path(b, "models", "tflite", "mobilenet_v1_0.75_192_quant.tflite"), nil)
	if err != nil {
		b.Fatal(err)
	}
	for _, threads := range []int{1, 2} {
		b.Run(fmt.Sprintf("threads=%d", threads), func(b *testing.B) {
			var net, post []float64
			lc := quantContender(cls, threads)
			lc.name = "classify-0.75_192"
			cs := []contender{
				graphContender(b, ssd, threads, rgb),
				qgraphContender(b, tool, graph, rgbPath, threads, &net, &post),
				lc,
			}
			defer func() {
				for _, c := range cs {
					c.close()
				}
			}()
			interleave(b, cs, perRound, settle)
			b.ReportMetric(median(net), "xnnpack-net-ms")
			b.ReportMetric(median(post), "xnnpack-post-ms")
		})
	}
}
