package bench

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"
	"unsafe"

	"gocv.io/x/gocv"

	"github.com/livecam/livecam/internal/randweights"
	"github.com/livecam/livecam/internal/testrig/shareddata"
	"github.com/livecam/livecam/models"
	"github.com/livecam/livecam/net/mobilenet"
	"github.com/livecam/livecam/net/onnx"
)

// contender runs one forward pass of a runtime per call.
type contender struct {
	name string
	// run times n forward passes and appends their latencies in ms.
	run   func(n int, ms []float64) []float64
	close func()
}

// input returns the fixed benchmark image: sin(i) at NHWC index i, the
// same as ort_peer.js builds.
func input(size int) []float32 {
	in := make([]float32, size*size*3)
	for i := range in {
		in[i] = float32(math.Sin(float64(i)))
	}
	return in
}

func livecamContender(tb testing.TB, threads int) (contender, []float32) {
	m := shareddata.Model(tb)
	return modelContender(tb, m, threads)
}

func modelContender(tb testing.TB, m *mobilenet.Model, threads int) (contender, []float32) {
	r := m.NewRunner(threads)
	in := input(m.Config().Size)
	logits := make([]float32, m.Classes())
	if err := r.Forward(logits, in); err != nil { // warm-up, and the logits for the agreement check
		tb.Fatal(err)
	}
	logits = slices.Clone(logits)
	return contender{name: "livecam", close: r.Close, run: func(n int, ms []float64) []float64 {
		for range n {
			t := time.Now()
			r.Forward(logits, in)
			ms = append(ms, float64(time.Since(t).Nanoseconds())/1e6)
		}
		return ms
	}}, logits
}

func opencvContender(tb testing.TB, threads int) (contender, []float32) {
	onnx := shareddata.Path(tb, "models", "mobilenet_v1_0.75_224.onnx")
	SetOpenCVThreads(threads)
	dnn := gocv.ReadNetFromONNX(onnx)
	if dnn.Empty() {
		tb.Fatalf("%s: OpenCV DNN cannot read it", onnx)
	}
	dnn.SetPreferableBackend(gocv.NetBackendOpenCV)
	dnn.SetPreferableTarget(gocv.NetTargetCPU)
	// NCHW blob of the same image.
	in := input(224)
	nchw := make([]float32, len(in))
	for p := range 224 * 224 {
		for c := range 3 {
			nchw[c*224*224+p] = in[p*3+c]
		}
	}
	bytes := unsafe.Slice((*byte)(unsafe.Pointer(&nchw[0])), 4*len(nchw))
	blob, err := gocv.NewMatWithSizesFromBytes([]int{1, 3, 224, 224}, gocv.MatTypeCV32F, bytes)
	if err != nil {
		tb.Fatal(err)
	}
	forward := func() gocv.Mat {
		dnn.SetInput(blob, "")
		return dnn.Forward("logits")
	}
	out := forward() // warm-up, and the logits for the agreement check
	logits, _ := out.DataPtrFloat32()
	logits = slices.Clone(logits)
	out.Close()
	return contender{name: "opencv-dnn", close: func() { blob.Close(); dnn.Close() }, run: func(n int, ms []float64) []float64 {
		for range n {
			t := time.Now()
			o := forward()
			ms = append(ms, float64(time.Since(t).Nanoseconds())/1e6)
			o.Close()
		}
		return ms
	}}, logits
}

func ortContender(tb testing.TB, threads int) (contender, []float32) {
	return onnxContender(tb, shareddata.Path(tb, "models", "mobilenet_v1_0.75_224.onnx"), threads, 224)
}

func onnxContender(tb testing.TB, onnx string, threads, size int) (contender, []float32) {
	p := startORT(tb, fmt.Sprintf("init %s %d %d", onnx, threads, size))
	var lg struct{ Logits []float32 }
	p.call("logits", &lg)
	return p.contender("onnxruntime"), lg.Logits
}

// ortProcess is a running ort_peer.js.
type ortProcess struct {
	tb    testing.TB
	cmd   *exec.Cmd
	stdin io.WriteCloser
	lines *bufio.Scanner
}

// startORT starts ort_peer.js and sends it init (its "init ..." line).
// It skips the test when onnxruntime-node is not installed.
func startORT(tb testing.TB, init string) *ortProcess {
	if _, err := os.Stat(filepath.Join("node_modules", "onnxruntime-node")); err != nil {
		shareddata.Need(tb, "ONNX Runtime not installed: (cd bench && ONNXRUNTIME_NODE_INSTALL=skip npm install)")
	}
	cmd := exec.Command("node", "ort_peer.js")
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	p := &ortProcess{tb: tb, cmd: cmd, stdin: stdin, lines: bufio.NewScanner(stdout)}
	p.lines.Buffer(nil, 1<<24)
	var ok struct{ OK bool }
	p.call(init, &ok)
	return p
}

