package imgprep

import (
	"bufio"
	"encoding/hex"
	"fmt"
	"image"
	"image/color"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
)

// goldenFile holds OpenCV's bytes for goldenCases: cv::resize with
// INTER_LINEAR (OpenCV 4.6, amd64) of each case's region as 8-bit BGR,
// then BGR to RGB, as the pipeline prepares a frame. Written by
// golden_opencv_test.go (build tag golden, cgo):
//
//	go test -tags golden -run TestGoldenOpenCV ./internal/imgprep -update
const goldenFile = "testdata/golden.txt"

// goldenCase is one resize: the part src of img to out.
type goldenCase struct {
	name string
	img  image.Image
	src  image.Rectangle
	out  image.Point
}

// fill sets every byte of the planes to noise from seed (math/rand/v2's
// PCG, whose sequence is fixed).
func fill(seed uint64, planes ...[]byte) {
	rng := rand.New(rand.NewPCG(seed, 11))
	for _, p := range planes {
		for i := range p {
			p[i] = byte(rng.Uint32())
		}
	}
}

func noiseRGBA(r image.Rectangle, seed uint64) *image.RGBA {
	img := image.NewRGBA(r)
	fill(seed, img.Pix)
	return img
}

func noiseYCbCr(r image.Rectangle, ratio image.YCbCrSubsampleRatio, seed uint64) *image.YCbCr {
	img := image.NewYCbCr(r, ratio)
	fill(seed, img.Y, img.Cb, img.Cr)
	return img
}

// goldenCases are small crafted images at odd sizes, shrunk, enlarged,
// by exactly 2 and to the same size; regions and sub-images at odd
// coordinates; every YCbCr subsampling; each image kind's path in
// package bgr (RGBA, NRGBA, Gray, YCbCr, and RGBA64At for the others).
func goldenCases() []goldenCase {
	ramp := image.NewGray(image.Rect(0, 0, 5, 3))
	for i := range ramp.Pix {
		ramp.Pix[i] = byte(i * 17)
	}
	nrgba := image.NewNRGBA(image.Rect(0, 0, 29, 17))
	fill(4, nrgba.Pix)
	pal := image.NewPaletted(image.Rect(0, 0, 19, 13), color.Palette{color.Black, color.White, color.RGBA{200, 30, 90, 255}, color.RGBA{10, 250, 120, 255}})
	fill(5, pal.Pix)
	for i := range pal.Pix {
		pal.Pix[i] %= 4
	}
	rgba64 := image.NewRGBA64(image.Rect(0, 0, 23, 11))
	fill(6, rgba64.Pix)
	one := noiseRGBA(image.Rect(0, 0, 1, 1), 7)
	y420 := noiseYCbCr(image.Rect(0, 0, 61, 47), image.YCbCrSubsampleRatio420, 8)
	return []goldenCase{
		{"rgba 37x23 shrunk to 16x16", noiseRGBA(image.Rect(0, 0, 37, 23), 1), image.Rect(0, 0, 37, 23), image.Pt(16, 16)},
		{"rgba 19x13 enlarged to 31x21", noiseRGBA(image.Rect(0, 0, 19, 13), 2), image.Rect(0, 0, 19, 13), image.Pt(31, 21)},
		{"rgba 40x30 halved", noiseRGBA(image.Rect(0, 0, 40, 30), 3), image.Rect(0, 0, 40, 30), image.Pt(20, 15)},
		{"rgba 64x48 centre square to 24x24", noiseRGBA(image.Rect(0, 0, 64, 48), 9), CenterSquare(64, 48), image.Pt(24, 24)},
		{"rgba 3x50 to 7x5", noiseRGBA(image.Rect(0, 0, 3, 50), 10), image.Rect(0, 0, 3, 50), image.Pt(7, 5)},
		{"rgba 1x1 to 4x4", one, one.Bounds(), image.Pt(4, 4)},
		{"gray ramp 5x3 enlarged to 11x7", ramp, ramp.Bounds(), image.Pt(11, 7)},
		{"nrgba 29x17 same size", nrgba, nrgba.Bounds(), image.Pt(29, 17)},
		{"nrgba 29x17 region at 3,2 to 9x9", nrgba, image.Rect(3, 2, 26, 15), image.Pt(9, 9)},
		{"paletted 19x13 to 8x8", pal, pal.Bounds(), image.Pt(8, 8)},
		{"rgba64 23x11 to 10x6", rgba64, rgba64.Bounds(), image.Pt(10, 6)},
		{"ycbcr 4:2:0 61x47 region at 5,3 to 16x12", y420, image.Rect(5, 3, 50, 40), image.Pt(16, 12)},
		{"ycbcr 4:2:0 sub-image at 7,5 to 13x13", y420.SubImage(image.Rect(7, 5, 40, 38)), image.Rect(7, 5, 40, 38), image.Pt(13, 13)},
		{"ycbcr 4:2:0 at odd bounds 3,1 enlarged to 26x18", noiseYCbCr(image.Rect(3, 1, 24, 16), image.YCbCrSubsampleRatio420, 12), image.Rect(3, 1, 24, 16), image.Pt(26, 18)},
		{"ycbcr 4:2:2 45x29 to 20x20", noiseYCbCr(image.Rect(3, 1, 48, 30), image.YCbCrSubsampleRatio422, 13), image.Rect(3, 1, 48, 30), image.Pt(20, 20)},
		{"ycbcr 4:4:4 31x31 to 13x9", noiseYCbCr(image.Rect(0, 0, 31, 31), image.YCbCrSubsampleRatio444, 14), image.Rect(0, 0, 31, 31), image.Pt(13, 9)},
		{"ycbcr 4:4:0 33x21 to 17x17", noiseYCbCr(image.Rect(0, 0, 33, 21), image.YCbCrSubsampleRatio440, 15), image.Rect(0, 0, 33, 21), image.Pt(17, 17)},
		{"ycbcr 4:1:1 35x19 to 12x15", noiseYCbCr(image.Rect(1, 0, 36, 19), image.YCbCrSubsampleRatio411, 16), image.Rect(1, 0, 36, 19), image.Pt(12, 15)},
		{"ycbcr 4:1:0 17x15 same size", noiseYCbCr(image.Rect(0, 0, 17, 15), image.YCbCrSubsampleRatio410, 17), image.Rect(0, 0, 17, 15), image.Pt(17, 15)},
	}
}

