package classify_test

import (
	"image"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gocv.io/x/gocv"

	"github.com/livecam/livecam/classify"
	"github.com/livecam/livecam/internal/bgr"
	"github.com/livecam/livecam/internal/cvprep"
	"github.com/livecam/livecam/internal/imgprep"
	"github.com/livecam/livecam/internal/testrig/shareddata"
)

// TestPureGoMatchesOpenCV500 runs the 500 shared ImageNet photos through
// both preparations of a classifier's input. On the same pixels (Go's
// JPEG decoder's, handed to OpenCV as a BGR Mat) the pure Go input must
// be within 1 of OpenCV's bilinear output at every byte (on OpenCV 4.6
// for amd64 it is equal at every byte: the count is logged), and give
// the same best class on all 500 (the network runs on OpenCV's input too
// wherever a byte differs). The whole paths, each with its own decoder
// (Go's image/jpeg for Classifier.Classify, OpenCV's imread for the
// pipeline), decode a little differently: photos whose two best classes
// are nearly tied may flip (1 of the 500, a park bench at 0.265 against
// 0.272 for lakeside); at most 3 may.
func TestPureGoMatchesOpenCV500(t *testing.T) {
	dir := shareddata.Path(t, "imagenet")
	files, err := filepath.Glob(filepath.Join(dir, "*.JPEG"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 500 {
		t.Fatalf("%d ImageNet photos in %s, want 500", len(files), dir)
	}
	slices.Sort(files)
	c, err := classify.NewClassifier(realModel(t), classify.Options{MaxResults: 1}, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	size := c.InputSize()
	pre := cvprep.Square(size)
	defer pre.Close()
	resize := imgprep.NewResizer(size, size)
	goInput := make([]byte, size*size*3)
	var pix []byte
	differ, sameTop, sameDecoded := 0, 0, 0
	var kinds []string
	for _, file := range files {
		name := filepath.Base(file)
		img := decode(t, file)
		if k := strings.TrimPrefix(typeName(img), "*image."); !slices.Contains(kinds, k) {
			kinds = append(kinds, k)
		}
		b := img.Bounds()
		// The same pixels both ways.
		if err := resize.RGB(goInput, img, classify.CenterSquare(b.Dx(), b.Dy()).Add(b.Min)); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		pix = slices.Grow(pix[:0], b.Dx()*b.Dy()*3)[:b.Dx()*b.Dy()*3]
		if err := bgr.FromImage(pix, img); err != nil {
			t.Fatal(err)
		}
		mat, err := gocv.NewMatFromBytes(b.Dy(), b.Dx(), gocv.MatTypeCV8UC3, pix)
		if err != nil {
			t.Fatal(err)
		}
		cvInput, err := pre.RGB(mat)
		mat.Close()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		n := 0
		for i := range goInput {
			if d := int(goInput[i]) - int(cvInput[i]); d != 0 {
				n++
				if d < -1 || d > 1 {
					t.Errorf("%s: input byte %d is %d in Go, %d by OpenCV", name, i, goInput[i], cvInput[i])
					break
				}
			}
		}
		differ += n
		goTop, err := c.Classify(nil, img)
		if err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			top, err := c.ClassifyTensor(nil, cvInput)
			if err != nil {
				t.Fatal(err)
			}
			if top[0].Class != goTop[0].Class {
				t.Errorf("%s: on the same pixels Go's input gives %s, OpenCV's %s", name, goTop[0].Label, top[0].Label)
				continue
			}
		}
		sameDecoded++
		// The whole paths, each with its own decoder.
		cvMat := gocv.IMRead(file, gocv.IMReadColor)
		rgb, err := pre.RGB(cvMat)
		var cvTop []classify.Prediction
		if err == nil {
			cvTop, err = c.ClassifyTensor(nil, rgb)
		}
		cvMat.Close()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if goTop[0].Class == cvTop[0].Class {
			sameTop++
		} else {
			t.Logf("%s: decoded by Go %s (%.3f), by OpenCV %s (%.3f)", name, goTop[0].Label, goTop[0].Score, cvTop[0].Label, cvTop[0].Score)
		}
	}
	t.Logf("500 photos (%s): on the same pixels %d input bytes differ between Go and OpenCV, the same best class on %d; each with its own decoder, the same best class on %d",
		strings.Join(kinds, ", "), differ, sameDecoded, sameTop)
	if sameTop < 497 {
		t.Errorf("each path with its own decoder: the same best class on %d photos, want at least 497", sameTop)
	}
}

func typeName(img image.Image) string {
	switch img.(type) {
	case *image.YCbCr:
		return "*image.YCbCr"
	case *image.Gray:
		return "*image.Gray"
	case *image.CMYK:
		return "*image.CMYK"
	}
	return "other"
}
