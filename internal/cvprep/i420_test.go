package cvprep_test

import (
	"bytes"
	"errors"
	"image"
	"testing"

	"gocv.io/x/gocv"

	"github.com/livecam/livecam/internal/cvprep"
)

// TestRGBI420MatchesRGB gives the same photo as BGR (converted from its
// I420 planes by OpenCV, as the video source does) and as the planes
// themselves: the network input must be the same bytes. Sizes include
// heights whose chroma plane does not start on a row of the Mat (h/2
// odd), centre squares at odd offsets and frames at the input's size.
func TestRGBI420MatchesRGB(t *testing.T) {
	photo := gocv.IMRead("../../testdata/images/demo/cat.jpg", gocv.IMReadColor)
	if photo.Empty() {
		t.Fatal("cannot read the demo photo")
	}
	defer photo.Close()
	// One set of Preprocessors for every size, in turn: their Mats are
	// made again when the size changes (300×302 and 300×304 copy blocks
	// of the same width and another height).
	pres := []*cvprep.Preprocessor{cvprep.Square(224), cvprep.Stretch(image.Pt(300, 300)), cvprep.Square(128)}
	defer func() {
		for _, p := range pres {
			p.Close()
		}
	}()
	for _, size := range []image.Point{{640, 360}, {642, 270}, {300, 502}, {224, 224}, {226, 224}, {128, 130}, {300, 300}, {300, 302}, {300, 304}, {640, 360}} {
		bgr := gocv.NewMat()
		gocv.Resize(photo, &bgr, size, 0, 0, gocv.InterpolationArea)
		planes := gocv.NewMat()
		gocv.CvtColor(bgr, &planes, gocv.ColorBGRToYUVI420)
		gocv.CvtColor(planes, &bgr, gocv.ColorYUVToBGRIYUV) // the frame the BGR path sees
		for _, p := range pres {
			want, err := p.RGB(bgr)
			if err != nil {
				t.Fatal(err)
			}
			want = append([]uint8(nil), want...)
			for range 2 { // the second call reuses the planes
				got, err := p.RGBI420(planes)
				if err != nil {
					t.Fatal(err)
				}
				if len(got) != len(want) {
					t.Fatalf("%v into %v: %d bytes, want %d", size, p.Size(), len(got), len(want))
				}
				if !bytes.Equal(got, want) {
					t.Errorf("%v into %v: the input differs from the BGR path's", size, p.Size())
				}
			}
		}
		bgr.Close()
		planes.Close()
	}
}

// TestRGBI420Refuses: BGR frames and odd sizes are errors, not panics.
func TestRGBI420Refuses(t *testing.T) {
	p := cvprep.Square(224)
	defer p.Close()
	for _, m := range []gocv.Mat{
		gocv.NewMatWithSize(90, 64, gocv.MatTypeCV8UC3),
		gocv.NewMatWithSize(91, 64, gocv.MatTypeCV8UC1),
		gocv.NewMatWithSize(90, 63, gocv.MatTypeCV8UC1),
		gocv.NewMat(),
	} {
		if _, err := p.RGBI420(m); !errors.Is(err, cvprep.ErrFrame) {
			t.Errorf("%dx%d type %v: error %v, want ErrFrame", m.Cols(), m.Rows(), m.Type(), err)
		}
		m.Close()
	}
}
