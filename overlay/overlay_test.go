package overlay

import (
	"bytes"
	"fmt"
	"image"
	"os"
	"testing"

	"gocv.io/x/gocv"
)

// frame returns a w×h BGR Mat filled with one grey level.
func frame(w, h int, level float64) gocv.Mat {
	return gocv.NewMatWithSizeFromScalar(gocv.NewScalar(level, level, level, 0), h, w, gocv.MatTypeCV8UC3)
}

// changed counts the pixels that differ from the background level.
func changed(m gocv.Mat, level uint8) int {
	n := 0
	pix, _ := m.DataPtrUint8()
	for i := 0; i+2 < len(pix); i += 3 {
		if pix[i] != level || pix[i+1] != level || pix[i+2] != level {
			n++
		}
	}
	return n
}

func TestDrawReadableAtAnySize(t *testing.T) {
	info := &Info{Top: []Label{{"tabby, tabby cat", 0.87}, {"tiger cat", 0.05}}, Model: "mobilenet_v1_0.75_224", FPS: 29.9, Latency: 12.3, Dropped: 4}
	d := New(nil)
	for _, size := range [][2]int{{426, 240}, {1280, 720}, {3840, 2160}} {
		img := frame(size[0], size[1], 40)
		d.Draw(&img, info)
		frac := float64(changed(img, 40)) / float64(size[0]*size[1])
		// Panels and text must be there, and must not swamp the picture.
		if frac < 0.01 || frac > 0.25 {
			t.Errorf("%dx%d: %.3f of the pixels drawn", size[0], size[1], frac)
		}
		img.Close()
	}
}

// TestPanelMakesTextReadableOnWhite draws on a white frame (a bright sky):
// the panel behind the labels must be dark and the text on it bright.
func TestPanelMakesTextReadableOnWhite(t *testing.T) {
	d := New(&Options{HideStatus: true})
	img := frame(640, 480, 255)
	defer img.Close()
	d.Draw(&img, &Info{Top: []Label{{"sky", 0.9}}})
	px := TextSize(480)
	var dark, bright int
	for y := px / 2; y < px/2+px; y++ {
		for x := px / 2; x < 200; x++ {
			v := img.GetVecbAt(y, x)
			switch {
			case v[0] < 128 && v[1] < 128 && v[2] < 128:
				dark++
			case v[1] > 200:
				bright++
			}
		}
	}
	if dark < 10*bright || bright == 0 {
		t.Errorf("on white: %d dark and %d bright pixels in the label panel; want a dark panel with bright text", dark, bright)
	}
}

// TestScoreBarLength checks that each class's bar is as long as its score.
func TestScoreBarLength(t *testing.T) {
	d := New(&Options{HideStatus: true})
	for _, score := range []float32{0.25, 0.9} {
		img := frame(640, 480, 0)
		d.Draw(&img, &Info{Top: []Label{{"banjo", score}}})
		// The top class's bar is yellow (BGR 0, 220, 255): measure the
		// longest yellow run on any row.
		longest := 0
		for y := range 60 {
			run := 0
			for x := range 200 {
				if v := img.GetVecbAt(y, x); v[0] == 0 && v[1] == 220 && v[2] == 255 {
					run++
					longest = max(longest, run)
				} else {
					run = 0
				}
			}
		}
		img.Close()
		barW := 3 * TextSize(480)
		if want := int(float32(barW)*score + 0.5); longest < want-1 || longest > want+1 {
			t.Errorf("score %.2f: bar %d px long, want %d of %d", score, longest, want, barW)
		}
	}
}

func TestDrawUnsureBelowThreshold(t *testing.T) {
	d := New(&Options{Threshold: 0.5, HideStatus: true})
	img := frame(320, 240, 40)
	defer img.Close()
	d.Draw(&img, &Info{Top: []Label{{"banjo", 0.3}, {"guitar", 0.2}}})
	if string(d.buf) != "not sure (30.0%  banjo)" {
		t.Errorf("drew %q", d.buf)
	}
}

