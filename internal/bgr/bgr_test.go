package bgr

import (
	"errors"
	"image"
	"image/color"
	"math/rand/v2"
	"testing"
)

// randomYCbCr fills an image of the given ratio and rectangle with noise.
func randomYCbCr(r image.Rectangle, ratio image.YCbCrSubsampleRatio, seed uint64) *image.YCbCr {
	img := image.NewYCbCr(r, ratio)
	rng := rand.New(rand.NewPCG(seed, 1))
	for _, p := range [][]byte{img.Y, img.Cb, img.Cr} {
		for i := range p {
			p[i] = byte(rng.Uint32())
		}
	}
	return img
}

// want converts through At, the reference every fast path must equal.
func want(img image.Image) []byte {
	b := img.Bounds()
	out := make([]byte, 0, b.Dx()*b.Dy()*3)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			out = append(out, byte(bl>>8), byte(g>>8), byte(r>>8))
		}
	}
	return out
}

func check(t *testing.T, name string, img image.Image) {
	t.Helper()
	b := img.Bounds()
	got := make([]byte, b.Dx()*b.Dy()*3)
	if err := FromImage(got, img); err != nil {
		t.Fatal(err)
	}
	w := want(img)
	for i := range w {
		if got[i] != w[i] {
			t.Fatalf("%s: byte %d (pixel %d, channel %d) is %d, At gives %d", name, i, i/3, i%3, got[i], w[i])
		}
	}
}

func TestFastPathsEqualAt(t *testing.T) {
	ratios := map[string]image.YCbCrSubsampleRatio{"444": image.YCbCrSubsampleRatio444, "422": image.YCbCrSubsampleRatio422,
		"420": image.YCbCrSubsampleRatio420, "440": image.YCbCrSubsampleRatio440, "411": image.YCbCrSubsampleRatio411}
	for name, ratio := range ratios {
		full := randomYCbCr(image.Rect(0, 0, 37, 23), ratio, 1)
		check(t, name, full)
		// A sub-image starting at odd coordinates shares chroma with
		// pixels outside it.
		check(t, name+" sub", full.SubImage(image.Rect(3, 5, 30, 20)))
		check(t, name+" even x, odd y", full.SubImage(image.Rect(2, 3, 31, 22)))
	}
	rgba := image.NewRGBA(image.Rect(0, 0, 19, 7))
	nrgba := image.NewNRGBA(image.Rect(0, 0, 19, 7))
	gray := image.NewGray(image.Rect(0, 0, 19, 7))
	rng := rand.New(rand.NewPCG(2, 2))
	for i := range rgba.Pix {
		rgba.Pix[i] = byte(rng.Uint32())
		if i%4 == 3 {
			rgba.Pix[i] = 255 // opaque, as frames are
		}
		nrgba.Pix[i] = rgba.Pix[i]
	}
	for i := range gray.Pix {
		gray.Pix[i] = byte(rng.Uint32())
	}
	check(t, "rgba", rgba)
	check(t, "rgba sub", rgba.SubImage(image.Rect(1, 1, 18, 6)))
	check(t, "nrgba", nrgba)
	check(t, "gray", gray)
	check(t, "paletted", image.NewPaletted(image.Rect(0, 0, 5, 5), color.Palette{color.RGBA{10, 20, 30, 255}}))
}

// TestKnownColours pins the channel order: pure red, green and blue in,
// OpenCV's B, G, R out.
func TestKnownColours(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 3, 1))
	img.Set(0, 0, color.RGBA{255, 0, 0, 255})
	img.Set(1, 0, color.RGBA{0, 255, 0, 255})
	img.Set(2, 0, color.RGBA{0, 0, 255, 255})
	got := make([]byte, 9)
	if err := FromImage(got, img); err != nil {
		t.Fatal(err)
	}
	wantB := []byte{0, 0, 255, 0, 255, 0, 255, 0, 0}
	if string(got) != string(wantB) {
		t.Fatalf("BGR of red, green, blue = %v, want %v", got, wantB)
	}
	// The same three colours as JPEG would store them (full-range YCbCr).
	yc := image.NewYCbCr(image.Rect(0, 0, 3, 1), image.YCbCrSubsampleRatio444)
	for i, c := range []color.RGBA{{255, 0, 0, 255}, {0, 255, 0, 255}, {0, 0, 255, 255}} {
		yc.Y[i], yc.Cb[i], yc.Cr[i] = color.RGBToYCbCr(c.R, c.G, c.B)
	}
	if err := FromImage(got, yc); err != nil {
		t.Fatal(err)
	}
	for i, w := range wantB {
		if d := int(got[i]) - int(w); d < -2 || d > 2 {
			t.Fatalf("YCbCr red, green, blue gave BGR %v, want about %v", got, wantB)
		}
	}
}

