package classify_test

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"testing"

	"gocv.io/x/gocv"

	"github.com/livecam/livecam/classify"
	"github.com/livecam/livecam/internal/cvprep"
	"github.com/livecam/livecam/internal/testrig/shareddata"
	"github.com/livecam/livecam/internal/testrig/testmode"
	"github.com/livecam/livecam/models"
	"github.com/livecam/livecam/net/mobilenet"
	"github.com/livecam/livecam/net/tflite"
)

// TestAccuracyAsThePipelineSees measures top-1 accuracy on the 500 shared
// ImageNet images with livecam's own preprocessing (OpenCV's JPEG decoder,
// the centre square, OpenCV's bilinear resize), the one the pipeline and
// `livecam classify` use, for the default float32 model and Google's three
// quantized files. The golden data's figures use ffmpeg's whole-image
// resize instead (72.0%, 64.6% and 40.0% for the quantized files). Each
// model must reach its floor; the counts are logged.
func TestAccuracyAsThePipelineSees(t *testing.T) {
	if testmode.Race {
		t.Skip("2000 classifications: the plain runs have them (make test and make check)")
	}
	truth := map[string]int{}
	f, err := os.Open(shareddata.Path(t, "imagenet", "ground_truth.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(f)
	sc.Scan()
	for sc.Scan() {
		c := strings.Split(sc.Text(), "\t")
		truth[c[0]], _ = strconv.Atoi(c[1])
	}
	f.Close()
	if len(truth) != 500 {
		t.Fatalf("%d ground truth rows, want 500", len(truth))
	}
	labels, err := mobilenet.LoadLabels(shareddata.Path(t, "models", "tflite", "imagenet_labels.txt"))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name   string
		offset int // 1 for the 1001-class files (index 0 is "background")
		floor  int // correct top-1 answers required of 500
	}{
		{"mobilenet_v1_0.75_224", 0, 425},
		{"mobilenet_v1_0.75_192_quant", 1, 390},
		{"mobilenet_v1_0.5_160_quant", 1, 325},
		{"mobilenet_v1_0.25_128_quant", 1, 225},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := realModel(t)
			if c.offset == 1 {
				q, err := tflite.Load(shareddata.Path(t, "models", "tflite", c.name+".tflite"), labels)
				if err != nil {
					t.Fatal(err)
				}
				m = models.FromClassifier(q)
			}
			cl, err := classify.NewClassifier(m, classify.Options{MaxResults: 1}, 1)
			if err != nil {
				t.Fatal(err)
			}
			defer cl.Close()
			pre := cvprep.Square(cl.InputSize())
			defer pre.Close()
			correct := 0
			for file, class := range truth {
				img := gocv.IMRead(shareddata.Path(t, "imagenet", file), gocv.IMReadColor)
				rgb, err := pre.RGB(img)
				var top []classify.Prediction
				if err == nil {
					top, err = cl.ClassifyTensor(nil, rgb)
				}
				img.Close()
				if err != nil {
					t.Fatalf("%s: %v", file, err)
				}
				if len(top) > 0 && top[0].Class == class+c.offset {
					correct++
				}
			}
			t.Logf("%s: top-1 %d/500 (%.1f%%) with livecam's preprocessing", c.name, correct, float64(correct)/5)
			if correct < c.floor {
				t.Errorf("%s: top-1 %d/500, want at least %d", c.name, correct, c.floor)
			}
		})
	}
}