// readGolden returns goldenFile's bytes by case name.
func readGolden(t *testing.T) map[string][]byte {
	t.Helper()
	f, err := os.Open(goldenFile)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	golden := map[string][]byte{}
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for n := 1; sc.Scan(); n++ {
		if strings.HasPrefix(sc.Text(), "#") {
			continue
		}
		name, data, ok := strings.Cut(sc.Text(), "\t")
		b, err := hex.DecodeString(data)
		if !ok || err != nil {
			t.Fatalf("%s:%d: not a name, a tab and hex bytes", goldenFile, n)
		}
		golden[name] = b
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return golden
}

// firstDiff describes where got and want first differ, and how many
// bytes do.
func firstDiff(got, want []byte, out image.Point) string {
	if len(got) != len(want) {
		return fmt.Sprintf("%d bytes, want %d", len(got), len(want))
	}
	n, first := 0, -1
	for i := range got {
		if got[i] != want[i] {
			if first < 0 {
				first = i
			}
			n++
		}
	}
	if n == 0 {
		return ""
	}
	px := first / 3
	return fmt.Sprintf("%d of %d bytes differ; the first at pixel (%d,%d) channel %d: %d, OpenCV %d",
		n, len(want), px%out.X, px/out.X, first%3, got[first], want[first])
}

// TestGolden: each case resized by imgprep is OpenCV's output byte for
// byte, as recorded in testdata (no cgo: the check runs wherever the
// package builds, under qemu too, where a rounding that drifts from
// OpenCV's, such as a fused multiply-add, would show).
func TestGolden(t *testing.T) {
	golden := readGolden(t)
	cases := goldenCases()
	if len(golden) != len(cases) {
		t.Errorf("%s holds %d cases, the test %d: regenerate it (see goldenFile)", goldenFile, len(golden), len(cases))
	}
	for _, c := range cases {
		want, ok := golden[c.name]
		if !ok {
			t.Errorf("%s: not in %s", c.name, goldenFile)
			continue
		}
		got := make([]byte, c.out.X*c.out.Y*3)
		if err := NewResizer(c.out.X, c.out.Y).RGB(got, c.img, c.src); err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if d := firstDiff(got, want, c.out); d != "" {
			t.Errorf("%s: %s", c.name, d)
		}
	}
}
