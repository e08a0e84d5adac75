package ssd_test

import (
	"fmt"
	"log"

	"github.com/livecam/livecam/net/quant"
	"github.com/livecam/livecam/net/ssd"
)

// Three anchors, two classes. The second anchor scores highest and is
// taken first; the first anchor's box overlaps it by more than the IoU
// threshold and is suppressed, though its class differs; the third, whose
// two classes tie, is taken with the first of them. With all-zero box
// encodings (zero point 0) each box is its anchor's.
func Example() {
	o := ssd.Options{
		MaxDetections: 3, MaxClassesPerDetection: 1, NumClasses: 2,
		ScoreThreshold: 0.25, IoUThreshold: 0.5,
		YScale: 10, XScale: 10, HScale: 5, WScale: 5,
	}
	// (ycenter, xcenter, h, w) in 64ths.
	anchors := []uint8{
		32, 32, 64, 64,
		32, 36, 64, 56,
		16, 80, 32, 32,
	}
	p, err := ssd.New(o, anchors, quant.Params{Scale: 1.0 / 64}, quant.Params{Scale: 1}, quant.Params{Scale: 1.0 / 256}, 3)
	if err != nil {
		log.Fatal(err)
	}
	boxenc := make([]uint8, 3*4)
	scores := []uint8{ // background, class 0, class 1
		0, 200, 10,
		0, 10, 220,
		0, 128, 128,
	}
	w := p.NewWork()
	boxes, classes, probs := make([]float32, 3*4), make([]float32, 3), make([]float32, 3)
	n := p.Run(w, boxes, classes, probs, boxenc, scores)
	for i := range n {
		fmt.Printf("anchor %d: class %v score %v box %v\n", w.Anchors()[i], classes[i], probs[i], boxes[i*4:i*4+4])
	}
	// Output:
	// anchor 1: class 1 score 0.859375 box [0 0.125 1 1]
	// anchor 2: class 0 score 0.5 box [0 1 0.5 1.5]
}
