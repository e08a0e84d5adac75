package track

import (
	"testing"
	"time"
)

// TestEventWallTime: each event carries the wall-clock capture time of
// the frame that decided it (UpdateAt's), a Flush's events the last
// frame's, and Update's events none.
func TestEventWallTime(t *testing.T) {
	tr, err := New(Config{MinHits: 2, MaxLost: 1}, 640, 360)
	if err != nil {
		t.Fatal(err)
	}
	base := time.Date(2026, 12, 2, 15, 42, 7, 0, time.UTC)
	dog := []Detection{{Class: 17, Label: "dog", Score: 0.9, Box: Box{100, 100, 60, 80}}}
	frame := 40 * time.Millisecond
	var evs []Event
	var got []string
	step := func(i int, dets []Detection) {
		_, evs = tr.UpdateAt(time.Duration(i)*frame, base.Add(time.Duration(i)*frame), dets, nil, evs)
		for _, e := range evs {
			got = append(got, string(e.Type)+" "+e.Wall.Format("15:04:05.000"))
		}
	}
	step(0, dog)
	step(1, dog) // confirmed: enter at frame 1
	step(2, dog)
	step(3, nil)
	step(4, nil) // missed for 2 > MaxLost frames: leave at frame 4
	step(5, dog)
	step(6, dog) // a new track enters at frame 6
	step(7, dog)
	for _, e := range tr.Flush(7*frame, evs) {
		got = append(got, "flush "+string(e.Type)+" "+e.Wall.Format("15:04:05.000"))
	}
	want := []string{"enter 15:42:07.040", "leave 15:42:07.160", "enter 15:42:07.240", "flush leave 15:42:07.280"}
	if len(got) != len(want) {
		t.Fatalf("events %q, want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("event %d is %q, want %q", i, got[i], want[i])
		}
	}

	// Update (no wall clock) leaves Wall zero, even after UpdateAt.
	_, evs = tr.Update(8*frame, dog, nil, evs)
	_, evs = tr.Update(9*frame, dog, nil, evs)
	if len(evs) != 1 || !evs[0].Wall.IsZero() {
		t.Errorf("Update's events %+v, want one enter with no Wall time", evs)
	}
}
