package detect_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"image"
	"image/jpeg"
	"math"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"gocv.io/x/gocv"

	"github.com/livecam/livecam/detect"
	"github.com/livecam/livecam/internal/cvprep"
	"github.com/livecam/livecam/internal/testrig/shareddata"
	"github.com/livecam/livecam/models"
	"github.com/livecam/livecam/net/mobilenet"
	"github.com/livecam/livecam/net/tflite"
)

const cocoModel = "coco_ssd_mobilenet_v1_1.0_quant_2018_06_29"

var (
	graphOnce sync.Once
	graph     *tflite.Graph
	graphErr  error
)

// cocoDetector loads the COCO detector from ../shared (its graph once per
// test binary).
func cocoDetector(tb testing.TB) *models.Model {
	tb.Helper()
	path := shareddata.Path(tb, "models", "tflite", cocoModel+".tflite")
	graphOnce.Do(func() { graph, graphErr = tflite.LoadGraph(path) })
	if graphErr != nil {
		tb.Fatal(graphErr)
	}
	l, err := mobilenet.LoadLabels(shareddata.Path(tb, "models", "tflite", "coco_ssd_mobilenet_v1_labelmap.txt"))
	if err != nil {
		tb.Fatal(err)
	}
	return models.FromDetector(cocoModel, graph, detect.Labels(l))
}

// newDetector returns a Detector of the COCO model with filter f.
func newDetector(tb testing.TB, f detect.Filter) *detect.Detector {
	tb.Helper()
	d, err := detect.New(cocoDetector(tb), f, 1)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { d.Close() })
	return d
}

// golden is one row of golden-detect/predictions.tsv.
type golden struct {
	class int
	label string
	score float32
	norm  [4]float32
}

