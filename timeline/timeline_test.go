package timeline

import (
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"time"
)

const frame = 100 * time.Millisecond // 10 fps

// feed adds frames at 10 fps: each step is a class held for n frames at a
// score.
type step struct {
	class int
	n     int
	score float32
}

func feed(b *Builder, steps ...step) {
	t := time.Duration(0)
	for _, s := range steps {
		for range s.n {
			b.Add(t, s.class, map[int]string{1: "tabby, tabby cat", 2: "tiger cat", 3: "banjo"}[s.class], s.score)
			t += frame
		}
	}
}

func TestFlickerBetweenSameLabelIsMerged(t *testing.T) {
	b := New(Options{MinDuration: time.Second})
	feed(b, step{1, 30, 0.8}, step{2, 3, 0.5}, step{1, 30, 0.6})
	segs := b.Segments()
	if len(segs) != 1 {
		t.Fatalf("%d segments: %+v", len(segs), segs)
	}
	s := segs[0]
	if s.Class != 1 || s.Start != 0 || s.End != 63*frame || s.Frames != 60 || s.PeakScore != 0.8 {
		t.Errorf("got %+v; want class 1 from 0 to 6.3s over 60 frames, peak 0.8", s)
	}
	if d := s.MeanScore - 0.7; d > 1e-5 || d < -1e-5 {
		t.Errorf("mean %v, want 0.7 (the flicker's frames count toward neither)", s.MeanScore)
	}
}

func TestFlickerJoinsTheLongerNeighbour(t *testing.T) {
	b := New(Options{MinDuration: time.Second})
	feed(b, step{1, 20, 0.8}, step{2, 3, 0.5}, step{3, 40, 0.9})
	segs := b.Segments()
	if len(segs) != 2 || segs[0].Class != 1 || segs[1].Class != 3 {
		t.Fatalf("got %+v; want tabby then banjo", segs)
	}
	if segs[0].End != 20*frame || segs[1].Start != 20*frame || segs[1].End != 63*frame {
		t.Errorf("got %+v; want the flicker inside banjo's segment (2.0s to 6.3s)", segs)
	}
}

func TestLongSegmentsStay(t *testing.T) {
	b := New(Options{MinDuration: time.Second})
	feed(b, step{1, 15, 0.8}, step{2, 12, 0.5}, step{1, 15, 0.6})
	segs := b.Segments()
	want := []struct {
		class      int
		start, end time.Duration
	}{{1, 0, 15 * frame}, {2, 15 * frame, 27 * frame}, {1, 27 * frame, 42 * frame}}
	if len(segs) != len(want) {
		t.Fatalf("got %+v", segs)
	}
	for i, w := range want {
		if s := segs[i]; s.Class != w.class || s.Start != w.start || s.End != w.end {
			t.Errorf("segment %d: %+v, want %+v", i, s, w)
		}
	}
}

func TestLowScoresAreUnsure(t *testing.T) {
	b := New(Options{MinDuration: time.Second, MinScore: 0.3})
	feed(b, step{1, 20, 0.8}, step{2, 20, 0.1}, step{3, 20, 0.9})
	segs := b.Segments()
	if len(segs) != 3 || segs[1].Class != Unsure || Name(segs[1]) != "(not sure)" {
		t.Errorf("got %+v; want an unsure segment in the middle", segs)
	}
}

func TestNoMerging(t *testing.T) {
	b := New(Options{MinDuration: -1})
	feed(b, step{1, 20, 0.8}, step{2, 1, 0.5}, step{1, 20, 0.8})
	if segs := b.Segments(); len(segs) != 3 {
		t.Errorf("got %d segments, want the 3 runs", len(segs))
	}
}

