package cvprep_test

import (
	"errors"
	"image"
	"image/color"
	"testing"

	"gocv.io/x/gocv"

	"github.com/livecam/livecam/internal/cvprep"
)

// A frame already at the model size is used as it is: only the channel
// order changes.
func TestRGBAtModelSize(t *testing.T) {
	const size = 32
	frame := gocv.NewMatWithSize(size, size, gocv.MatTypeCV8UC3)
	defer frame.Close()
	for y := range size {
		for x := range size {
			frame.SetUCharAt(y, 3*x+0, uint8(x))     // B
			frame.SetUCharAt(y, 3*x+1, uint8(y))     // G
			frame.SetUCharAt(y, 3*x+2, uint8(x+y+1)) // R
		}
	}
	for _, p := range []*cvprep.Preprocessor{cvprep.Square(size), cvprep.Stretch(image.Pt(size, size))} {
		rgb, err := p.RGB(frame)
		if err != nil {
			t.Fatal(err)
		}
		for y := range size {
			for x := range size {
				px := rgb[(y*size+x)*3:]
				if want := [3]uint8{uint8(x + y + 1), uint8(y), uint8(x)}; px[0] != want[0] || px[1] != want[1] || px[2] != want[2] {
					t.Fatalf("pixel (%d,%d) = %v, want RGB %v", x, y, px[:3], want)
				}
			}
		}
		p.Close()
	}
}

// A wide frame is centre-cropped for a classifier: red bars at the sides
// must not reach its input, which should be the blue square in the
// middle; a detector's stretch keeps them.
func TestSquareCropsCentre(t *testing.T) {
	frame := gocv.NewMatWithSizeFromScalar(gocv.NewScalar(255, 0, 0, 0), 100, 200, gocv.MatTypeCV8UC3) // blue
	defer frame.Close()
	// gocv.Rectangle's Max corner is inclusive (cv::rectangle's pt2).
	gocv.Rectangle(&frame, image.Rect(0, 0, 49, 99), color.RGBA{255, 0, 0, 255}, -1)
	gocv.Rectangle(&frame, image.Rect(150, 0, 199, 99), color.RGBA{255, 0, 0, 255}, -1)
	p := cvprep.Square(32)
	defer p.Close()
	for range 2 { // the second frame reuses the Preprocessor's Mats
		rgb, err := p.RGB(frame)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < len(rgb); i += 3 {
			if rgb[i] != 0 || rgb[i+1] != 0 || rgb[i+2] != 255 {
				t.Fatalf("pixel %d = %v, want pure blue", i/3, rgb[i:i+3])
			}
		}
	}
	s := cvprep.Stretch(image.Pt(40, 20))
	defer s.Close()
	rgb, err := s.RGB(frame)
	if err != nil {
		t.Fatal(err)
	}
	if rgb[0] != 255 || rgb[2] != 0 {
		t.Errorf("the stretched frame's first pixel is %v, want the red bar", rgb[:3])
	}
}

func TestRejectsBadFrames(t *testing.T) {
	p := cvprep.Square(32)
	defer p.Close()
	empty := gocv.NewMat()
	defer empty.Close()
	gray := gocv.NewMatWithSize(10, 10, gocv.MatTypeCV8U)
	defer gray.Close()
	for name, m := range map[string]gocv.Mat{"empty": empty, "gray": gray} {
		if _, err := p.RGB(m); !errors.Is(err, cvprep.ErrFrame) {
			t.Errorf("%s: %v, want ErrFrame", name, err)
		}
	}
}
