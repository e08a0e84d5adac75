//go:build golden

package imgprep

import (
	"encoding/hex"
	"flag"
	"os"
	"strings"
	"testing"

	"gocv.io/x/gocv"

	"github.com/livecam/livecam/internal/bgr"
)

var update = flag.Bool("update", false, "rewrite "+goldenFile+" with OpenCV's output")

// TestGoldenOpenCV computes each golden case with OpenCV as the pipeline
// does (the region as an 8-bit BGR Mat, cv::resize INTER_LINEAR unless
// it is already the output size, BGR to RGB) and compares it with
// goldenFile, or with -update rewrites the file. It needs cgo and
// OpenCV, hence the build tag: the package's other tests need neither.
func TestGoldenOpenCV(t *testing.T) {
	var file strings.Builder
	file.WriteString("# OpenCV " + gocv.OpenCVVersion() + ": cv::resize(INTER_LINEAR) of each case of golden_test.go, as RGB bytes.\n")
	file.WriteString("# Regenerate: go test -tags golden -run TestGoldenOpenCV ./internal/imgprep -update\n")
	var golden map[string][]byte
	if !*update {
		golden = readGolden(t)
	}
	for _, c := range goldenCases() {
		got := openCV(t, c)
		file.WriteString(c.name + "\t" + hex.EncodeToString(got) + "\n")
		if !*update {
			if d := firstDiff(golden[c.name], got, c.out); d != "" {
				t.Errorf("%s: the file differs from OpenCV: %s", c.name, d)
			}
		}
	}
	if *update {
		if err := os.WriteFile(goldenFile, []byte(file.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// openCV returns OpenCV's RGB bytes for c.
func openCV(t *testing.T, c goldenCase) []byte {
	t.Helper()
	pix := make([]byte, c.src.Dx()*c.src.Dy()*3)
	if err := bgr.Rect(pix, c.img, c.src); err != nil {
		t.Fatal(err)
	}
	m, err := gocv.NewMatFromBytes(c.src.Dy(), c.src.Dx(), gocv.MatTypeCV8UC3, pix)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	resized := gocv.NewMat()
	defer resized.Close()
	src := m
	if c.src.Size() != c.out {
		gocv.Resize(m, &resized, c.out, 0, 0, gocv.InterpolationLinear)
		src = resized
	}
	rgb := gocv.NewMat()
	defer rgb.Close()
	gocv.CvtColor(src, &rgb, gocv.ColorBGRToRGB)
	b, err := rgb.DataPtrUint8()
	if err != nil {
		t.Fatal(err)
	}
	return append([]byte(nil), b...)
}
