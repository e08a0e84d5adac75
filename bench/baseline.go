package bench

import (
	"fmt"
	"image"
	"image/color"
	"time"

	"gocv.io/x/gocv"
)

// Baseline labels the video in with OpenCV DNN the way a plain gocv
// program does, in one loop, writing the annotated frames to out, and
// returns the frames processed and the wall time taken.
func Baseline(model, in, out string) (frames int, elapsed time.Duration, err error) {
	dnn := gocv.ReadNetFromONNX(model)
	if dnn.Empty() {
		return 0, 0, fmt.Errorf("%s: cannot read the model", model)
	}
	defer dnn.Close()
	vc, err := gocv.VideoCaptureFile(in)
	if err != nil || !vc.IsOpened() {
		return 0, 0, fmt.Errorf("%s: cannot open", in)
	}
	defer vc.Close()
	fps := vc.Get(gocv.VideoCaptureFPS)
	w, h := int(vc.Get(gocv.VideoCaptureFrameWidth)), int(vc.Get(gocv.VideoCaptureFrameHeight))
	vw, err := gocv.VideoWriterFile(out, "mp4v", fps, w, h, true)
	if err != nil {
		return 0, 0, err
	}
	defer vw.Close()

	frame := gocv.NewMat()
	defer frame.Close()
	n := 0
	start := time.Now()
	for vc.Read(&frame) && !frame.Empty() {
		// Centre square, 224x224, RGB, x/127.5-1: the model's input.
		s := min(w, h)
		crop := frame.Region(image.Rect((w-s)/2, (h-s)/2, (w-s)/2+s, (h-s)/2+s))
		blob := gocv.BlobFromImage(crop, 1/127.5, image.Pt(224, 224), gocv.NewScalar(127.5, 127.5, 127.5, 0), true, false)
		crop.Close()
		dnn.SetInput(blob, "")
		logits := dnn.Forward("logits")
		_, maxVal, _, maxLoc := gocv.MinMaxLoc(logits)
		gocv.PutText(&frame, fmt.Sprintf("class %d (%.1f)", maxLoc.X, maxVal), image.Pt(10, 30),
			gocv.FontHersheySimplex, 1, color.RGBA{255, 255, 0, 255}, 2)
		logits.Close()
		blob.Close()
		if err := vw.Write(frame); err != nil {
			return n, time.Since(start), err
		}
		n++
	}
	return n, time.Since(start), nil
}
