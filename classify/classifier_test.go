package classify_test

import (
	"fmt"
	"image/jpeg"
	"log"
	"math"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"gocv.io/x/gocv"

	"github.com/livecam/livecam/classify"
	"github.com/livecam/livecam/internal/shareddata"
	"github.com/livecam/livecam/net/mobilenet"
	"github.com/livecam/livecam/net/tfjs"
)

func realModel(tb testing.TB) *mobilenet.Model { return shareddata.Model(tb) }

const photos = "../testdata/images/demo"

// TestImageAndMatAgree labels each demo photo twice, decoded by Go's
// image/jpeg (*image.YCbCr) and by OpenCV: the same class must win, with
// nearly the same score (the decoders round differently).
func TestImageAndMatAgree(t *testing.T) {
	c, err := classify.NewClassifier(realModel(t), classify.Options{MaxResults: 1}, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	files, _ := filepath.Glob(filepath.Join(photos, "*.jpg"))
	if len(files) != 8 {
		t.Fatalf("%d demo photos, want 8", len(files))
	}
	for _, file := range files {
		f, err := os.Open(file)
		if err != nil {
			t.Fatal(err)
		}
		img, err := jpeg.Decode(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		fromImage, err := c.Classify(nil, img)
		if err != nil {
			t.Fatal(err)
		}
		mat := gocv.IMRead(file, gocv.IMReadColor)
		fromMat, err := c.ClassifyMat(nil, mat)
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
	mat := gocv.IMRead(filepath.Join(photos, "cat.jpg"), gocv.IMReadColor)
	defer mat.Close()
	want, err := c.ClassifyMat(nil, mat)
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
				got, err := c.ClassifyMat(nil, mat)
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

// Label one photo, no pipeline needed; the options keep the best class
// only, and only if it scores at least 0.3.
func ExampleClassifier() {
	m, err := tfjs.Load(filepath.Join("..", "..", "shared", "models", "mobilenet_v1_0.75_224"))
	if err != nil {
		log.Fatal(err)
	}
	c, err := classify.NewClassifier(m, classify.Options{MaxResults: 1, MinScore: 0.3}, 1)
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	f, err := os.Open("../testdata/images/demo/parrot.jpg")
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	img, err := jpeg.Decode(f) // an *image.YCbCr
	if err != nil {
		log.Fatal(err)
	}
	top, err := c.Classify(nil, img)
	if err != nil {
		log.Fatal(err)
	}
	for _, p := range top {
		fmt.Println(p.Class, p.WNID, p.Label)
	}
	// Output: 88 n01818515 macaw
}
