package push

import (
	"errors"
	"image"
	"image/color"
	"io"
	"testing"
	"time"

	"gocv.io/x/gocv"
)

// readPixel reads the next frame and returns its pixel (x, y) as B, G, R
// with the frame's stamp.
func readPixel(t *testing.T, p *Source, x, y int) ([3]uint8, time.Duration) {
	t.Helper()
	m := gocv.NewMat()
	defer m.Close()
	fr, err := p.Read(&m)
	if err != nil {
		t.Fatal(err)
	}
	v := m.GetVecbAt(y, x)
	return [3]uint8{v[0], v[1], v[2]}, fr.PTS
}

// TestColourOrder pushes pure red through every push method: OpenCV's
// frame must hold it as B=0, G=0, R=255 (within the rounding of YUV).
func TestColourOrder(t *testing.T) {
	const w, h = 4, 2
	red := color.RGBA{255, 0, 0, 255}
	rgb := make([]byte, w*h*3)
	for i := 0; i < len(rgb); i += 3 {
		rgb[i] = 255
	}
	rgba := image.NewRGBA(image.Rect(0, 0, w, h))
	nrgba := image.NewNRGBA(image.Rect(0, 0, w, h))
	ycc := image.NewYCbCr(image.Rect(0, 0, w, h), image.YCbCrSubsampleRatio420)
	for y := range h {
		for x := range w {
			rgba.Set(x, y, red)
			nrgba.Set(x, y, red)
		}
	}
	yy, cb, cr := color.RGBToYCbCr(255, 0, 0)
	for i := range ycc.Y {
		ycc.Y[i] = yy
	}
	for i := range ycc.Cb {
		ycc.Cb[i], ycc.Cr[i] = cb, cr
	}
	bgrMat := gocv.NewMatWithSizeFromScalar(gocv.NewScalar(0, 0, 255, 0), h, w, gocv.MatTypeCV8UC3)
	defer bgrMat.Close()
	// Video-range BT.601 red in NV12 and I420.
	nv12 := make([]byte, w*h*3/2)
	i420 := make([]byte, w*h*3/2)
	for i := 0; i < w*h; i++ {
		nv12[i], i420[i] = 81, 81
	}
	for i := w * h; i < len(nv12); i += 2 {
		nv12[i], nv12[i+1] = 90, 240
	}
	for i := 0; i < w*h/4; i++ {
		i420[w*h+i], i420[w*h+w*h/4+i] = 90, 240
	}
	p, err := New("test", w, h, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	for name, push := range map[string]func(time.Duration) error{
		"PushRGB":         func(ts time.Duration) error { return p.PushRGB(rgb, ts) },
		"PushImage RGBA":  func(ts time.Duration) error { return p.PushImage(rgba, ts) },
		"PushImage NRGBA": func(ts time.Duration) error { return p.PushImage(nrgba, ts) },
		"PushImage YCbCr": func(ts time.Duration) error { return p.PushImage(ycc, ts) },
		"PushMat":         func(ts time.Duration) error { return p.PushMat(bgrMat, ts) },
		"PushNV12":        func(ts time.Duration) error { return p.PushNV12(nv12, ts) },
		"PushI420":        func(ts time.Duration) error { return p.PushI420(i420, ts) },
	} {
		if err := push(42 * time.Millisecond); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		px, pts := readPixel(t, p, w-1, h-1)
		if px[0] > 3 || px[1] > 3 || px[2] < 250 {
			t.Errorf("%s: red arrived as B,G,R = %v", name, px)
		}
		if pts != 42*time.Millisecond {
			t.Errorf("%s: stamp %v, want the caller's 42ms", name, pts)
		}
	}
}

func TestWrongSizesRefused(t *testing.T) {
	p, _ := New("test", 4, 2, 0)
	defer p.Close()
	for name, err := range map[string]error{
		"RGB":   p.PushRGB(make([]byte, 5), 0),
		"image": p.PushImage(image.NewRGBA(image.Rect(0, 0, 3, 2)), 0),
		"NV12":  p.PushNV12(make([]byte, 11), 0),
	} {
		if !errors.Is(err, ErrFrame) {
			t.Errorf("%s of the wrong size: %v", name, err)
		}
	}
	if _, err := New("odd", 0, 5, 0); err == nil {
		t.Error("a 0x5 source was made")
	}
}

// TestInterruptAndClose: Interrupt wakes a Read nobody pushes to; Close
// hands over the pending frame, then io.EOF, and refuses pushes.
func TestInterruptAndClose(t *testing.T) {
	p, _ := New("test", 4, 2, 0)
	m := gocv.NewMat()
	defer m.Close()
	done := make(chan error, 1)
	go func() { _, err := p.Read(&m); done <- err }()
	time.Sleep(50 * time.Millisecond)
	p.Interrupt()
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("an interrupted Read returned a frame")
		}
	case <-time.After(time.Second):
		t.Fatal("Interrupt did not wake Read")
	}
	p2, _ := New("test", 4, 2, 0)
	p2.PushRGB(make([]byte, 24), time.Second)
	p2.Close()
	if _, err := p2.Read(&m); err != nil {
		t.Fatalf("the frame pending at Close was lost: %v", err)
	}
	if _, err := p2.Read(&m); err != io.EOF {
		t.Fatalf("after the last frame: %v, want io.EOF", err)
	}
	if err := p2.PushRGB(make([]byte, 24), 0); !errors.Is(err, ErrClosed) {
		t.Fatalf("push after Close: %v", err)
	}
	p.Close()
}

// TestPushAllocatesNothing: after the first push, pushing a camera's
// *image.YCbCr or NV12 frame allocates nothing.
func TestPushAllocatesNothing(t *testing.T) {
	p, _ := New("test", 64, 48, 0)
	defer p.Close()
	ycc := image.NewYCbCr(image.Rect(0, 0, 64, 48), image.YCbCrSubsampleRatio420)
	nv12 := make([]byte, 64*48*3/2)
	p.PushNV12(nv12, 0)
	ts := time.Duration(0)
	for name, f := range map[string]func(){
		"YCbCr": func() { ts++; p.PushImage(ycc, ts) },
		"NV12":  func() { ts++; p.PushNV12(nv12, ts) },
	} {
		if a := testing.AllocsPerRun(50, f); a != 0 {
			t.Errorf("%s: %v allocations per push", name, a)
		}
	}
}

// BenchmarkPushYCbCr720p is the cost of handing livecam a decoded JPEG or
// camera frame: 1280x720 4:2:0 to BGR.
func BenchmarkPushYCbCr720p(b *testing.B) {
	p, _ := New("bench", 1280, 720, 0)
	defer p.Close()
	img := image.NewYCbCr(image.Rect(0, 0, 1280, 720), image.YCbCrSubsampleRatio420)
	for i := range img.Y {
		img.Y[i] = byte(i)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		p.PushImage(img, 0)
	}
}

// BenchmarkPushNV12_720p: the same frame as a V4L2 camera hands it over.
func BenchmarkPushNV12_720p(b *testing.B) {
	p, _ := New("bench", 1280, 720, 0)
	defer p.Close()
	nv12 := make([]byte, 1280*720*3/2)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		p.PushNV12(nv12, 0)
	}
}