// drawLabel draws one label on a fresh black frame and returns its pixels.
func drawLabel(t *testing.T, d *Drawer, label string) []byte {
	t.Helper()
	img := frame(640, 480, 0)
	defer img.Close()
	d.Draw(&img, &Info{Top: []Label{{label, 0.9}}})
	pix, err := img.DataPtrUint8()
	if err != nil {
		t.Fatal(err)
	}
	return bytes.Clone(pix)
}

// mojibake is s's bytes read as Latin-1, what a drawer that walks bytes
// instead of runes would draw.
func mojibake(s string) string {
	r := make([]rune, len(s))
	for i := range len(s) {
		r[i] = rune(s[i])
	}
	return string(r)
}

// rightmost returns the largest x of a lit pixel in a 640-wide frame.
func rightmost(pix []byte) int {
	x := -1
	for i := 0; i+2 < len(pix); i += 3 {
		if pix[i]|pix[i+1]|pix[i+2] != 0 {
			x = max(x, i/3%640)
		}
	}
	return x
}

// TestUTF8Labels checks that letters outside ASCII are drawn as
// themselves: "Tür" is neither "Tur" nor "T?r" (OpenCV's Hershey fonts
// drew every such letter as "?") nor its bytes as Latin-1, and Cyrillic
// and Greek likewise.
func TestUTF8Labels(t *testing.T) {
	d := New(&Options{HideStatus: true})
	for _, c := range []struct{ label, not string }{
		{"Tür", "Tur"}, {"Tür", "T?r"}, {"Tür", mojibake("Tür")},
		{"Кот", "???"}, {"Кот", mojibake("Кот")}, {"γάτα", "????"}, {"γάτα", mojibake("γάτα")},
	} {
		if bytes.Equal(drawLabel(t, d, c.label), drawLabel(t, d, c.not)) {
			t.Errorf("%q is drawn as %q", c.label, c.not)
		}
	}
	// ü is as wide as u in Go Regular: "Tür" ends where "Tur" does, which
	// it would not if its two bytes were drawn as two letters.
	if a, b := rightmost(drawLabel(t, d, "Tür")), rightmost(drawLabel(t, d, "Tur")); a != b {
		t.Errorf("Tür ends at x=%d, Tur at x=%d", a, b)
	}
	if r, missing := DefaultFont().Missing("Tür Кот γάτα"); missing {
		t.Errorf("default font lacks %q", r)
	}
	if r, missing := DefaultFont().Missing("猫"); !missing || r != '猫' {
		t.Errorf("Missing(猫) = %q, %v; want 猫, true", r, missing)
	}
}

// cjkFont is a font with Chinese glyphs that make deps installs (Debian's
// fonts-droid-fallback).
const cjkFont = "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf"

func TestChineseLabelsWithAFont(t *testing.T) {
	if _, err := os.Stat(cjkFont); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%v (make deps installs fonts-droid-fallback)", err)
		}
		t.Skip(err)
	}
	f, err := LoadFont(cjkFont)
	if err != nil {
		t.Fatal(err)
	}
	if r, missing := f.Missing("猫 狗"); missing {
		t.Fatalf("%s lacks %q", cjkFont, r)
	}
	d := New(&Options{HideStatus: true, Font: f})
	if bytes.Equal(drawLabel(t, d, "猫"), drawLabel(t, d, "狗")) {
		t.Error("猫 and 狗 are drawn alike")
	}
}

func TestLoadFontErrorNamesFile(t *testing.T) {
	path := t.TempDir() + "/labels.ttf"
	os.WriteFile(path, []byte("not a font"), 0o644)
	_, err := LoadFont(path)
	if err == nil || !bytes.Contains([]byte(err.Error()), []byte(path)) {
		t.Errorf("LoadFont(garbage) = %v; want an error naming %s", err, path)
	}
}