// call sends one request line and decodes the answer into resp.
func (p *ortProcess) call(req string, resp any) {
	p.tb.Helper()
	fmt.Fprintln(p.stdin, req)
	if !p.lines.Scan() {
		p.tb.Fatalf("ort_peer.js: no answer to %q", req)
	}
	var e struct{ Error string }
	json.Unmarshal(p.lines.Bytes(), &e)
	if e.Error != "" {
		p.tb.Fatalf("ort_peer.js: %s", e.Error)
	}
	if err := json.Unmarshal(p.lines.Bytes(), resp); err != nil {
		p.tb.Fatal(err)
	}
}

// close ends the process.
func (p *ortProcess) close() { p.stdin.Close(); p.cmd.Wait() }

// contender times the process's forward passes on its fixed input.
func (p *ortProcess) contender(name string) contender {
	return contender{name: name, close: p.close, run: func(n int, ms []float64) []float64 {
		var r struct{ MS []float64 }
		p.call(fmt.Sprintf("run %d", n), &r)
		return append(ms, r.MS...)
	}}
}

func median(x []float64) float64 {
	s := slices.Clone(x)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// BenchmarkPeers runs b.N rounds; in each, every contender does perRound
// forward passes, in an order that rotates from round to round. It reports
// each contender's median latency and livecam's ratio to each peer (the
// median of the per-round ratios of medians).
// Runtimes spin their thread pools for a while after a run (ONNX Runtime
// by default, livecam for 200µs); a pause between contenders keeps that
// out of the next one's timing.
const settle = 50 * time.Millisecond

func BenchmarkPeers(b *testing.B) {
	const perRound = 10
	for _, threads := range []int{1, 2} {
		b.Run(fmt.Sprintf("threads=%d", threads), func(b *testing.B) {
			lc, ours := livecamContender(b, threads)
			cv, cvLogits := opencvContender(b, threads)
			ort, ortLogits := ortContender(b, threads)
			cs := []contender{lc, cv, ort}
			defer func() {
				for _, c := range cs {
					c.close()
				}
			}()
			for _, other := range []struct {
				name   string
				logits []float32
			}{{"opencv-dnn", cvLogits}, {"onnxruntime", ortLogits}} {
				d := 0.0
				for i := range ours {
					d = max(d, math.Abs(float64(ours[i]-other.logits[i])))
				}
				b.Logf("livecam vs %s on the same input: largest logit difference %.2g", other.name, d)
			}
			interleave(b, cs, perRound, settle)
		})
	}
}

// interleave runs b.N rounds; in each, every contender does perRound
// forward passes, in an order that rotates from round to round, after a
// pause. It reports each contender's median latency and the first one's
// ratio to each other (the median of the per-round ratios of medians).
func interleave(b *testing.B, cs []contender, perRound int, settle time.Duration) {
	all := make([][]float64, len(cs))
	ratios := make([][]float64, len(cs))
	b.ResetTimer()
	b.ResetTimer()
	for round := 0; round < b.N; round++ {
		per := make([]float64, len(cs))
		for k := range cs {
			time.Sleep(settle)
			c := (k + round) % len(cs)
			start := len(all[c])
			all[c] = cs[c].run(perRound, all[c])
			per[c] = median(all[c][start:])
		}
		for c := range cs {
			ratios[c] = append(ratios[c], per[0]/per[c])
		}
		if testing.Verbose() {
			b.Logf("round %2d: %v ms", round, per)
		}
	}
	for c := range cs {
		b.ReportMetric(median(all[c]), cs[c].name+"-ms")
		if c > 0 {
			b.ReportMetric(median(ratios[c]), "livecam/"+cs[c].name)
		}
	}
}

// BenchmarkVariants compares livecam with ONNX Runtime on all 16 published
// variants, with generated weights that livecam also exports to ONNX
// (onnx.Write), so both run exactly the same network.
func BenchmarkVariants(b *testing.B) {
	const perRound = 10
	for _, v := range models.Variants() {
		if v.Quantized { // BenchmarkQuant compares those
			continue
		}
		for _, threads := range []int{1, 2} {
			b.Run(fmt.Sprintf("%s/threads=%d", v.Name, threads), func(b *testing.B) {
				w, err := randweights.New(v.Config, 1)
				if err != nil {
					b.Fatal(err)
				}
				onnxPath := filepath.Join(b.TempDir(), v.Name+".onnx")
				f, err := os.Create(onnxPath)
				if err != nil {
					b.Fatal(err)
				}
				if err := onnx.Write(f, w); err != nil {
					b.Fatal(err)
				}
				f.Close()
				m, err := mobilenet.NewModel(w)
				if err != nil {
					b.Fatal(err)
				}
				lc, ours := modelContender(b, m, threads)
				ort, theirs := onnxContender(b, onnxPath, threads, v.Config.Size)
				defer lc.close()
				defer ort.close()
				d := 0.0
				for i := range ours {
					d = max(d, math.Abs(float64(ours[i]-theirs[i])))
				}
				if d > 1e-3 {
					b.Fatalf("livecam and ONNX Runtime disagree on the same weights: logit difference %.3g", d)
				}
				interleave(b, []contender{lc, ort}, perRound, settle)
			})
		}
	}
}
