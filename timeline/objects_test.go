package timeline

import (
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"
)

// objectFrames is 3 s at 10 fps whose truth is known: person 1 in frames
// 0-9; person 2 in 5-9 and 13-19 (missed in 10-12: no person at all
// then); two dogs, untracked, in 20-24 and one in 27-29; a car scoring
// below 0.2 in every frame.
func objectFrames() [][]Object {
	frames := make([][]Object, 30)
	for i := range frames {
		var objs []Object
		if i <= 9 {
			objs = append(objs, Object{ID: 1, Class: 0, Label: "person", Score: 0.5 + float32(i)/64})
		}
		if i >= 5 && i <= 9 || i >= 13 && i <= 19 {
			objs = append(objs, Object{ID: 2, Class: 0, Label: "person", Score: 0.75})
		}
		if i >= 20 && i <= 24 {
			objs = append(objs, Object{Class: 17, Label: "dog", Score: 0.625}, Object{Class: 17, Label: "dog", Score: 0.5})
		}
		if i >= 27 {
			objs = append(objs, Object{Class: 17, Label: "dog", Score: 0.5})
		}
		objs = append(objs, Object{ID: 3, Class: 2, Label: "car", Score: 0.125})
		frames[i] = objs
	}
	return frames
}

func buildObjects(opts Options) *Objects {
	b := NewObjects(opts)
	for i, objs := range objectFrames() {
		b.Add(time.Duration(i)*frame, objs)
	}
	return b
}

func ms(n int) time.Duration { return time.Duration(n) * time.Millisecond }

func TestObjectTracks(t *testing.T) {
	b := buildObjects(Options{MinScore: 0.2})
	want := []Segment{
		{ID: 1, Start: 0, End: ms(1000), Class: 0, Label: "person", MeanScore: 0.5703125, PeakScore: 0.640625, Frames: 10},
		{ID: 2, Start: ms(500), End: ms(2000), Class: 0, Label: "person", MeanScore: 0.75, PeakScore: 0.75, Frames: 12},
	}
	got := b.Tracks()
	if !reflect.DeepEqual(got, want) || !b.Tracked() || b.Frames() != 30 {
		t.Errorf("tracks:\n%+v\nwant\n%+v", got, want)
	}
	if b.MostAtOnce("person") != 2 || b.MostAtOnce("dog") != 2 || b.MostAtOnce("car") != 0 {
		t.Errorf("most at once: person %d, dog %d, car %d; want 2, 2, 0 (the car scores below MinScore)",
			b.MostAtOnce("person"), b.MostAtOnce("dog"), b.MostAtOnce("car"))
	}
}

// TestObjectSpans: a label's absences shorter than MinDuration are
// bridged (person missed for 0.3 s, the dogs away for 0.2 s), and not
// with merging off.
func TestObjectSpans(t *testing.T) {
	type span struct {
		label      string
		start, end time.Duration
		frames     int
	}
	spans := func(segs []Segment) []span {
		var out []span
		for _, s := range segs {
			out = append(out, span{s.Label, s.Start, s.End, s.Frames})
		}
		return out
	}
	if got, want := spans(buildObjects(Options{MinScore: 0.2}).Spans()), []span{{"person", 0, ms(2000), 17}, {"dog", ms(2000), ms(3000), 8}}; !reflect.DeepEqual(got, want) {
		t.Errorf("spans %v, want %v", got, want)
	}
	want := []span{{"person", 0, ms(1000), 10}, {"person", ms(1300), ms(2000), 7}, {"dog", ms(2000), ms(2500), 5}, {"dog", ms(2700), ms(3000), 3}}
	if got := spans(buildObjects(Options{MinScore: 0.2, MinDuration: -1}).Spans()); !reflect.DeepEqual(got, want) {
		t.Errorf("spans without merging %v, want %v", got, want)
	}
	// The dogs' peak is the best dog of each frame; their mean too.
	if s := buildObjects(Options{MinScore: 0.2}).Spans()[1]; s.PeakScore != 0.625 || s.MeanScore < 0.57 || s.MeanScore > 0.58 {
		t.Errorf("dog span scores: mean %v peak %v, want 0.578 and 0.625", s.MeanScore, s.PeakScore)
	}
}

