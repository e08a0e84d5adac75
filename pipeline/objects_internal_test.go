package pipeline

import (
	"image"
	"slices"
	"testing"

	"github.com/livecam/livecam/detect"
	"github.com/livecam/livecam/track"
)

// TestAssignIDs: each detection takes the id of the track of its own
// class that was matched this frame (Lost 0) with its box, plus the ids
// of earlier trackers; a detection whose box only a coasting track or a
// track of another class has keeps id 0, and a track gives its id once.
func TestAssignIDs(t *testing.T) {
	a, b := image.Rect(10, 10, 50, 90), image.Rect(100, 20, 160, 80)
	box := func(r image.Rectangle) track.Box {
		return track.Box{X: float64(r.Min.X), Y: float64(r.Min.Y), W: float64(r.Dx()), H: float64(r.Dy())}
	}
	o := &objects{idBase: 10,
		last: []detect.Object{{Class: 2, Box: a}, {Class: 1, Box: b}, {Class: 1, Box: a}, {Class: 1, Box: a.Add(image.Pt(1, 0))}},
		tobjs: []track.Object{
			{ID: 6, Class: 2, Box: box(a)},
			{ID: 5, Class: 1, Box: box(a)},
			{ID: 7, Class: 1, Box: box(b), Lost: 1},
		}}
	for _, d := range o.last {
		o.dets = append(o.dets, track.Detection{Class: d.Class, Box: box(d.Box)})
	}
	o.assign()
	var got []int
	for _, d := range o.last {
		got = append(got, d.ID)
	}
	if want := []int{16, 0, 15, 0}; !slices.Equal(got, want) {
		t.Errorf("ids %v, want %v", got, want)
	}
	if o.maxID != 16 {
		t.Errorf("largest id %d, want 16", o.maxID)
	}
}
