package overlay

import (
	"image"
	"math"
	"slices"
	"testing"

	"gocv.io/x/gocv"
)

// picture returns a w×h BGR frame with smooth colour gradients, so that
// every part of an overlay lands on a different colour.
func picture(w, h int) gocv.Mat {
	m := gocv.NewMatWithSize(h, w, gocv.MatTypeCV8UC3)
	pix, _ := m.DataPtrUint8()
	for y := range h {
		for x := range w {
			i := 3 * (y*w + x)
			pix[i] = uint8(255 * x / w)
			pix[i+1] = uint8(255 * y / h)
			pix[i+2] = uint8(128 + 127*math.Sin(float64(x+y)/40))
		}
	}
	return m
}

// everything is an overlay with every kind of mark: classes, boxes with
// labels, zones and the status line.
var everything = &Info{
	Top:   []Label{{"tabby, tabby cat", 0.87}, {"tiger cat", 0.05}, {"Egyptian cat", 0.03}},
	Model: "mobilenet_v1_0.75_224", FPS: 29.9, Latency: 12.3, Dropped: 4,
	Objects: []Box{
		{Rect: image.Rect(101, 81, 301, 251), Label: "person", Score: 0.8, ID: 3, Class: 0},
		{Rect: image.Rect(350, 200, 500, 330), Label: "dog", Score: 0.6, Class: 17},
	},
	Zones: []Zone{{Name: "porch", Points: []image.Point{{20, 300}, {300, 150}, {620, 340}}}},
}

// TestDrawI420MatchesDraw draws the same overlay on a BGR frame (Draw)
// and on its I420 planes (DrawI420) and compares the two, Draw's frame
// converted to I420 by OpenCV as the video output did: within 2 levels
// (rounding) on every sample.
func TestDrawI420MatchesDraw(t *testing.T) {
	const w, h = 640, 360
	bgrFrame := picture(w, h)
	defer bgrFrame.Close()
	planes := gocv.NewMat()
	defer planes.Close()
	gocv.CvtColor(bgrFrame, &planes, gocv.ColorBGRToYUVI420)
	before, _ := planes.DataPtrUint8()
	before = slices.Clone(before)

	New(nil).Draw(&bgrFrame, everything)
	want := gocv.NewMat()
	defer want.Close()
	gocv.CvtColor(bgrFrame, &want, gocv.ColorBGRToYUVI420)
	New(nil).DrawI420(&planes, everything)

	got, _ := planes.DataPtrUint8()
	ref, _ := want.DataPtrUint8()
	drawn, maxY := 0, 0
	for i := range w * h {
		if got[i] != before[i] {
			drawn++
		}
		maxY = max(maxY, abs(int(got[i])-int(ref[i])))
	}
	if drawn < w*h/50 {
		t.Fatalf("DrawI420 changed %d luma samples of %d", drawn, w*h)
	}
	if maxY > 2 {
		t.Errorf("luma differs from Draw's by up to %d levels", maxY)
	}
	// The chroma: OpenCV's conversion takes each sample from its block's
	// top-left pixel, and so does DrawI420.
	drawnC, worst := 0, 0
	for i := w * h; i < len(got); i++ {
		if got[i] != before[i] || ref[i] != before[i] {
			drawnC++
			worst = max(worst, abs(int(got[i])-int(ref[i])))
		}
	}
	if drawnC < w*h/200 || worst > 2 {
		t.Errorf("chroma: %d samples drawn, differing from Draw's by up to %d levels", drawnC, worst)
	}
}

// TestToYUVMatchesOpenCV checks the overlay's colours against OpenCV's
// own BGR to I420 conversion.
func TestToYUVMatchesOpenCV(t *testing.T) {
	for _, c := range []bgr{white, yellow, grey, track, {0, 0, 0}, {255, 0, 0}, {0, 255, 0}, {0, 0, 255}, {17, 200, 90}} {
		m := gocv.NewMatWithSizeFromScalar(gocv.NewScalar(float64(c[0]), float64(c[1]), float64(c[2]), 0), 2, 2, gocv.MatTypeCV8UC3)
		p := gocv.NewMat()
		gocv.CvtColor(m, &p, gocv.ColorBGRToYUVI420)
		pix, _ := p.DataPtrUint8()
		got := toYUV(c)
		if abs(int(got.y)-int(pix[0])) > 1 || abs(int(got.u)-int(pix[4])) > 1 || abs(int(got.v)-int(pix[5])) > 1 {
			t.Errorf("%v: YUV %v, OpenCV %d %d %d", c, got, pix[0], pix[4], pix[5])
		}
		m.Close()
		p.Close()
	}
}

// TestDrawI420Refuses leaves Mats that are not I420 frames alone.
func TestDrawI420Refuses(t *testing.T) {
	d := New(nil)
	for _, m := range []gocv.Mat{
		gocv.NewMatWithSize(90, 64, gocv.MatTypeCV8UC3), // BGR
		gocv.NewMatWithSize(91, 64, gocv.MatTypeCV8UC1), // rows not 3/2 of an even height
		gocv.NewMatWithSize(90, 63, gocv.MatTypeCV8UC1), // odd width
		gocv.NewMat(),
	} {
		pix, _ := m.DataPtrUint8()
		before := slices.Clone(pix)
		d.DrawI420(&m, everything) // must not panic
		if after, _ := m.DataPtrUint8(); !slices.Equal(before, after) {
			t.Errorf("%dx%d type %v: changed", m.Cols(), m.Rows(), m.Type())
		}
		m.Close()
	}
}

// TestDrawI420AllocatesNothing: after a first frame, drawing on planes
// allocates nothing.
func TestDrawI420AllocatesNothing(t *testing.T) {
	d := New(nil)
	m := gocv.NewMatWithSize(720*3/2, 1280, gocv.MatTypeCV8UC1)
	defer m.Close()
	info := *everything
	d.DrawI420(&m, &info)
	if n := testing.AllocsPerRun(20, func() {
		info.FPS += 0.1
		d.DrawI420(&m, &info)
	}); n != 0 {
		t.Errorf("%v allocations per DrawI420", n)
	}
}

// BenchmarkDrawI420 times the overlay on 720p planes.
func BenchmarkDrawI420(b *testing.B) {
	m := gocv.NewMatWithSize(720*3/2, 1280, gocv.MatTypeCV8UC1)
	defer m.Close()
	d := New(nil)
	d.DrawI420(&m, everything)
	for b.Loop() {
		d.DrawI420(&m, everything)
	}
}