// TestRectRowByRow: converting a part of an image, whole or one row at a
// time, gives the bytes of converting the whole image and cutting that
// part out, for every fast path, at even and odd coordinates, and for
// images whose bounds go below zero.
func TestRectRowByRow(t *testing.T) {
	var imgs []image.Image
	for _, ratio := range []image.YCbCrSubsampleRatio{image.YCbCrSubsampleRatio444, image.YCbCrSubsampleRatio422,
		image.YCbCrSubsampleRatio420, image.YCbCrSubsampleRatio440, image.YCbCrSubsampleRatio411} {
		imgs = append(imgs, randomYCbCr(image.Rect(0, 0, 37, 23), ratio, 4), randomYCbCr(image.Rect(-7, -5, 30, 18), ratio, 5))
	}
	rgba := image.NewRGBA(image.Rect(-3, 0, 30, 20))
	rng := rand.New(rand.NewPCG(3, 3))
	for i := range rgba.Pix {
		rgba.Pix[i] = byte(rng.Uint32()) | 1 // not transparent
	}
	imgs = append(imgs, rgba, image.NewGray(image.Rect(0, 0, 9, 9)), image.NewRGBA64(image.Rect(0, 0, 9, 9)), image.NewCMYK(image.Rect(0, 0, 9, 9)))
	for _, img := range imgs {
		b := img.Bounds()
		whole := want(img)
		for _, r := range []image.Rectangle{b, image.Rect(b.Min.X+1, b.Min.Y+3, b.Max.X-2, b.Max.Y-1), image.Rect(b.Min.X+2, b.Min.Y+1, b.Min.X+9, b.Min.Y+8)} {
			cut := make([]byte, 0, r.Dx()*r.Dy()*3)
			for y := r.Min.Y; y < r.Max.Y; y++ {
				i := ((y-b.Min.Y)*b.Dx() + r.Min.X - b.Min.X) * 3
				cut = append(cut, whole[i:i+r.Dx()*3]...)
			}
			got := make([]byte, len(cut))
			if err := Rect(got, img, r); err != nil {
				t.Fatal(err)
			}
			rows := make([]byte, 0, len(cut))
			row := make([]byte, r.Dx()*3)
			for y := r.Min.Y; y < r.Max.Y; y++ {
				if err := Rect(row, img, image.Rect(r.Min.X, y, r.Max.X, y+1)); err != nil {
					t.Fatal(err)
				}
				rows = append(rows, row...)
			}
			if string(got) != string(cut) || string(rows) != string(cut) {
				t.Errorf("%T %v, part %v: Rect (whole or by rows) differs from the whole image cut", img, b, r)
			}
		}
	}
	if err := Rect(make([]byte, 3), rgba, image.Rect(100, 0, 101, 1)); err == nil {
		t.Error("a part outside the image was accepted")
	}
}

// TestRGBA64AtAllocatesNothing: standard library types without a fast
// path (what image/jpeg gives for a CMYK file, image/png for 16 bits or a
// palette) go through RGBA64At, which allocates nothing (At would box
// each pixel's colour).
func TestRGBA64AtAllocatesNothing(t *testing.T) {
	r := image.Rect(0, 0, 64, 48)
	cmyk, rgba64 := image.NewCMYK(r), image.NewRGBA64(r)
	rng := rand.New(rand.NewPCG(7, 7))
	for _, p := range [][]byte{cmyk.Pix, rgba64.Pix} {
		for i := range p {
			p[i] = byte(rng.Uint32()) | 0x80
		}
	}
	pal := image.NewPaletted(r, color.Palette{color.Black, color.White})
	dst := make([]byte, 64*48*3)
	for _, img := range []image.Image{cmyk, rgba64, pal} {
		if a := testing.AllocsPerRun(3, func() { FromImage(dst, img) }); a != 0 {
			t.Errorf("%T: %v allocations per conversion", img, a)
		}
	}
}

func TestWrongLength(t *testing.T) {
	if err := FromImage(make([]byte, 5), image.NewRGBA(image.Rect(0, 0, 2, 2))); err == nil {
		t.Fatal("a buffer of the wrong length was accepted")
	}
}

// TestNilImage: a nil image, or a nil pointer of an image type, is
// ErrNil from FromImage and Rect (its Bounds would panic); a real image
// is not nil.
func TestNilImage(t *testing.T) {
	for name, img := range map[string]image.Image{"nil": nil, "nil *image.RGBA": (*image.RGBA)(nil), "nil *image.YCbCr": (*image.YCbCr)(nil)} {
		if !Nil(img) {
			t.Errorf("%s: Nil says false", name)
		}
		if err := FromImage(make([]byte, 3), img); !errors.Is(err, ErrNil) {
			t.Errorf("%s: FromImage: %v, want ErrNil", name, err)
		}
		if err := Rect(make([]byte, 3), img, image.Rect(0, 0, 1, 1)); !errors.Is(err, ErrNil) {
			t.Errorf("%s: Rect: %v, want ErrNil", name, err)
		}
	}
	rgba := image.NewRGBA(image.Rect(0, 0, 1, 1))
	if Nil(rgba) || FromImage(make([]byte, 3), rgba) != nil {
		t.Error("a 1x1 RGBA image is taken for nil")
	}
	if a := testing.AllocsPerRun(10, func() { Nil(rgba) }); a != 0 {
		t.Errorf("Nil: %v allocations", a)
	}
}

func BenchmarkYCbCr420_720p(b *testing.B) {
	img := randomYCbCr(image.Rect(0, 0, 1280, 720), image.YCbCrSubsampleRatio420, 3)
	dst := make([]byte, 1280*720*3)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		FromImage(dst, img)
	}
}

func BenchmarkRGBA_720p(b *testing.B) {
	img := image.NewRGBA(image.Rect(0, 0, 1280, 720))
	dst := make([]byte, 1280*720*3)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		FromImage(dst, img)
	}
}
