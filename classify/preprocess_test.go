package classify

import (
	"errors"
	"image"
	"image/color"
	"testing"

	"gocv.io/x/gocv"
)

func TestCenterSquare(t *testing.T) {
	for _, tc := range []struct {
		w, h int
		want image.Rectangle
	}{
		{1280, 720, image.Rect(280, 0, 1000, 720)},
		{240, 320, image.Rect(0, 40, 240, 280)},
		{5, 5, image.Rect(0, 0, 5, 5)},
	} {
		if got := CenterSquare(tc.w, tc.h); got != tc.want {
			t.Errorf("CenterSquare(%d,%d) = %v, want %v", tc.w, tc.h, got, tc.want)
		}
	}
}

// A frame already at the model size is used as it is: only the channel
// order and the scaling change.
func TestTensorAtModelSize(t *testing.T) {
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
	p := NewPreprocessor(size)
	defer p.Close()
	dst := make([]float32, size*size*3)
	if err := p.Tensor(dst, frame); err != nil {
		t.Fatal(err)
	}
	for y := range size {
		for x := range size {
			px := dst[(y*size+x)*3:]
			want := [3]float32{float32(x+y+1)/127.5 - 1, float32(y)/127.5 - 1, float32(x)/127.5 - 1}
			if px[0] != want[0] || px[1] != want[1] || px[2] != want[2] {
				t.Fatalf("pixel (%d,%d) = %v, want RGB %v", x, y, px[:3], want)
			}
		}
	}
}

// A wide frame is centre-cropped: red bars at the sides must not reach the
// tensor, which should be the blue square in the middle.
func TestTensorCropsCentre(t *testing.T) {
	frame := gocv.NewMatWithSizeFromScalar(gocv.NewScalar(255, 0, 0, 0), 100, 200, gocv.MatTypeCV8UC3) // blue
	defer frame.Close()
	// gocv.Rectangle's Max corner is inclusive (cv::rectangle's pt2).
	gocv.Rectangle(&frame, image.Rect(0, 0, 49, 99), color.RGBA{255, 0, 0, 255}, -1)
	gocv.Rectangle(&frame, image.Rect(150, 0, 199, 99), color.RGBA{255, 0, 0, 255}, -1)
	p := NewPreprocessor(32)
	defer p.Close()
	dst := make([]float32, 32*32*3)
	for range 2 { // the second frame reuses the Preprocessor's Mats
		if err := p.Tensor(dst, frame); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < len(dst); i += 3 {
			if dst[i] != -1 || dst[i+1] != -1 || dst[i+2] != 1 {
				t.Fatalf("value at pixel %d = %v, want pure blue (-1,-1,1)", i/3, dst[i:i+3])
			}
		}
	}
}

func TestTensorRejectsBadFrames(t *testing.T) {
	p := NewPreprocessor(32)
	defer p.Close()
	empty := gocv.NewMat()
	defer empty.Close()
	gray := gocv.NewMatWithSize(10, 10, gocv.MatTypeCV8U)
	defer gray.Close()
	ok := gocv.NewMatWithSize(10, 10, gocv.MatTypeCV8UC3)
	defer ok.Close()
	for name, tc := range map[string]struct {
		m   gocv.Mat
		dst []float32
	}{
		"empty": {empty, make([]float32, 32*32*3)}, "gray": {gray, make([]float32, 32*32*3)}, "short dst": {ok, make([]float32, 5)},
	} {
		if err := p.Tensor(tc.dst, tc.m); !errors.Is(err, ErrFrame) {
			t.Errorf("%s: %v, want ErrFrame", name, err)
		}
	}
}
