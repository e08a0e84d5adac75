package overlay

import (
	"testing"

	"gocv.io/x/gocv"
)

// changed counts the pixels that differ from the background.
func changed(m gocv.Mat) int {
	n := 0
	for y := range m.Rows() {
		for x := range m.Cols() {
			if v := m.GetVecbAt(y, x); v[0] != 40 || v[1] != 40 || v[2] != 40 {
				n++
			}
		}
	}
	return n
}

func TestDrawReadableAtAnySize(t *testing.T) {
	info := &Info{Top: []Label{{"tabby, tabby cat", 0.87}, {"tiger cat", 0.05}}, Model: "mobilenet_v1_0.75_224", FPS: 29.9, Latency: 12.3, Dropped: 4}
	d := New(nil)
	for _, size := range [][2]int{{320, 240}, {1280, 720}, {1920, 1080}} {
		img := gocv.NewMatWithSizeFromScalar(gocv.NewScalar(40, 40, 40, 0), size[1], size[0], gocv.MatTypeCV8UC3)
		d.Draw(&img, info)
		frac := float64(changed(img)) / float64(size[0]*size[1])
		// Text must be there, and must not swamp the picture.
		if frac < 0.005 || frac > 0.25 {
			t.Errorf("%dx%d: %.3f of the pixels drawn", size[0], size[1], frac)
		}
		img.Close()
	}
}

func TestDrawUnsureBelowThreshold(t *testing.T) {
	d := New(&Options{Threshold: 0.5, HideStatus: true})
	img := gocv.NewMatWithSizeFromScalar(gocv.NewScalar(40, 40, 40, 0), 240, 320, gocv.MatTypeCV8UC3)
	defer img.Close()
	d.Draw(&img, &Info{Top: []Label{{"banjo", 0.3}, {"guitar", 0.2}}})
	if string(d.buf) != "not sure (30.0% banjo)" {
		t.Errorf("drew %q", d.buf)
	}
}

func TestDrawAllocatesNothing(t *testing.T) {
	d := New(nil)
	img := gocv.NewMatWithSize(480, 640, gocv.MatTypeCV8UC3)
	defer img.Close()
	info := &Info{Top: []Label{{"tabby, tabby cat", 0.87}, {"tiger cat", 0.05}}, Model: "m", FPS: 30, Latency: 10, Dropped: 1}
	if n := testing.AllocsPerRun(20, func() { d.Draw(&img, info) }); n != 0 {
		t.Errorf("%v allocations per Draw", n)
	}
}

func TestShortLabel(t *testing.T) {
	if shortLabel("tabby, tabby cat") != "tabby" || shortLabel("banjo") != "banjo" {
		t.Error("shortLabel")
	}
}
