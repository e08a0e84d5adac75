package ssd

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/livecam/livecam/net/quant"
)

// Quantizations of the small cases: an anchor byte is a 64th, a box
// encoding byte is itself (so encoding 0 decodes to the anchor's own box:
// yc = ya, hh = ha/2, exactly), a score byte is a 256th as in the
// detector.
var (
	anchorQ64 = quant.Params{Scale: 1.0 / 64}
	boxQ1     = quant.Params{Scale: 1}
	scoreQ256 = quant.Params{Scale: 1.0 / 256}
)

// testBox is a box in 64ths (ymin, xmin, ymax, xmax) and its score bytes.
type testBox struct {
	box    [4]int
	scores []uint8 // per class, background excluded
}

// small builds a postprocess whose anchors are the boxes and runs it once
// with all-zero encodings; it returns the outputs.
func small(t *testing.T, o Options, bs []testBox) (boxes, classes, scores []float32, anchors []int) {
	t.Helper()
	nc := o.NumClasses + 1
	var anc, enc, sc []uint8
	for _, b := range bs {
		y, x, h, w := (b.box[0]+b.box[2])/2, (b.box[1]+b.box[3])/2, b.box[2]-b.box[0], b.box[3]-b.box[1]
		anc = append(anc, uint8(y), uint8(x), uint8(h), uint8(w))
		enc = append(enc, 0, 0, 0, 0)
		row := make([]uint8, nc)
		copy(row[1:], b.scores)
		sc = append(sc, row...)
	}
	p, err := New(o, anc, anchorQ64, boxQ1, scoreQ256, len(bs))
	if err != nil {
		t.Fatal(err)
	}
	boxes, classes, scores = make([]float32, 4*o.MaxDetections), make([]float32, o.MaxDetections), make([]float32, o.MaxDetections)
	for i := range boxes {
		boxes[i] = -7 // stale memory
	}
	w := p.NewWork()
	n := p.Run(w, boxes, classes, scores, enc, sc)
	if n != len(w.Anchors()) {
		t.Fatalf("Run returned %d, Anchors has %d", n, len(w.Anchors()))
	}
	return boxes[:4*n], classes[:n], scores[:n], w.Anchors()
}

func smallOptions(numClasses int) Options {
	return Options{MaxDetections: 5, MaxClassesPerDetection: 1, NumClasses: numClasses,
		ScoreThreshold: 1e-8, IoUThreshold: 0.5, YScale: 10, XScale: 10, HScale: 5, WScale: 5}
}

func wantAnchors(t *testing.T, got []int, want ...int) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("anchors %v, want %v", got, want)
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("anchors %v, want %v", got, want)
		}
	}
}

// TestFirstMaximum: an anchor whose classes tie takes the first one.
func TestFirstMaximum(t *testing.T) {
	_, classes, scores, _ := small(t, smallOptions(8), []testBox{
		{[4]int{0, 0, 64, 64}, []uint8{1, 2, 3, 200, 5, 6, 7, 200}},
	})
	if len(classes) != 1 || classes[0] != 3 || scores[0] != 200.0/256 {
		t.Errorf("classes %v scores %v, want [3] [%v]", classes, scores, 200.0/256)
	}
}

// TestStableOrder: equal scores keep anchor order.
func TestStableOrder(t *testing.T) {
	_, _, _, anchors := small(t, smallOptions(1), []testBox{
		{[4]int{0, 0, 16, 16}, []uint8{100}},
		{[4]int{0, 32, 16, 48}, []uint8{150}},
		{[4]int{32, 0, 48, 16}, []uint8{100}},
		{[4]int{32, 32, 48, 48}, []uint8{100}},
	})
	wantAnchors(t, anchors, 1, 0, 2, 3)
}

// TestStrictIoU: a box whose IoU with a taken one is exactly the
// threshold (0.5) survives; one above it does not.
func TestStrictIoU(t *testing.T) {
	_, _, _, anchors := small(t, smallOptions(1), []testBox{
		{[4]int{0, 0, 64, 64}, []uint8{200}},
		{[4]int{0, 0, 64, 48}, []uint8{150}}, // IoU 0.75
		{[4]int{0, 0, 64, 32}, []uint8{100}}, // IoU 0.5
	})
	wantAnchors(t, anchors, 0, 2)
	if IoU([4]float32{0, 0, 1, 1}, [4]float32{0, 0, 1, 0.5}) != 0.5 {
		t.Error("IoU is not 0.5")
	}
}

