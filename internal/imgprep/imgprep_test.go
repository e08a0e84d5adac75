package imgprep

import (
	"errors"
	"image"
	"image/color"
	"math/rand/v2"
	"testing"
)

func TestCenterSquare(t *testing.T) {
	for _, tc := range []struct {
		w, h int
		want image.Rectangle
	}{
		{1280, 720, image.Rect(280, 0, 1000, 720)},
		{240, 320, image.Rect(0, 40, 240, 280)},
		{5, 5, image.Rect(0, 0, 5, 5)},
		{6, 3, image.Rect(1, 0, 4, 3)},
	} {
		if got := CenterSquare(tc.w, tc.h); got != tc.want {
			t.Errorf("CenterSquare(%d,%d) = %v, want %v", tc.w, tc.h, got, tc.want)
		}
	}
}

func resize(t *testing.T, img image.Image, src image.Rectangle, w, h int) []byte {
	t.Helper()
	out := make([]byte, w*h*3)
	if err := NewResizer(w, h).RGB(out, img, src); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestUniformStaysUniform: a one-colour image comes out that colour, in
// RGB order, whatever the sizes (shrinking, enlarging, exactly 2x, the
// same size): the coefficients of every output pixel sum to one and the
// channels are not mixed up.
func TestUniformStaysUniform(t *testing.T) {
	c := color.RGBA{200, 100, 7, 255}
	for _, s := range [][4]int{{640, 480, 224, 224}, {100, 37, 300, 300}, {448, 448, 224, 224}, {224, 224, 224, 224}, {3, 2, 7, 5}, {1, 1, 4, 4}} {
		img := image.NewRGBA(image.Rect(0, 0, s[0], s[1]))
		for i := 0; i < len(img.Pix); i += 4 {
			img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = c.R, c.G, c.B, c.A
		}
		out := resize(t, img, img.Bounds(), s[2], s[3])
		for i := 0; i < len(out); i += 3 {
			if out[i] != c.R || out[i+1] != c.G || out[i+2] != c.B {
				t.Fatalf("%dx%d to %dx%d: pixel %d is %v, want %v", s[0], s[1], s[2], s[3], i/3, out[i:i+3], []byte{c.R, c.G, c.B})
			}
		}
	}
}

// TestTwoByTwoAverage: exactly twice the output size averages each 2x2
// block, rounding halves up, as OpenCV does for that case (it switches to
// INTER_AREA there; the bilinear arithmetic gives the same bytes).
func TestTwoByTwoAverage(t *testing.T) {
	img := image.NewGray(image.Rect(0, 0, 4, 2))
	copy(img.Pix, []byte{0, 1, 10, 10, 1, 0, 10, 13})
	out := resize(t, img, img.Bounds(), 2, 1)
	if want := []byte{1, 1, 1, 11, 11, 11}; string(out) != string(want) { // (2+2)>>2, (43+2)>>2
		t.Errorf("got %v, want %v", out, want)
	}
}

// TestBilinearKnownValues pins the arithmetic on a small case worked by
// hand: a 4-pixel ramp 0, 64, 128, 192 shrunk to 3 pixels samples at
// 0.1667, 1.5 and 2.8333: coefficients (1707, 341), (1024, 1024), (341,
// 1707) of 2048; then OpenCV's vertical pass (>>4, ×2048>>16, +2>>2).
func TestBilinearKnownValues(t *testing.T) {
	img := image.NewGray(image.Rect(0, 0, 4, 1))
	copy(img.Pix, []byte{0, 64, 128, 192})
	out := resize(t, img, img.Bounds(), 3, 1)
	// 0·1707+64·341 = 21824; >>4: 1364; ×2048>>16: 42; +2>>2: 11.
	want := []byte{11, 11, 11, 96, 96, 96, 181, 181, 181}
	if string(out) != string(want) {
		t.Errorf("got %v, want %v", out, want)
	}
}

// TestRegion: resizing part of an image is resizing that part alone, for
// every fast path and for a sub-image at odd coordinates.
func TestRegion(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	big := image.NewYCbCr(image.Rect(0, 0, 61, 47), image.YCbCrSubsampleRatio420)
	for _, p := range [][]byte{big.Y, big.Cb, big.Cr} {
		for i := range p {
			p[i] = byte(rng.Uint32())
		}
	}
	r := image.Rect(5, 3, 50, 40)
	alone := image.NewRGBA(image.Rect(0, 0, r.Dx(), r.Dy()))
	for y := range r.Dy() {
		for x := range r.Dx() {
			alone.Set(x, y, big.At(r.Min.X+x, r.Min.Y+y))
		}
	}
	want := resize(t, alone, alone.Bounds(), 16, 12)
	got := resize(t, big, r, 16, 12)
	if string(got) != string(want) {
		t.Error("a region of a 4:2:0 image differs from the same pixels alone")
	}
	sub := big.SubImage(r)
	if got := resize(t, sub, sub.Bounds(), 16, 12); string(got) != string(want) {
		t.Error("a sub-image at odd coordinates differs from the same pixels alone")
	}
}

// TestNoAllocations: once the Resizer has seen a source size, a call
// allocates nothing, for each fast path and through RGBA64At.
func TestNoAllocations(t *testing.T) {
	r := image.Rect(0, 0, 640, 480)
	pal := image.NewPaletted(r, color.Palette{color.Black, color.White})
	for _, img := range []image.Image{image.NewRGBA(r), image.NewNRGBA(r), image.NewGray(r),
		image.NewYCbCr(r, image.YCbCrSubsampleRatio420), image.NewYCbCr(r, image.YCbCrSubsampleRatio444), pal, image.NewRGBA64(r)} {
		for _, out := range []image.Point{{224, 224}, {300, 300}, {320, 240}, {640, 480}} {
			rs := NewResizer(out.X, out.Y)
			dst := make([]byte, out.X*out.Y*3)
			if a := testing.AllocsPerRun(3, func() { rs.RGB(dst, img, r) }); a != 0 {
				t.Errorf("%T to %v: %v allocations per call", img, out, a)
			}
		}
	}
}

func TestErrors(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 10, 10))
	for name, c := range map[string]struct {
		r   *Resizer
		dst []byte
		src image.Rectangle
	}{
		"short dst":    {NewResizer(4, 4), make([]byte, 47), img.Bounds()},
		"outside":      {NewResizer(4, 4), make([]byte, 48), image.Rect(5, 5, 11, 9)},
		"empty region": {NewResizer(4, 4), make([]byte, 48), image.Rect(2, 2, 2, 9)},
		"no output":    {NewResizer(0, 4), nil, img.Bounds()},
	} {
		if err := c.r.RGB(c.dst, img, c.src); !errors.Is(err, ErrImage) {
			t.Errorf("%s: %v, want ErrImage", name, err)
		}
	}
	for name, img := range map[string]image.Image{"nil": nil, "nil *image.Gray": (*image.Gray)(nil)} {
		if err := NewResizer(4, 4).RGB(make([]byte, 48), img, image.Rect(0, 0, 4, 4)); !errors.Is(err, ErrImage) {
			t.Errorf("a %s image: %v, want ErrImage", name, err)
		}
	}
}

func BenchmarkYCbCr720pTo224(b *testing.B) {
	img := image.NewYCbCr(image.Rect(0, 0, 1280, 720), image.YCbCrSubsampleRatio420)
	r := NewResizer(224, 224)
	dst := make([]byte, 224*224*3)
	b.ReportAllocs()
	for b.Loop() {
		r.RGB(dst, img, CenterSquare(1280, 720))
	}
}
