// Command baseline is the program a gocv user would write to label a video
// with OpenCV's DNN module, kept as the yardstick for livecam's pipeline:
// one loop that reads a frame, classifies it with OpenCV DNN on the ONNX
// MobileNet, puts the label on it with PutText and writes it out (see
// bench.Baseline).
//
//	go run ./bench/baseline -model ../shared/models/mobilenet_v1_0.75_224.onnx -in VIDEO -out OUT.mp4
//
// It prints the frames processed and the frames per second.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/livecam/livecam/bench"
)

func main() {
	model := flag.String("model", "../shared/models/mobilenet_v1_0.75_224.onnx", "ONNX model (NCHW input, logits output)")
	in := flag.String("in", "", "input video")
	out := flag.String("out", "", "output video (.mp4)")
	flag.Parse()
	n, el, err := bench.Baseline(*model, *in, *out)
	if err != nil {
		fmt.Fprintln(os.Stderr, "baseline:", err)
		os.Exit(1)
	}
	fmt.Printf("frames=%d seconds=%.3f fps=%.1f\n", n, el.Seconds(), float64(n)/el.Seconds())
}
