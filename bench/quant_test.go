package bench

import (
	"encoding/json"
	"fmt"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/livecam/livecam/internal/randweights"
	"github.com/livecam/livecam/internal/testrig/shareddata"
	"github.com/livecam/livecam/net/mobilenet"
	"github.com/livecam/livecam/net/tfjs"
	"github.com/livecam/livecam/net/tflite"
)

// quantFiles are Google's quantized files, with the float32 network of the
// same width and size that livecam and XNNPACK run for comparison.
var quantFiles = []struct {
	name  string
	alpha float64
	size  int
}{
	{"mobilenet_v1_0.25_128_quant", 0.25, 128},
	{"mobilenet_v1_0.5_160_quant", 0.5, 160},
	{"mobilenet_v1_0.75_192_quant", 0.75, 192},
}

// xnnpackTools builds the XNNPACK peers of ../shared/tools/xnnpack (the
// uint8 network of a .tflite file, and the float32 one) into dir.
func xnnpackTools(tb testing.TB, dir string) (quant, float string) {
	src := shareddata.Path(tb, "tools", "xnnpack")
	quant, float = filepath.Join(dir, "qmobilenet_xnn"), filepath.Join(dir, "mobilenet_v1")
	for out, c := range map[string]string{quant: filepath.Join(src, "quant", "qmobilenet_xnn.c"), float: filepath.Join(src, "mobilenet_v1.c")} {
		if msg, err := exec.Command("cc", "-O2", "-o", out, c, "-lXNNPACK", "-lpthreadpool", "-lm").CombinedOutput(); err != nil {
			shareddata.Need(tb, "XNNPACK peer does not build (apt-get install libxnnpack-dev libpthreadpool-dev): %v\n%s", err, msg)
		}
	}
	return quant, float
}

// processContender runs a peer program that times runs forward passes
// itself and prints {"median_ms": ...}: each round is one run of it (its
// set-up is not timed), counted as n passes at its median.
func processContender(tb testing.TB, name string, args func(n int) []string) contender {
	return contender{name: name, close: func() {}, run: func(n int, ms []float64) []float64 {
		a := args(n)
		out, err := exec.Command(a[0], a[1:]...).Output()
		if err != nil {
			tb.Fatalf("%s: %v", name, err)
		}
		var r struct {
			MedianMS float64 `json:"median_ms"`
		}
		if err := json.Unmarshal(out, &r); err != nil || !(r.MedianMS > 0) {
			tb.Fatalf("%s: %q: %v", name, out, err)
		}
		for range n {
			ms = append(ms, r.MedianMS)
		}
		return ms
	}}
}

// quantContender times livecam's uint8 forward pass (to the logits).
func quantContender(m *mobilenet.Model, threads int) contender {
	r := m.NewRunner(threads)
	rgb := make([]uint8, m.InputLen())
	for i := range rgb {
		rgb[i] = uint8(i * 7)
	}
	logits := make([]uint8, m.Classes())
	return contender{name: "livecam-uint8", close: r.Close, run: func(n int, ms []float64) []float64 {
		for range n {
			t := time.Now()
			r.ForwardQuant(logits, nil, rgb)
			ms = append(ms, float64(time.Since(t).Nanoseconds())/1e6)
		}
		return ms
	}}
}

// BenchmarkQuant times, for each quantized file and 1 and 2 threads,
// interleaved round by round: livecam's uint8 network, livecam's float32
// network of the same width and size (the real 0.75 weights at 192, the
// generated ones for the others: the time does not depend on the values),
// XNNPACK's uint8 operators on the same file and XNNPACK's float32 network.
// It reports each one's median and livecam-uint8's time over each (the
// median of the per-round ratios): below 1 is faster.
//
//	go test ./bench -run '^$' -bench Quant -benchtime 15x
func BenchmarkQuant(b *testing.B) {
	const perRound = 20
	dir := b.TempDir()
	xq, xf := xnnpackTools(b, dir)
	for _, qf := range quantFiles {
		file := shareddata.Path(b, "models", "tflite", qf.name+".tflite")
		qnet := filepath.Join(dir, qf.name+".qnet")
		tf, err := tflite.ReadFile(file)
		if err != nil {
			b.Fatal(err)
		}
		if err := writeQNet(qnet, tf); err != nil {
			b.Fatal(err)
		}
		qm, err := tflite.Load(file, nil)
		if err != nil {
			b.Fatal(err)
		}
		var fm *mobilenet.Model
		if qf.alpha == 0.75 {
			w, err := tfjs.LoadWeights(shareddata.Path(b, "models", "mobilenet_v1_0.75_224"))
			if err != nil {
				b.Fatal(err)
			}
			w.Config.Size = qf.size
			fm, err = mobilenet.NewModel(w)
			if err != nil {
				b.Fatal(err)
			}
		} else if fm, err = randweights.Model(mobilenet.Config{Alpha: qf.alpha, Size: qf.size, Classes: 1000}, 1); err != nil {
			b.Fatal(err)
		}
		for _, threads := range []int{1, 2} {
			b.Run(fmt.Sprintf("%s/threads=%d", qf.name, threads), func(b *testing.B) {
				lq := quantContender(qm, threads)
				lf, _ := modelContender(b, fm, threads)
				lf.name = "livecam-float32"
				t := strconv.Itoa(threads)
				xnq := processContender(b, "xnnpack-uint8", func(n int) []string { return []string{xq, qnet, "bench", t, strconv.Itoa(n)} })
				xnf := processContender(b, "xnnpack-float32", func(n int) []string {
					return []string{xf, strconv.FormatFloat(qf.alpha, 'f', -1, 64), strconv.Itoa(qf.size), t, strconv.Itoa(n)}
				})
				cs := []contender{lq, lf, xnq, xnf}
				defer func() {
					for _, c := range cs {
						c.close()
					}
				}()
				interleave(b, cs, perRound, settle)
			})
		}
	}
}
