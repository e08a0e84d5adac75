package bgr

import (
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

func TestWrongLength(t *testing.T) {
	if err := FromImage(make([]byte, 5), image.NewRGBA(image.Rect(0, 0, 2, 2))); err == nil {
		t.Fatal("a buffer of the wrong length was accepted")
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