// TestRandomTimelines checks the invariants on random flickering input:
// the segments tile the video without gaps, neighbours differ, only a
// lone segment is shorter than the minimum, and no frame is counted
// twice.
func TestRandomTimelines(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	for trial := range 300 {
		b := New(Options{MinDuration: time.Duration(1+rng.IntN(20)) * frame})
		var steps []step
		total := 0
		for range 1 + rng.IntN(40) {
			s := step{1 + rng.IntN(3), 1 + rng.IntN(25), rng.Float32()}
			steps = append(steps, s)
			total += s.n
		}
		feed(b, steps...)
		segs := b.Segments()
		frames := 0
		for i, s := range segs {
			frames += s.Frames
			if s.MeanScore < 0 || s.MeanScore > s.PeakScore+1e-6 || s.PeakScore > 1 {
				t.Fatalf("trial %d: mean %v, peak %v", trial, s.MeanScore, s.PeakScore)
			}
			if i > 0 && segs[i-1].End != s.Start {
				t.Fatalf("trial %d: gap or overlap between %+v and %+v", trial, segs[i-1], s)
			}
			if i > 0 && segs[i-1].Class == s.Class {
				t.Fatalf("trial %d: neighbours with one class: %+v", trial, segs)
			}
			if len(segs) > 1 && s.Duration() < b.opts.MinDuration {
				t.Fatalf("trial %d: %v segment left (min %v): %+v", trial, s.Duration(), b.opts.MinDuration, segs)
			}
		}
		if segs[0].Start != 0 || segs[len(segs)-1].End != time.Duration(total)*frame {
			t.Fatalf("trial %d: segments span %v to %v, want 0 to %v", trial, segs[0].Start, segs[len(segs)-1].End, time.Duration(total)*frame)
		}
		if frames > total {
			t.Fatalf("trial %d: %d frames counted of %d", trial, frames, total)
		}
	}
}

func TestClock(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0: "0:00.0", 4200 * time.Millisecond: "0:04.2", 61*time.Second + 50*time.Millisecond: "1:01.1",
		time.Hour + 2*time.Minute + 3*time.Second: "1:02:03.0",
	} {
		if got := Clock(d); got != want {
			t.Errorf("Clock(%v) = %q, want %q", d, got, want)
		}
	}
}

func Example() {
	b := New(Options{MinDuration: time.Second, MinScore: 0.2})
	add := func(from, to time.Duration, class int, label string, score float32) {
		for t := from; t < to; t += 100 * time.Millisecond {
			b.Add(t, class, label, score)
		}
	}
	add(0, 3*time.Second, 281, "tabby, tabby cat", 0.8)
	add(3*time.Second, 3300*time.Millisecond, 282, "tiger cat", 0.4) // a flicker
	add(3300*time.Millisecond, 5*time.Second, 281, "tabby, tabby cat", 0.9)
	add(5*time.Second, 8*time.Second, 420, "banjo", 0.7)
	Write(os.Stdout, b.Segments())
	// Output:
	//   0:00.0 - 0:05.0  tabby  mean  84%  peak  90%
	//   0:05.0 - 0:08.0  banjo  mean  70%  peak  70%
}

// TestWriteEscapesLabels: a label with control characters (from a
// labels file) prints escaped, one line per segment.
func TestWriteEscapesLabels(t *testing.T) {
	segs := []Segment{
		{Start: 0, End: 2 * time.Second, Class: 1, Label: "tab\x1b[2Jby\nlivecam: forged, cat", MeanScore: 0.8, PeakScore: 0.9},
		{Start: 2 * time.Second, End: 4 * time.Second, Class: 2, Label: "banjo", MeanScore: 0.7, PeakScore: 0.8},
	}
	var b strings.Builder
	if err := Write(&b, segs); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if strings.Contains(out, "\x1b") || strings.Count(out, "\n") != 2 || !strings.Contains(out, `tab\x1b[2Jby\nlivecam: forged`) {
		t.Errorf("labels printed raw:\n%s", out)
	}
	if lines := strings.Split(out, "\n"); strings.Index(lines[0], "mean") != strings.Index(lines[1], "mean") {
		t.Errorf("columns not aligned on the escaped label:\n%s", out)
	}
}