// TestSuppressedSuppressesNothing: B is suppressed by A; C overlaps B
// above the threshold but A below it, so C is taken.
func TestSuppressedSuppressesNothing(t *testing.T) {
	boxes, _, _, anchors := small(t, smallOptions(1), []testBox{
		{[4]int{0, 0, 64, 64}, []uint8{200}},  // A
		{[4]int{0, 16, 64, 80}, []uint8{150}}, // B: IoU(A, B) 0.6
		{[4]int{0, 32, 64, 96}, []uint8{100}}, // C: IoU(A, C) 1/3, IoU(B, C) 0.6
	})
	wantAnchors(t, anchors, 0, 2)
	want := []float32{0, 0, 1, 1, 0, 0.5, 1, 1.5}
	for i := range want {
		if boxes[i] != want[i] {
			t.Fatalf("boxes %v, want %v", boxes, want)
		}
	}
}

// TestClassAgnostic: a box of another class is suppressed all the same.
func TestClassAgnostic(t *testing.T) {
	_, classes, _, anchors := small(t, smallOptions(2), []testBox{
		{[4]int{0, 0, 64, 64}, []uint8{200, 0}},
		{[4]int{0, 0, 64, 60}, []uint8{0, 150}},
	})
	wantAnchors(t, anchors, 0)
	if classes[0] != 0 {
		t.Errorf("classes %v", classes)
	}
}

// TestScoreThreshold: candidates have score >= threshold; rows past the
// count are zeroed.
func TestScoreThreshold(t *testing.T) {
	o := smallOptions(1)
	o.ScoreThreshold = 0.5
	boxes, _, scores, anchors := small(t, o, []testBox{
		{[4]int{0, 0, 16, 16}, []uint8{127}},
		{[4]int{0, 32, 16, 48}, []uint8{128}},
		{[4]int{32, 0, 48, 16}, []uint8{0}},
	})
	wantAnchors(t, anchors, 1)
	if scores[0] != 0.5 {
		t.Errorf("score %v", scores[0])
	}
	full := boxes[:cap(boxes)]
	for i := 4; i < len(full); i++ {
		if full[i] != 0 {
			t.Fatalf("row %d past the count is %v, want zeroed", i/4, full[i:i+4])
		}
	}
}

// TestMaxDetections: NMS stops at MaxDetections.
func TestMaxDetections(t *testing.T) {
	o := smallOptions(1)
	o.MaxDetections = 2
	_, _, _, anchors := small(t, o, []testBox{
		{[4]int{0, 0, 16, 16}, []uint8{10}},
		{[4]int{0, 32, 16, 48}, []uint8{20}},
		{[4]int{32, 0, 48, 16}, []uint8{30}},
	})
	wantAnchors(t, anchors, 2, 1)
}

// TestIoU: the formula's edge cases.
func TestIoU(t *testing.T) {
	nan := float32(math.NaN())
	inf := float32(math.Inf(1))
	cases := []struct {
		a, b [4]float32
		want float32
	}{
		{[4]float32{0, 0, 1, 1}, [4]float32{0, 0, 1, 1}, 1},
		{[4]float32{0, 0, 1, 1}, [4]float32{2, 2, 3, 3}, 0},
		{[4]float32{0, 0, 1, 1}, [4]float32{0.5, 0.5, 1.5, 1.5}, 0.25 / 1.75},
		{[4]float32{0, 0, 0, 1}, [4]float32{0, 0, 1, 1}, 0},   // empty a
		{[4]float32{0, 0, 1, 1}, [4]float32{1, 1, 0, 0}, 0},   // inverted b
		{[4]float32{nan, 0, 1, 1}, [4]float32{0, 0, 1, 1}, 0}, // NaN area: not <= 0
		{[4]float32{0, 0, inf, inf}, [4]float32{0, 0, 1, 1}, 0},
	}
	for _, c := range cases {
		got := IoU(c.a, c.b)
		if c.a[0] != c.a[0] {
			if got == got {
				t.Errorf("IoU(%v, %v) = %v, want NaN", c.a, c.b, got)
			}
			continue
		}
		if got != c.want {
			t.Errorf("IoU(%v, %v) = %v, want %v", c.a, c.b, got, c.want)
		}
	}
}

// TestRunExtremeBoxes: encodings that decode to infinities and NaNs (a
// huge box scale) run without a panic.
func TestRunExtremeBoxes(t *testing.T) {
	o := smallOptions(1)
	anc := []uint8{0, 0, 255, 255, 128, 128, 0, 0, 255, 0, 255, 255}
	enc := []uint8{255, 0, 255, 255, 0, 255, 0, 255, 128, 128, 128, 128}
	sc := []uint8{0, 9, 0, 9, 0, 9}
	p, err := New(o, anc, anchorQ64, quant.Params{Scale: 1e30, ZeroPoint: 128}, scoreQ256, 3)
	if err != nil {
		t.Fatal(err)
	}
	b, c, s := make([]float32, 20), make([]float32, 5), make([]float32, 5)
	if n := p.Run(p.NewWork(), b, c, s, enc, sc); n < 1 || n > 3 {
		t.Errorf("count %d", n)
	}
}

