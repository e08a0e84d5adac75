package push_test

import (
	"fmt"
	"image"
	"time"

	"gocv.io/x/gocv"

	"github.com/livecam/livecam/source/push"
)

// A camera driver pushes a decoded frame with its own timestamp; the
// pipeline (here read directly) gets it as BGR, with that timestamp.
func Example() {
	cam, err := push.New("camera", 4, 2, 30)
	if err != nil {
		panic(err)
	}
	defer cam.Close()
	frame := image.NewYCbCr(image.Rect(0, 0, 4, 2), image.YCbCrSubsampleRatio420) // from image/jpeg
	if err := cam.PushImage(frame, 2*time.Second+500*time.Millisecond); err != nil {
		panic(err)
	}
	m := gocv.NewMat()
	defer m.Close()
	fr, err := cam.Read(&m)
	fmt.Println(m.Cols(), m.Rows(), fr.PTS, err)
	// Output: 4 2 2.5s <nil>
}

// VIDEO mode: every frame pushed is delivered, in order; a push waits
// while the frame before it is unread (here, read directly), and a
// timestamp that does not increase is refused.
func ExampleNewVideo() {
	rec, err := push.NewVideo("recording", 4, 2, 30)
	if err != nil {
		panic(err)
	}
	defer rec.Close()
	m := gocv.NewMat()
	defer m.Close()
	rgb := make([]byte, 4*2*3)
	for _, ts := range []time.Duration{0, time.Second / 30} {
		if err := rec.PushRGB(rgb, ts); err != nil {
			panic(err)
		}
		fr, _ := rec.Read(&m) // the pipeline's side
		fmt.Println("read", fr.PTS)
	}
	fmt.Println(rec.PushRGB(rgb, 0))
	fmt.Println("live:", rec.Info().Live, "replaced:", rec.Replaced())
	// Output:
	// read 0s
	// read 33.333333ms
	// push: recording: timestamp 0s is not after the previous frame's 33.333333ms
	// live: false replaced: 0
}
