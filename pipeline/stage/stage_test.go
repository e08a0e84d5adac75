package stage_test

import (
	"image"
	"math"
	"testing"
	"time"

	"gocv.io/x/gocv"

	"github.com/livecam/livecam/detect"
	"github.com/livecam/livecam/overlay"
	"github.com/livecam/livecam/pipeline"
	"github.com/livecam/livecam/pipeline/stage"
	"github.com/livecam/livecam/track"
)

func TestEvery(t *testing.T) {
	g := stage.Every(3)
	for f := int64(0); f < 10; f++ {
		if got := g.Classify(f, time.Time{}); got != (f%3 == 0) {
			t.Errorf("frame %d: %v", f, got)
		}
	}
}

func TestMaxRate(t *testing.T) {
	g := stage.MaxRate(4) // one every 250 ms
	start := time.Unix(100, 0)
	n := 0
	for ms := 0; ms < 1000; ms += 10 {
		if g.Classify(0, start.Add(time.Duration(ms)*time.Millisecond)) {
			n++
		}
	}
	if n != 4 {
		t.Errorf("%d classified in 1 s at MaxRate 4", n)
	}
	if g := stage.MaxRate(0); !g.Classify(0, start) || !g.Classify(1, start) {
		t.Error("MaxRate(0) should classify every frame")
	}
}

func TestSmoothChecksWeight(t *testing.T) {
	for _, a := range []float64{0, -0.1, 1.5, math.NaN()} {
		if _, err := stage.Smooth(a); err == nil {
			t.Errorf("Smooth(%v) accepted", a)
		}
	}
}

// TestOverlayDrawsAndPassesOn: the overlay draws on the frame (pixels
// change), passes the frame to the next sink, and closes it.
func TestOverlayDrawsAndPassesOn(t *testing.T) {
	img := gocv.NewMatWithSize(240, 320, gocv.MatTypeCV8UC3)
	defer img.Close()
	var res pipeline.Result
	res.Time = time.Now()
	passed, closed := 0, false
	next := &recorder{write: func(o *pipeline.Output) error { passed++; return nil }, close: func() { closed = true }}
	sink := stage.Overlay(nil)(next)
	if err := sink.Write(&pipeline.Output{Image: img, Result: &res, Model: "m"}); err != nil {
		t.Fatal(err)
	}
	if gocv.CountNonZero(img.Reshape(1, 0)) == 0 {
		t.Error("nothing was drawn")
	}
	sink.Close()
	if passed != 1 || !closed {
		t.Errorf("passed %d frames on, closed %v", passed, closed)
	}
}

type recorder struct {
	write func(o *pipeline.Output) error
	close func()
}

func (r *recorder) Write(o *pipeline.Output) error { return r.write(o) }
func (r *recorder) Close() error                   { r.close(); return nil }

// TestSmoothAlone runs Smooth on Outputs a test makes: the first frame's
// probabilities pass as they are, the next are averaged, and the reported
// classes are ranked from the average.
func TestSmoothAlone(t *testing.T) {
	smooth, err := stage.Smooth(0.5)
	if err != nil {
		t.Fatal(err)
	}
	var seen [][]float32
	var best []int
	sink := smooth(&recorder{write: func(o *pipeline.Output) error {
		seen = append(seen, append([]float32(nil), o.Probs...))
		best = append(best, o.Result.Top()[0].Class)
		return nil
	}, close: func() {}})
	for _, probs := range [][]float32{{0.9, 0.1, 0}, {0, 0.1, 0.9}, {0, 0.1, 0.9}} {
		res := pipeline.Result{Inferred: true}
		if err := sink.Write(&pipeline.Output{Result: &res, Probs: probs}); err != nil {
			t.Fatal(err)
		}
	}
	want := [][]float32{{0.9, 0.1, 0}, {0.45, 0.1, 0.45}, {0.225, 0.1, 0.675}}
	for i := range want {
		for c := range want[i] {
			if math.Abs(float64(seen[i][c]-want[i][c])) > 1e-6 {
				t.Fatalf("frame %d: %v, want %v", i, seen[i], want[i])
			}
		}
	}
	if best[0] != 0 || best[2] != 2 {
		t.Errorf("best classes %v, want 0 first and 2 last", best)
	}
}

// TestOverlayDrawsObjectsAndZones: a detector's objects are drawn as
// outlines in their class's colour with the inside left as it was, the
// zones of Output.Zones are outlined (again when they change), and the
// stage allocates nothing per frame.
func TestOverlayDrawsObjectsAndZones(t *testing.T) {
	const grey = 128
	img := gocv.NewMatWithSize(240, 320, gocv.MatTypeCV8UC3)
	defer img.Close()
	var res pipeline.Result
	res.Time = time.Now()
	res.SetObjects([]detect.Object{{Class: 17, Label: "dog", Score: 0.9, ID: 3, Box: image.Rect(40, 60, 140, 200)}})
	zoneA := []track.Zone{{Name: "a", Points: [][2]float64{{200, 20}, {300, 20}, {300, 120}, {200, 120}}}}
	zoneB := []track.Zone{{Name: "b", Points: [][2]float64{{180, 140}, {310, 140}, {310, 230}, {180, 230}}}}
	sink := stage.Overlay(&overlay.Options{HideStatus: true})(&recorder{write: func(*pipeline.Output) error { return nil }, close: func() {}})
	out := &pipeline.Output{Image: img, Result: &res, Model: "ssd", Zones: zoneA}
	draw := func(zones []track.Zone) {
		img.SetTo(gocv.NewScalar(grey, grey, grey, 0))
		out.Zones = zones
		if err := sink.Write(out); err != nil {
			t.Fatal(err)
		}
	}
	at := func(x, y int) [3]uint8 {
		v := img.GetVecbAt(y, x)
		return [3]uint8{v[0], v[1], v[2]}
	}
	isGrey := func(x, y int) bool { return at(x, y) == [3]uint8{grey, grey, grey} }
	draw(zoneA)
	c := overlay.ClassColor(17)
	if got, want := at(40, 150), [3]uint8{c.B, c.G, c.R}; got != want {
		t.Errorf("the dog's left edge is %v, want its class colour %v", got, want)
	}
	if !isGrey(90, 130) {
		t.Errorf("inside the dog's box: %v, want the picture as it was", at(90, 130))
	}
	if isGrey(250, 120) || isGrey(300, 70) {
		t.Errorf("zone a's outline not drawn: %v, %v", at(250, 120), at(300, 70))
	}
	if !isGrey(280, 100) || !isGrey(250, 230) {
		t.Errorf("drawn where there is nothing: %v inside zone a, %v on zone b's edge", at(280, 100), at(250, 230))
	}
	draw(zoneB)
	if isGrey(250, 230) || !isGrey(250, 120) {
		t.Errorf("after the zones changed: zone b's edge %v, zone a's %v", at(250, 230), at(250, 120))
	}
	if a := testing.AllocsPerRun(50, func() { sink.Write(out) }); a != 0 {
		t.Errorf("%v allocations per frame", a)
	}
}
