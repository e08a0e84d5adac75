package events

import (
	"fmt"
	"testing"
	"time"
)

// feed runs a tracker over one class's scores, one frame every 100 ms
// (a negative score: the class is not reported), then flushes.
func feed(t *testing.T, opts Options, scores []float32) []Event {
	t.Helper()
	tr, err := NewTracker(opts)
	if err != nil {
		t.Fatal(err)
	}
	var got []Event
	emit := func(e Event) { got = append(got, e) }
	for i, s := range scores {
		var in []Score
		if s >= 0 {
			in = []Score{{Class: 7, Label: "seven", Score: s}}
		}
		tr.Update(time.Duration(i)*100*time.Millisecond, in, emit)
	}
	tr.Flush(emit)
	return got
}

func ms(n int) time.Duration { return time.Duration(n) * time.Millisecond }

func TestHysteresis(t *testing.T) {
	// Crosses 0.5 at frame 2, hovers between 0.3 and 0.5 (stays), drops
	// below 0.3 at frame 6.
	got := feed(t, Options{Enter: 0.5, Leave: 0.3}, []float32{0.1, 0.4, 0.6, 0.45, 0.35, 0.9, 0.2, 0.4})
	want := []Event{
		{Type: Enter, Class: 7, Label: "seven", Start: ms(200), PeakScore: 0.6, PeakTime: ms(200), MeanScore: 0.6, Frames: 1},
		{Type: Leave, Class: 7, Label: "seven", Start: ms(200), End: ms(600), PeakScore: 0.9, PeakTime: ms(500), MeanScore: (0.6 + 0.45 + 0.35 + 0.9) / 4, Frames: 4},
	}
	check(t, got, want)
}

// TestPeakTime: a stay's PeakTime is its first frame at the peak score,
// after a cooldown too.
func TestPeakTime(t *testing.T) {
	got := feed(t, Options{Enter: 0.5, Leave: 0.3, Cooldown: ms(100)}, []float32{0.6, 0.9, 0.5, 0.9, 0.1, 0, 0.7, 0.6})
	if len(got) != 4 || got[1].PeakTime != ms(100) || got[3].PeakTime != ms(600) {
		t.Fatalf("got %+v; want the leaves' peaks at 100 ms and 600 ms", got)
	}
}

func TestMinDuration(t *testing.T) {
	// A blip of 200 ms is no event; a stay of 400 ms is, entered once
	// 300 ms have passed since it reached Enter.
	got := feed(t, Options{Enter: 0.5, Leave: 0.3, MinDuration: ms(300)}, []float32{0.9, 0.9, 0.1, 0.8, 0.6, 0.7, 0.9, -1})
	if len(got) != 2 || got[0].Type != Enter || got[0].Start != ms(300) || got[0].Frames != 4 || got[1].Type != Leave || got[1].End != ms(700) {
		t.Fatalf("got %+v", got)
	}
}

func TestCooldown(t *testing.T) {
	// Leaves at 200 ms; back at 300 ms is within the 250 ms cooldown,
	// back at 600 ms is not.
	got := feed(t, Options{Enter: 0.5, Leave: 0.3, Cooldown: ms(250)}, []float32{0.9, 0.9, 0, 0.9, 0.9, 0, 0.9})
	var starts []time.Duration
	for _, e := range got {
		if e.Type == Enter {
			starts = append(starts, e.Start)
		}
	}
	if len(starts) != 2 || starts[0] != 0 || starts[1] != ms(600) {
		t.Fatalf("entered at %v, want [0s 600ms]: %+v", starts, got)
	}
}

func TestFlushLeavesAtLastFrame(t *testing.T) {
	got := feed(t, Options{}, []float32{0.2, 0.7, 0.8})
	if len(got) != 2 || got[1].Type != Leave || got[1].End != ms(200) || got[1].Frames != 2 {
		t.Fatalf("got %+v", got)
	}
}

func TestAbsentCountsAsBelow(t *testing.T) {
	got := feed(t, Options{}, []float32{0.7, -1, 0.7})
	if len(got) != 4 || got[1].Type != Leave || got[1].End != ms(100) || got[2].Start != ms(200) {
		t.Fatalf("got %+v", got)
	}
}