func readPredictions(tb testing.TB) map[string][]golden {
	data := shareddata.ReadFile(tb, "golden-detect", "predictions.tsv")
	out := map[string][]golden{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Scan() // header
	for sc.Scan() {
		f := strings.Split(sc.Text(), "\t")
		if len(f) != 11 {
			tb.Fatalf("predictions.tsv: %q", sc.Text())
		}
		var g golden
		g.class, _ = strconv.Atoi(f[2])
		g.label = f[3]
		s, _ := strconv.ParseFloat(f[5], 32)
		g.score = float32(s)
		for i := range 4 {
			v, err := strconv.ParseFloat(f[6+i], 32)
			if err != nil {
				tb.Fatal(err)
			}
			g.norm[i] = float32(v)
		}
		name := strings.TrimSuffix(f[0], ".rgb")
		out[name] = append(out[name], g)
	}
	return out
}

// storedImages are the golden-detect images whose input tensors are stored.
var storedImages = []string{"coral_cat", "coral_grace_hopper", "coral_kite_and_cold", "coral_face",
	"coral_posenet_test_image", "coral_traffic_frames_0001", "coral_imprinting_dog_test_0",
	"coral_imprinting_cat_test_0", "coral_owl", "video_short_vga_f0022",
	"video_slideshow_480p_noisy_f0060", "video_slideshow_720p_f0090"}

// TestDetectTensorIsTFLite: fed TFLite's own input tensors, the Detector
// reports TensorFlow Lite's ten detections of each image, in its order,
// with its classes, labels, scores and boxes bit for bit, and pixel boxes
// that are the normalized ones scaled to the image.
func TestDetectTensorIsTFLite(t *testing.T) {
	d := newDetector(t, detect.Filter{})
	want := readPredictions(t)
	for _, name := range storedImages {
		rgb := shareddata.ReadFile(t, "golden-detect", name+".rgb")
		got, err := d.DetectTensor(nil, rgb, 640, 480)
		if err != nil {
			t.Fatal(err)
		}
		w := want[name]
		if len(got) != len(w) || len(w) != 10 {
			t.Fatalf("%s: %d objects, want %d (10)", name, len(got), len(w))
		}
		for i, o := range got {
			g := w[i]
			if o.Class != g.class || o.Label != g.label || math.Float32bits(o.Score) != math.Float32bits(g.score) {
				t.Errorf("%s #%d: %d %q %v, want %d %q %v", name, i, o.Class, o.Label, o.Score, g.class, g.label, g.score)
			}
			for k := range 4 {
				if math.Float32bits(o.Norm[k]) != math.Float32bits(g.norm[k]) {
					t.Errorf("%s #%d: norm %v, want %v", name, i, o.Norm, g.norm)
					break
				}
			}
			if o.Box != detect.PixelBox(g.norm, 640, 480) {
				t.Errorf("%s #%d: box %v, want %v", name, i, o.Box, detect.PixelBox(g.norm, 640, 480))
			}
		}
	}
}

// TestDetectOnPhotos runs the two paths a user's photo can take: Go's
// JPEG decoder and the pure Go stretch to 300x300 (Detect), and OpenCV's
// decoder and resize (the pipeline's path: cvprep, then DetectTensor).
// Their bytes differ from the reference's ffmpeg, so scores may move a
// little, but every demo photo's best object must be TFLite's, in the
// same place, either way.
func TestDetectOnPhotos(t *testing.T) {
	d := newDetector(t, detect.Filter{MinScore: 0.5})
	pre := cvprep.Stretch(d.InputSize())
	defer pre.Close()
	want := readPredictions(t)
	for _, name := range []string{"bird", "cat", "grace_hopper", "hot_dog", "parrot", "pets"} {
		file := shareddata.Path(t, "demo", name+".jpg")
		f, err := os.Open(file)
		if err != nil {
			t.Fatal(err)
		}
		img, err := jpeg.Decode(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		fromImage, err := d.Detect(nil, img)
		if err != nil {
			t.Fatal(err)
		}
		mat := gocv.IMRead(file, gocv.IMReadColor)
		w, h := mat.Cols(), mat.Rows()
		rgb, err := pre.RGB(mat)
		var fromMat []detect.Object
		if err == nil {
			fromMat, err = d.DetectTensor(nil, rgb, w, h)
		}
		mat.Close()
		if err != nil {
			t.Fatal(err)
		}
		if img.Bounds() != image.Rect(0, 0, w, h) {
			t.Fatalf("%s: Go decodes %v, OpenCV %dx%d", name, img.Bounds(), w, h)
		}
		g := want["demo_"+name][0]
		for path, got := range map[string][]detect.Object{"image.Image": fromImage, "Mat": fromMat} {
			if len(got) == 0 {
				t.Errorf("%s, %s: nothing found, want %s", name, path, g.label)
				continue
			}
			o := got[0]
			wantBox := detect.PixelBox(g.norm, w, h)
			if o.Label != g.label || iou(o.Box, wantBox) < 0.9 {
				t.Errorf("%s, %s: best %s %v (%.2f), want %s %v (IoU %.2f)", name, path, o.Label, o.Box, o.Score, g.label, wantBox, iou(o.Box, wantBox))
			}
			for _, o := range got {
				if o.Score < 0.5 || !o.Box.In(image.Rect(0, 0, w, h)) {
					t.Errorf("%s, %s: %+v below the minimum score or outside the %dx%d image", name, path, o, w, h)
				}
			}
		}
	}
}

func iou(a, b image.Rectangle) float64 {
	in := a.Intersect(b)
	ia := float64(in.Dx() * in.Dy())
	u := float64(a.Dx()*a.Dy()+b.Dx()*b.Dy()) - ia
	if u <= 0 {
		return 0
	}
	return ia / u
}

func TestFilter(t *testing.T) {
	rgb := shareddata.ReadFile(t, "golden-detect", "coral_grace_hopper.rgb")
	for _, c := range []struct {
		f    detect.Filter
		want string
	}{
		{detect.Filter{MinScore: 0.5}, "person tie"},
		{detect.Filter{MinScore: 0.5, Deny: []string{"Tie"}}, "person"},
		{detect.Filter{MinScore: 0.3, Allow: []string{"tie", "cell phone"}}, "tie tie cell phone"},
		{detect.Filter{MinScore: 0.5, MinArea: 100 * 100}, "person"},
	} {
		d := newDetector(t, c.f)
		got, err := d.DetectTensor(nil, rgb, 300, 300)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, o := range got {
			names = append(names, o.Label)
		}
		if s := strings.Join(names, " "); s != c.want {
			t.Errorf("%+v: %q, want %q", c.f, s, c.want)
		}
	}
	if _, err := detect.New(cocoDetector(t), detect.Filter{Allow: []string{"unicorn"}}, 1); err == nil || !strings.Contains(err.Error(), `"unicorn"`) {
		t.Errorf("an unknown label: %v", err)
	}
}

// TestNewChecks: a nil model, a classifier, a model without its graph,
// no runner: each an error that says so, never a panic; and a closed
// Detector answers ErrClosed.
func TestNewChecks(t *testing.T) {
	coco := cocoDetector(t)
	cls := models.FromClassifier(shareddata.Model(t))
	for _, c := range []struct {
		name string
		m    *models.Model
		n    int
		want string
	}{
		{"nil model", nil, 1, "no model"},
		{"a classifier", cls, 1, `"classify" model, not a detector`},
		{"no graph", &models.Model{Name: "hollow", Task: models.Detect}, 1, "model hollow: models: no model"},
		{"no runner", coco, 0, "0 concurrent calls"},
	} {
		d, err := detect.New(c.m, detect.Filter{}, c.n)
		if err == nil || !strings.Contains(err.Error(), c.want) || d != nil {
			t.Errorf("%s: %v, want an error saying %q", c.name, err, c.want)
		}
	}
	d, err := detect.New(coco, detect.Filter{}, 2)
	if err != nil {
		t.Fatal(err)
	}
	for name, img := range map[string]image.Image{"nil": nil, "nil *image.YCbCr": (*image.YCbCr)(nil)} {
		if _, err := d.Detect(nil, img); !errors.Is(err, detect.ErrFrame) {
			t.Errorf("a %s image: %v, want ErrFrame", name, err)
		}
	}
	if _, err := d.DetectTensor(nil, make([]byte, 10), 640, 480); !errors.Is(err, detect.ErrFrame) {
		t.Errorf("a short tensor: %v, want ErrFrame", err)
	}
	d.Close()
	if _, err := d.Detect(nil, image.NewGray(image.Rect(0, 0, 8, 8))); !errors.Is(err, detect.ErrClosed) {
		t.Errorf("Detect after Close: %v, want ErrClosed", err)
	}
	if err := d.Close(); err != nil {
		t.Errorf("a second Close: %v", err)
	}
}

// TestZeroDetector: a zero Detector, or a nil one, was not made by New:
// its calls return ErrClosed at once (not wait forever for a runner it
// does not have, nor panic), and Close does nothing. Nil labels have no
// names.
func TestZeroDetector(t *testing.T) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		for name, d := range map[string]*detect.Detector{"zero": {}, "nil": nil} {
			if _, err := d.Detect(nil, image.NewGray(image.Rect(0, 0, 8, 8))); !errors.Is(err, detect.ErrClosed) {
				t.Errorf("%s Detector: Detect: %v, want ErrClosed", name, err)
			}
			if _, err := d.DetectTensor(nil, make([]byte, 300*300*3), 640, 480); !errors.Is(err, detect.ErrClosed) {
				t.Errorf("%s Detector: DetectTensor: %v, want ErrClosed", name, err)
			}
			if err := d.Close(); err != nil {
				t.Errorf("%s Detector: Close: %v", name, err)
			}
		}
		if l := detect.Labels(nil); l != nil {
			t.Errorf("Labels(nil) = %q", l)
		}
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("a zero Detector's call still waits 10 s later")
	}
}