// TestByLabel: one row per label, its tracks' union, longest first.
func TestByLabel(t *testing.T) {
	b := buildObjects(Options{MinScore: 0.2})
	rows := ByLabel(b.Tracks())
	want := []Row{{Label: "person", Class: 0, Spans: []Span{{0, ms(2000)}}, Segments: 2, InView: 2 * time.Second, PeakScore: 0.75}}
	if !reflect.DeepEqual(rows, want) {
		t.Errorf("rows of tracks %+v, want %+v", rows, want)
	}
	rows = ByLabel(buildObjects(Options{MinScore: 0.2, MinDuration: -1}).Spans())
	// person 1.7 s in two spans, dog 0.8 s in two: person first.
	if len(rows) != 2 || rows[0].Label != "person" || rows[0].InView != ms(1700) || rows[0].Segments != 2 || len(rows[0].Spans) != 2 ||
		rows[1].Label != "dog" || rows[1].InView != ms(800) || rows[1].Class != 17 {
		t.Errorf("rows of spans %+v", rows)
	}
	// Overlapping and touching segments join; a gap does not.
	rows = ByLabel([]Segment{{Label: "a", Start: 0, End: 10}, {Label: "a", Start: 20, End: 30}, {Label: "a", Start: 5, End: 20}, {Label: "a", Start: 40, End: 50}})
	if len(rows) != 1 || !reflect.DeepEqual(rows[0].Spans, []Span{{0, 30}, {40, 50}}) || rows[0].InView != 40 || rows[0].Segments != 4 {
		t.Errorf("union %+v", rows)
	}
}

func ExampleObjects() {
	b := NewObjects(Options{})
	for i := range 50 { // 5 s at 10 fps
		var objs []Object
		if i < 30 {
			objs = append(objs, Object{ID: 1, Label: "person", Score: 0.8})
		}
		if i >= 20 {
			objs = append(objs, Object{ID: 2, Class: 17, Label: "dog", Score: 0.7})
		}
		b.Add(time.Duration(i)*100*time.Millisecond, objs)
	}
	for _, s := range b.Tracks() {
		fmt.Printf("#%d %s %s - %s\n", s.ID, s.Label, Clock(s.Start), Clock(s.End))
	}
	WriteRows(os.Stdout, ByLabel(b.Tracks()), true)
	// Output:
	// #1 person 0:00.0 - 0:03.0
	// #2 dog 0:02.0 - 0:05.0
	//   dog     1 track   in view 0:03.0  0:02.0 - 0:05.0
	//   person  1 track   in view 0:03.0  0:00.0 - 0:03.0
}

// TestWriteRows: tracks counted when tracked, a label's control
// characters escaped.
func TestWriteRows(t *testing.T) {
	rows := []Row{{Label: "person", Segments: 12, InView: 90 * time.Second, Spans: []Span{{0, time.Minute}, {2 * time.Minute, 3 * time.Minute}}},
		{Label: "dog\x1b[2J\nrm", Segments: 1, InView: time.Second, Spans: []Span{{0, time.Second}}}}
	var b strings.Builder
	WriteRows(&b, rows, true)
	want := "  person          12 tracks  in view 1:30.0  0:00.0 - 3:00.0\n" +
		"  dog\\x1b[2J\\nrm   1 track   in view 0:01.0  0:00.0 - 0:01.0\n"
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
	b.Reset()
	WriteRows(&b, rows[:1], false)
	if want := "  person  in view 1:30.0  0:00.0 - 3:00.0\n"; b.String() != want {
		t.Errorf("untracked: %q, want %q", b.String(), want)
	}
}
