package detect_test

import (
	"image"
	"image/jpeg"
	"os"
	"testing"

	"gocv.io/x/gocv"

	"github.com/livecam/livecam/detect"
	"github.com/livecam/livecam/internal/bgr"
	"github.com/livecam/livecam/internal/cvprep"
	"github.com/livecam/livecam/internal/testrig/shareddata"
)

// rgbImage reads a stored 300x300 RGB input tensor as an image.
func rgbImage(tb testing.TB, name string) *image.RGBA {
	rgb := shareddata.ReadFile(tb, "golden-detect", name+".rgb")
	img := image.NewRGBA(image.Rect(0, 0, 300, 300))
	for i := range 300 * 300 {
		copy(img.Pix[4*i:], rgb[3*i:3*i+3])
		img.Pix[4*i+3] = 255
	}
	return img
}

// matImage returns a BGR Mat's pixels as an image (the same pixels).
func matImage(m gocv.Mat) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, m.Cols(), m.Rows()))
	bgrPix, _ := m.DataPtrUint8()
	for i := range m.Cols() * m.Rows() {
		p := img.Pix[4*i : 4*i+4]
		p[0], p[1], p[2], p[3] = bgrPix[3*i+2], bgrPix[3*i+1], bgrPix[3*i], 255
	}
	return img
}

// toMat returns img as an 8-bit BGR Mat.
func toMat(tb testing.TB, img image.Image) gocv.Mat {
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

// TestStretchMatchesOpenCV: the detector's pure Go input (the whole image
// stretched to 300x300) against OpenCV's, on the same pixels: the 12
// golden-detect images (their stored inputs, enlarged to 640x480 and to
// 1280x720 by OpenCV) and the 8 demo photos as Go decodes them. Every
// input byte within 1 (all equal on OpenCV 4.6 for amd64), and the same
// objects: classes, scores and boxes.
func TestStretchMatchesOpenCV(t *testing.T) {
	d := newDetector(t, detect.Filter{})
	pre := cvprep.Stretch(d.InputSize())
	defer pre.Close()
	r := d.NewRunner(1)
	defer r.Close()
	type source struct {
		name string
		mat  gocv.Mat
	}
	var sources []source
	for _, name := range storedImages {
		small := toMat(t, rgbImage(t, name))
		for _, size := range []image.Point{{640, 480}, {1280, 720}} {
			big := gocv.NewMat()
			gocv.Resize(small, &big, size, 0, 0, gocv.InterpolationLinear)
			sources = append(sources, source{name, big})
		}
		small.Close()
	}
	for _, name := range []string{"bird", "cat", "grace_hopper", "hot_dog", "missvickie_potato_chips", "parrot", "pets", "squat"} {
		f, err := os.Open(shareddata.Path(t, "demo", name+".jpg"))
		if err != nil {
			t.Fatal(err)
		}
		img, err := jpeg.Decode(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		sources = append(sources, source{"demo " + name, toMat(t, img)})
	}
	differ, objects := 0, 0
	for _, s := range sources {
		img := matImage(s.mat)
		goInput, err := r.Input(img)
		if err != nil {
			t.Fatal(err)
		}
		goInput = append([]byte(nil), goInput...)
		cvInput, err := pre.RGB(s.mat)
		if err != nil {
			t.Fatal(err)
		}
		for i := range goInput {
			if d := int(goInput[i]) - int(cvInput[i]); d != 0 {
				differ++
				if d < -1 || d > 1 {
					t.Fatalf("%s %dx%d: input byte %d is %d in Go, %d by OpenCV", s.name, s.mat.Cols(), s.mat.Rows(), i, goInput[i], cvInput[i])
				}
			}
		}
		fromImage, err := d.Detect(nil, img)
		if err != nil {
			t.Fatal(err)
		}
		fromMat, err := d.DetectTensor(nil, cvInput, s.mat.Cols(), s.mat.Rows())
		if err != nil {
			t.Fatal(err)
		}
		if len(fromImage) != len(fromMat) {
			t.Errorf("%s %dx%d: %d objects in Go, %d by OpenCV", s.name, s.mat.Cols(), s.mat.Rows(), len(fromImage), len(fromMat))
			continue
		}
		for i, a := range fromImage {
			if b := fromMat[i]; a.Class != b.Class || a.Box != b.Box || a.Score != b.Score {
				t.Errorf("%s %dx%d #%d: %s %.3f %v in Go, %s %.3f %v by OpenCV", s.name, s.mat.Cols(), s.mat.Rows(), i, a.Label, a.Score, a.Box, b.Label, b.Score, b.Box)
			}
		}
		objects += len(fromImage)
		s.mat.Close()
	}
	t.Logf("%d images, %d objects: %d input bytes differ", len(sources), objects, differ)
}