func TestNaNNeverEnters(t *testing.T) {
	nan := float32(0)
	nan = nan / nan
	if got := feed(t, Options{}, []float32{nan, nan}); len(got) != 0 {
		t.Fatalf("NaN scores made events: %+v", got)
	}
}

func TestOptionsChecked(t *testing.T) {
	for _, o := range []Options{{Enter: 0.3, Leave: 0.5}, {Enter: 2}, {Leave: -1}, {MinDuration: -1}} {
		if _, err := NewTracker(o); err == nil {
			t.Errorf("%+v accepted", o)
		}
	}
}

func TestSteadyStateAllocatesNothing(t *testing.T) {
	tr, _ := NewTracker(Options{})
	scores := []Score{{Class: 1, Score: 0.9}, {Class: 2, Score: 0.6}}
	emit := func(Event) {}
	i := 0
	allocs := testing.AllocsPerRun(1000, func() {
		i++
		scores[0].Score = float32(i%3) * 0.45 // enters and leaves
		tr.Update(time.Duration(i)*time.Millisecond, scores, emit)
	})
	if allocs > 0 {
		t.Errorf("%v allocations per update", allocs)
	}
}

func check(t *testing.T, got, want []Event) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d events, want %d:\n%+v", len(got), len(want), got)
	}
	for i := range want {
		g, w := got[i], want[i]
		if d := g.MeanScore - w.MeanScore; d > 1e-6 || d < -1e-6 {
			t.Errorf("event %d mean %v, want %v", i, g.MeanScore, w.MeanScore)
		}
		g.MeanScore = w.MeanScore
		if g != w {
			t.Errorf("event %d:\n got %+v\nwant %+v", i, g, w)
		}
	}
}

// A class enters when it reaches the enter score and leaves when it falls
// below the leave score: the dip to 0.4 is not a departure.
func ExampleTracker() {
	tr, err := NewTracker(Options{Enter: 0.6, Leave: 0.3})
	if err != nil {
		panic(err)
	}
	print := func(e Event) {
		fmt.Printf("%s %s start=%v end=%v frames=%d peak=%.2f\n", e.Type, e.Label, e.Start, e.End, e.Frames, e.PeakScore)
	}
	for i, s := range []float32{0.2, 0.7, 0.4, 0.8, 0.1} {
		tr.Update(time.Duration(i)*time.Second, []Score{{Class: 466, Label: "bullet train", Score: s}}, print)
	}
	tr.Flush(print)
	// Output:
	// enter bullet train start=1s end=0s frames=1 peak=0.70
	// leave bullet train start=1s end=4s frames=3 peak=0.80
}

// TestWallClockTimes: UpdateAt's wall-clock times reach the events (an
// enter's is the frame it entered at, a leave's the frame it left at),
// and a Flush in the middle of a stream (a live source that lost its
// signal) ends the class at the last frame, its time that frame's; the
// stream then starts afresh.
func TestWallClockTimes(t *testing.T) {
	tr, err := NewTracker(Options{Cooldown: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	base := time.Date(2026, 12, 2, 15, 42, 0, 0, time.UTC)
	var got []string
	emit := func(e Event) {
		got = append(got, fmt.Sprintf("%s %v-%v %s", e.Type, e.Start, e.End, e.Time.Format("15:04:05.000")))
	}
	in := []Score{{Class: 7, Label: "seven", Score: 0.9}}
	for i := range 3 {
		tr.UpdateAt(ms(100*i), base.Add(ms(100*i)), in, emit)
	}
	tr.Flush(emit)
	tr.UpdateAt(ms(90000), base.Add(ms(90000)), in, emit) // back: no cooldown
	tr.UpdateAt(ms(90100), base.Add(ms(90100)), nil, emit)
	want := []string{"enter 0s-0s 15:42:00.000", "leave 0s-200ms 15:42:00.200", "enter 1m30s-0s 15:43:30.000", "leave 1m30s-1m30.1s 15:43:30.100"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}