// TestRunPanicsOnShortSlices: a programming error, said clearly.
func TestRunPanicsOnShortSlices(t *testing.T) {
	p, err := New(smallOptions(1), make([]uint8, 4), anchorQ64, boxQ1, scoreQ256, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(string), "want 20, 5, 5") {
			t.Errorf("recovered %v", r)
		}
	}()
	p.Run(p.NewWork(), make([]float32, 19), make([]float32, 5), make([]float32, 5), make([]uint8, 4), make([]uint8, 2))
}

// TestNewRefuses: unsupported and senseless options and quantizations.
func TestNewRefuses(t *testing.T) {
	ok := smallOptions(1)
	cases := []struct {
		name    string
		change  func(*Options)
		anchors int
		aq, bq  quant.Params
		sq      quant.Params
		err     string
	}{
		{"regular NMS", func(o *Options) { o.UseRegularNMS = true }, 4, anchorQ64, boxQ1, scoreQ256, "regular NMS is not supported"},
		{"2 classes per detection", func(o *Options) { o.MaxClassesPerDetection = 2 }, 4, anchorQ64, boxQ1, scoreQ256, "max_classes_per_detection 2 is not supported"},
		{"0 classes per detection", func(o *Options) { o.MaxClassesPerDetection = 0 }, 4, anchorQ64, boxQ1, scoreQ256, "max_classes_per_detection 0 is not supported"},
		{"0 detections", func(o *Options) { o.MaxDetections = 0 }, 4, anchorQ64, boxQ1, scoreQ256, "max_detections 0"},
		{"0 classes", func(o *Options) { o.NumClasses = 0 }, 4, anchorQ64, boxQ1, scoreQ256, "num_classes 0"},
		{"IoU 0", func(o *Options) { o.IoUThreshold = 0 }, 4, anchorQ64, boxQ1, scoreQ256, "nms_iou_threshold 0 is not in (0, 1]"},
		{"IoU NaN", func(o *Options) { o.IoUThreshold = float32(math.NaN()) }, 4, anchorQ64, boxQ1, scoreQ256, "nms_iou_threshold NaN"},
		{"score NaN", func(o *Options) { o.ScoreThreshold = float32(math.NaN()) }, 4, anchorQ64, boxQ1, scoreQ256, "nms_score_threshold is NaN"},
		{"h_scale 0", func(o *Options) { o.HScale = 0 }, 4, anchorQ64, boxQ1, scoreQ256, "h_scale 0 is not a positive number"},
		{"anchor bytes", func(o *Options) {}, 5, anchorQ64, boxQ1, scoreQ256, "5 anchor bytes for 1 anchors"},
		{"anchor scale", func(o *Options) {}, 4, quant.Params{}, boxQ1, scoreQ256, "the anchors' quantization (scale 0, zero point 0)"},
		{"box zero point", func(o *Options) {}, 4, anchorQ64, quant.Params{Scale: 1, ZeroPoint: 300}, scoreQ256, "the box encodings' quantization"},
		{"huge score scale", func(o *Options) {}, 4, anchorQ64, boxQ1, quant.Params{Scale: 3e38}, "gives bytes 254 and 255 the same score"},
	}
	// A crafted file asking for 512 anchors × 65536 detections: NMS
	// would compare each candidate with every box taken.
	big := ok
	big.MaxDetections = 1 << 16
	if _, err := New(big, make([]uint8, 4*512), anchorQ64, boxQ1, scoreQ256, 512); err == nil || !strings.Contains(err.Error(), "more suppression work per frame") {
		t.Errorf("512 anchors × 65536 detections: %v", err)
	}
	for _, c := range cases {
		o := ok
		c.change(&o)
		_, err := New(o, make([]uint8, c.anchors), c.aq, c.bq, c.sq, 1)
		if err == nil || !strings.Contains(err.Error(), c.err) {
			t.Errorf("%s: %v, want an error with %q", c.name, err, c.err)
		}
		if (c.name == "regular NMS" || c.name == "2 classes per detection") && !errors.Is(err, ErrUnsupported) {
			t.Errorf("%s: %v is not ErrUnsupported", c.name, err)
		}
	}
}
