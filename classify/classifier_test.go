package classify_test

import (
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"gocv.io/x/gocv"

	"github.com/livecam/livecam/classify"
	"github.com/livecam/livecam/internal/cvprep"
	"github.com/livecam/livecam/internal/testrig/shareddata"
	"github.com/livecam/livecam/models"
	"github.com/livecam/livecam/net/tflite"
)

func realModel(tb testing.TB) *models.Model { return models.FromClassifier(shareddata.Model(tb)) }

const photos = "../testdata/images/demo"

// decode reads a JPEG with Go's decoder (an *image.YCbCr).
func decode(tb testing.TB, file string) image.Image {
	tb.Helper()
	f, err := os.Open(file)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	img, err := jpeg.Decode(f)
	if err != nil {
		tb.Fatalf("%s: %v", file, err)
	}
	return img
}

// TestImageAndMatAgree labels each demo photo twice: decoded by Go's
// image/jpeg and prepared in Go (Classify), and decoded and prepared by
// OpenCV as the pipeline does (ClassifyTensor): the same class must win,
// with nearly the same score (the decoders round differently).
func TestImageAndMatAgree(t *testing.T) {
	c, err := classify.NewClassifier(realModel(t), classify.Options{MaxResults: 1}, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	pre := cvprep.Square(c.InputSize())
	defer pre.Close()
	files, _ := filepath.Glob(filepath.Join(photos, "*.jpg"))
	if len(files) != 8 {
		t.Fatalf("%d demo photos, want 8", len(files))
	}
	for _, file := range files {
		fromImage, err := c.Classify(nil, decode(t, file))
		if err != nil {
			t.Fatal(err)
		}
		mat := gocv.IMRead(file, gocv.IMReadColor)
		rgb, err := pre.RGB(mat)
		if err != nil {
			t.Fatal(err)
		}
		fromMat, err := c.ClassifyTensor(nil, rgb)
		mat.Close()
		if err != nil {
			t.Fatal(err)
		}
		a, b := fromImage[0], fromMat[0]
		if a.Class != b.Class || math.Abs(float64(a.Score-b.Score)) > 0.05 {
			t.Errorf("%s: image.Image gives %d %q %.3f, Mat gives %d %q %.3f", filepath.Base(file), a.Class, a.Label, a.Score, b.Class, b.Label, b.Score)
		}
	}
}

// TestConcurrentCalls shares one Classifier among goroutines (run with
// -race): every call gets the answer a lone call gets.
func TestConcurrentCalls(t *testing.T) {
	c, err := classify.NewClassifier(realModel(t), classify.Options{MaxResults: 3}, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	img := decode(t, filepath.Join(photos, "cat.jpg"))
	want, err := c.Classify(nil, img)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan string, 8)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 3 {
				got, err := c.Classify(nil, img)
				if err != nil || len(got) != 3 || got[0] != want[0] || got[2] != want[2] {
					errs <- fmt.Sprintf("%v %v, want %v", got, err, want)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

// TestNewClassifierChecks: a nil model, a detector, a model without its
// network, no runner, a bad option: each an error that says so, never a
// panic.
func TestNewClassifierChecks(t *testing.T) {
	good := realModel(t)
	g, err := tflite.LoadGraph(shareddata.Path(t, "models", "tflite", "coco_ssd_mobilenet_v1_1.0_quant_2018_06_29.tflite"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		m    *models.Model
		opts classify.Options
		n    int
		want string
	}{
		{"nil model", nil, classify.Options{}, 1, "no model"},
		{"a detector", models.FromDetector("coco", g, []string{"person"}), classify.Options{}, 1, `"detect" model, not a classifier`},
		{"no network", &models.Model{Name: "empty", Task: models.Classify}, classify.Options{}, 1, "model empty: models: no model"},
		{"no runner", good, classify.Options{}, 0, "0 concurrent calls"},
		{"negative runners", good, classify.Options{}, -3, "-3 concurrent calls"},
		{"unknown class", good, classify.Options{Allow: []string{"tabby", "unicorn"}}, 1, `Allow: no class is named "unicorn"`},
		{"bad MaxResults", good, classify.Options{MaxResults: -7}, 1, "MaxResults -7"},
	} {
		cl, err := classify.NewClassifier(c.m, c.opts, c.n)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error saying %q", c.name, err, c.want)
		}
		if cl != nil {
			t.Errorf("%s: a Classifier came back with the error", c.name)
		}
	}
	if _, err := classify.NewClassifier(nil, classify.Options{}, 1); !errors.Is(err, models.ErrNoModel) {
		t.Errorf("nil model: %v, want models.ErrNoModel", err)
	}
}

// TestAllResults: MaxResults beyond 10, and all of them.
func TestAllResults(t *testing.T) {
	img := decode(t, filepath.Join(photos, "parrot.jpg"))
	for _, c := range []struct{ max, want int }{{25, 25}, {classify.AllResults, 1000}} {
		cl, err := classify.NewClassifier(realModel(t), classify.Options{MaxResults: c.max}, 1)
		if err != nil {
			t.Fatal(err)
		}
		top, err := cl.Classify(nil, img)
		cl.Close()
		if err != nil {
			t.Fatal(err)
		}
		// A float model's softmax leaves no class at exactly 0.
		if len(top) != c.want || top[0].Label != "macaw" {
			t.Errorf("MaxResults %d: %d classes, best %q; want %d, macaw first", c.max, len(top), top[0].Label, c.want)
		}
		for i := 1; i < len(top); i++ {
			if top[i].Score > top[i-1].Score {
				t.Fatalf("MaxResults %d: class %d scores more than the one before it", c.max, i)
			}
		}
	}
}

// TestBadImages: nil, empty and short inputs are errors, not panics.
func TestBadImages(t *testing.T) {
	c, err := classify.NewClassifier(realModel(t), classify.Options{}, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for name, img := range map[string]image.Image{"nil": nil, "nil *image.RGBA": (*image.RGBA)(nil), "empty": image.NewRGBA(image.Rect(3, 3, 3, 9))} {
		if _, err := c.Classify(nil, img); !errors.Is(err, classify.ErrFrame) {
			t.Errorf("%s image: %v, want ErrFrame", name, err)
		}
	}
	if _, err := c.ClassifyTensor(nil, make([]byte, 100)); !errors.Is(err, classify.ErrFrame) || !strings.Contains(err.Error(), "100 bytes") {
		t.Errorf("a short tensor: %v, want ErrFrame naming its length", err)
	}
}

// TestZeroClassifier: a zero Classifier, or a nil one, was not made by
// NewClassifier: its calls return ErrClosed at once (not wait forever
// for a runner it does not have, nor panic), and Close does nothing.
func TestZeroClassifier(t *testing.T) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		for name, c := range map[string]*classify.Classifier{"zero": {}, "nil": nil} {
			if _, err := c.Classify(nil, image.NewGray(image.Rect(0, 0, 8, 8))); !errors.Is(err, classify.ErrClosed) {
				t.Errorf("%s Classifier: Classify: %v, want ErrClosed", name, err)
			}
			if _, err := c.ClassifyTensor(nil, make([]byte, 224*224*3)); !errors.Is(err, classify.ErrClosed) {
				t.Errorf("%s Classifier: ClassifyTensor: %v, want ErrClosed", name, err)
			}
			if n := c.InputSize(); n != 0 {
				t.Errorf("%s Classifier: InputSize %d", name, n)
			}
			if err := c.Close(); err != nil {
				t.Errorf("%s Classifier: Close: %v", name, err)
			}
		}
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("a zero Classifier's call still waits 10 s later")
	}
}

// TestClose: calls after Close fail with ErrClosed, a second Close does
// nothing, and Close waits for the calls under way (run with -race).
func TestClose(t *testing.T) {
	c, err := classify.NewClassifier(realModel(t), classify.Options{}, 2)
	if err != nil {
		t.Fatal(err)
	}
	img := image.NewGray(image.Rect(0, 0, 64, 48))
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 3 {
				if _, err := c.Classify(nil, img); err != nil && !errors.Is(err, classify.ErrClosed) {
					t.Error(err)
				}
			}
		}()
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	if _, err := c.Classify(nil, img); !errors.Is(err, classify.ErrClosed) {
		t.Errorf("Classify after Close: %v, want ErrClosed", err)
	}
	if _, err := c.ClassifyTensor(nil, make([]byte, 224*224*3)); !errors.Is(err, classify.ErrClosed) {
		t.Errorf("ClassifyTensor after Close: %v, want ErrClosed", err)
	}
	if err := c.Close(); err != nil {
		t.Errorf("a second Close: %v", err)
	}
}

// TestClassifyAllocatesNothing: once warm, a call allocates nothing for
// each image type with a fast path, and for the standard library's other
// types (through RGBA64At).
func TestClassifyAllocatesNothing(t *testing.T) {
	c, err := classify.NewClassifier(realModel(t), classify.Options{MaxResults: 3}, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	r := image.Rect(0, 0, 320, 240)
	cmyk := image.NewCMYK(r) // what image/jpeg gives for a CMYK file
	for i := range cmyk.Pix {
		cmyk.Pix[i] = uint8(i*7) | 0x80
	}
	for _, img := range []image.Image{decode(t, filepath.Join(photos, "cat.jpg")), image.NewRGBA(r), image.NewNRGBA(r),
		image.NewGray(r), image.NewYCbCr(r, image.YCbCrSubsampleRatio422), cmyk} {
		dst := make([]classify.Prediction, 0, 3)
		if a := testing.AllocsPerRun(3, func() { dst, _ = c.Classify(dst[:0], img) }); a != 0 {
			t.Errorf("%T: %v allocations per call", img, a)
		}
	}
}