func TestDrawAllocatesNothing(t *testing.T) {
	d := New(nil)
	img := frame(1280, 720, 0)
	defer img.Close()
	// A first frame with every digit: each glyph is rasterized once.
	info := &Info{Top: []Label{{"tabby, tabby cat", 0.87}, {"tiger cat", 0.05}}, Model: "m", FPS: 1234567.89, Latency: 10, Dropped: 1}
	d.Draw(&img, info)
	info.FPS = 30
	if n := testing.AllocsPerRun(20, func() {
		info.FPS += 0.1 // new figures, same glyphs
		d.Draw(&img, info)
	}); n != 0 {
		t.Errorf("%v allocations per Draw", n)
	}

	// A detector's frame: 20 boxes with ids, some over the edges, and two
	// zones, after a first frame that draws every digit.
	det := &Info{Model: "coco_ssd_mobilenet_v1", FPS: 30, Zones: []Zone{
		{Name: "driveway", Points: []image.Point{{100, 700}, {600, 300}, {1200, 700}}},
		{Name: "porch", Points: []image.Point{{-100, -100}, {400, 50}, {300, 300}, {0, 200}}},
	}}
	for i := range 20 {
		det.Objects = append(det.Objects, Box{Rect: image.Rect(i*70-40, i*30-20, i*70+120, i*30+200),
			Label: []string{"person", "car", "dog", "tabby, tabby cat"}[i%4], Score: float32(i) / 20, ID: 1234567890 + i, Class: i * 5})
	}
	d.Draw(&img, det)
	if n := testing.AllocsPerRun(20, func() {
		for i := range det.Objects {
			det.Objects[i].Rect = det.Objects[i].Rect.Add(image.Pt(1, 1))
			det.Objects[i].Score = 1 - det.Objects[i].Score
		}
		d.Draw(&img, det)
	}); n != 0 {
		t.Errorf("%v allocations per Draw with 20 boxes and 2 zones", n)
	}
}

func TestDrawClipsToSmallFrames(t *testing.T) {
	d := New(nil)
	info := &Info{Top: []Label{{"a label far wider than the frame it is drawn on", 0.87}}, Model: "m"}
	for _, size := range []image.Point{{1, 1}, {16, 9}, {64, 48}} {
		img := frame(size.X, size.Y, 0)
		d.Draw(&img, info) // must not panic
		img.Close()
	}
}

// TestRowShowsShortLabel: a class's row shows its display name, the
// first of its synonyms.
func TestRowShowsShortLabel(t *testing.T) {
	d := New(&Options{HideStatus: true})
	img := frame(320, 240, 40)
	defer img.Close()
	d.Draw(&img, &Info{Top: []Label{{"tabby, tabby cat", 0.87}}})
	if string(d.buf) != "87.0%  tabby" {
		t.Errorf("drew %q", d.buf)
	}
}

// BenchmarkDraw times one overlay on frames from 240p to 4K (the labels'
// glyphs are cached after the first frame, as in a run).
func BenchmarkDraw(b *testing.B) {
	info := &Info{Top: []Label{{"tabby, tabby cat", 0.87}, {"tiger cat", 0.05}, {"Egyptian cat", 0.03}}, Model: "mobilenet_v1_0.75_224", FPS: 29.9, Latency: 12.3, Dropped: 4}
	for _, h := range []int{240, 720, 2160} {
		b.Run(fmt.Sprintf("%dp", h), func(b *testing.B) {
			img := frame(h*16/9, h, 90)
			defer img.Close()
			d := New(nil)
			d.Draw(&img, info)
			b.ResetTimer()
			for range b.N {
				d.Draw(&img, info)
			}
		})
	}
}

func ExampleTextSize() {
	for _, h := range []int{240, 480, 720, 1080, 2160} {
		fmt.Printf("%dp: %d px\n", h, TextSize(h))
	}
	// Output:
	// 240p: 11 px
	// 480p: 20 px
	// 720p: 30 px
	// 1080p: 45 px
	// 2160p: 90 px
}