func TestPixelBox(t *testing.T) {
	for _, c := range []struct {
		norm [4]float32
		w, h int
		want image.Rectangle
	}{
		{[4]float32{0.25, 0.5, 0.75, 1}, 640, 480, image.Rect(320, 120, 640, 360)},
		{[4]float32{-0.1, -0.00904655457, 0.5, 1.01424122}, 200, 100, image.Rect(0, 0, 200, 50)},
		{[4]float32{0.1, 0.1, 0.2, 0.2}, 1280, 720, image.Rect(128, 72, 256, 144)},
		{[4]float32{0.5, 0.5, 0.4, 0.4}, 10, 10, image.Rect(5, 5, 5, 5)},
		{[4]float32{float32(math.NaN()), 0, 1, 1}, 10, 10, image.Rect(0, 0, 10, 10)},
	} {
		if got := detect.PixelBox(c.norm, c.w, c.h); got != c.want {
			t.Errorf("PixelBox(%v, %d, %d) = %v, want %v", c.norm, c.w, c.h, got, c.want)
		}
	}
}

// TestJSONFloatsReadBack: a float32 prints as the shortest decimal that
// reads back to the same float32.
func TestJSONFloatsReadBack(t *testing.T) {
	o := detect.Object{Class: 0, Label: "person", Score: 0.71875,
		Norm: [4]float32{0.0486680567, -0.00904655457, 0.979373336, 1.01424122}, Box: image.Rect(1, 2, 11, 22)}
	b, err := json.Marshal(o.ToJSON())
	if err != nil {
		t.Fatal(err)
	}
	want := `{"class":0,"label":"person","score":0.71875,"norm":[0.048668057,-0.009046555,0.97937334,1.0142412],"box":[1,2,10,20]}`
	if string(b) != want {
		t.Errorf("got  %s\nwant %s", b, want)
	}
	var back struct{ Norm [4]float64 }
	json.Unmarshal(b, &back)
	for i, v := range back.Norm {
		if float32(v) != o.Norm[i] {
			t.Errorf("norm[%d] reads back as %v, want %v", i, float32(v), o.Norm[i])
		}
	}
}
