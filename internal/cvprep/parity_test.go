package cvprep_test

import (
	"image"
	"math/rand/v2"
	"testing"

	"gocv.io/x/gocv"

	"github.com/livecam/livecam/internal/bgr"
	"github.com/livecam/livecam/internal/cvprep"
	"github.com/livecam/livecam/internal/imgprep"
)

// matOf returns img as an 8-bit BGR Mat (package bgr's conversion).
func matOf(tb testing.TB, img image.Image) gocv.Mat {
	tb.Helper()
	b := img.Bounds()
	pix := make([]byte, b.Dx()*b.Dy()*3)
	if err := bgr.FromImage(pix, img); err != nil {
		tb.Fatal(err)
	}
	m, err := gocv.NewMatFromBytes(b.Dy(), b.Dx(), gocv.MatTypeCV8UC3, pix)
	if err != nil {
		tb.Fatal(err)
	}
	return m
}

func noise(w, h int, seed uint64) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	rng := rand.New(rand.NewPCG(seed, 7))
	for i := range img.Pix {
		img.Pix[i] = byte(rng.Uint32())
	}
	return img
}

// compare returns how many bytes differ and the largest difference.
func compare(a, b []byte) (n, worst int) {
	for i := range a {
		d := int(a[i]) - int(b[i])
		if d < 0 {
			d = -d
		}
		if d > 0 {
			n++
			worst = max(worst, d)
		}
	}
	return
}

// noiseYCbCr is a YCbCr image of noise, offset so that its bounds start
// at odd coordinates.
func noiseYCbCr(w, h int, ratio image.YCbCrSubsampleRatio, seed uint64) image.Image {
	img := image.NewYCbCr(image.Rect(3, 1, 3+w, 1+h), ratio)
	rng := rand.New(rand.NewPCG(seed, 9))
	for _, p := range [][]byte{img.Y, img.Cb, img.Cr} {
		for i := range p {
			p[i] = byte(rng.Uint32())
		}
	}
	return img
}

// TestNoiseParity: on noise (the hardest case for rounding) of many
// sizes and kinds, shrunk, enlarged, by exactly 2, to the same size, as a
// classifier's centre square and a detector's stretch, the pure Go input
// (imgprep) equals OpenCV's (this package) at every byte: imgprep follows
// OpenCV 4.6's arithmetic step by step.
func TestNoiseParity(t *testing.T) {
	sizes := [][2]int{{640, 480}, {1280, 720}, {448, 448}, {500, 375}, {224, 224}, {100, 80}, {37, 23}, {300, 300}, {1, 1}, {3, 500}, {224, 300}, {451, 449}, {2000, 1500}}
	outs := []image.Point{{224, 224}, {300, 300}, {192, 192}, {160, 160}, {128, 128}, {7, 5}}
	ratios := []image.YCbCrSubsampleRatio{image.YCbCrSubsampleRatio420, image.YCbCrSubsampleRatio422, image.YCbCrSubsampleRatio444}
	for i, s := range sizes {
		var img image.Image = noise(s[0], s[1], uint64(i))
		if i%2 == 1 {
			img = noiseYCbCr(s[0], s[1], ratios[i/2%3], uint64(i))
		}
		mat := matOf(t, img)
		for _, out := range outs {
			for _, square := range []bool{true, false} {
				var p *cvprep.Preprocessor
				src := img.Bounds()
				if square {
					if out.X != out.Y {
						continue
					}
					p = cvprep.Square(out.X)
					src = imgprep.CenterSquare(s[0], s[1]).Add(src.Min)
				} else {
					p = cvprep.Stretch(out)
				}
				want, err := p.RGB(mat)
				if err != nil {
					t.Fatal(err)
				}
				r := imgprep.NewResizer(out.X, out.Y)
				got := make([]byte, out.X*out.Y*3)
				if err := r.RGB(got, img, src); err != nil {
					t.Fatal(err)
				}
				if n, worst := compare(got, want); n > 0 {
					t.Errorf("%T %dx%d -> %v square=%v: %d bytes differ, by up to %d", img, s[0], s[1], out, square, n, worst)
				}
				p.Close()
			}
		}
		mat.Close()
	}
}
