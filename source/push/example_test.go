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
