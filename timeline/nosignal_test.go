package timeline

import (
	"strings"
	"testing"
	"time"
)

// TestNoSignal is the porch camera of issue 23: a pelican from 0:56, the
// stream dies at 1:00 for 2.5 minutes, then a short "cat" flicker and the
// pelican again. The summary shows the outage as its own segment, the
// pelican's segments on either side of it, the flicker merged into the
// pelican after it, never into the outage. Options.Gap finds the same
// outage from the frames' times alone.
func TestNoSignal(t *testing.T) {
	const step = 40 * time.Millisecond
	feed := func(b *Builder, lost bool) {
		for pts := 56 * time.Second; pts < 60*time.Second; pts += step {
			b.Add(pts, 144, "pelican", 1)
		}
		if lost {
			b.Lost()
			b.Lost() // told twice: one segment
		}
		for pts := 210 * time.Second; pts < 210*time.Second+200*time.Millisecond; pts += step {
			b.Add(pts, 281, "tabby", 0.6)
		}
		for pts := 210*time.Second + 200*time.Millisecond; pts < 213*time.Second; pts += step {
			b.Add(pts, 144, "pelican", 1)
		}
	}
	want := "  0:56.0 - 1:00.0  pelican      mean 100%  peak 100%\n" +
		"  1:00.0 - 3:30.0  (no signal)\n" +
		"  3:30.0 - 3:33.0  pelican      mean 100%  peak 100%\n"
	for _, c := range []struct {
		name string
		opts Options
		lost bool
	}{{"Lost", Options{}, true}, {"Gap", Options{Gap: 5 * time.Second}, false}} {
		b := New(c.opts)
		feed(b, c.lost)
		var out strings.Builder
		if err := Write(&out, b.Segments()); err != nil {
			t.Fatal(err)
		}
		if out.String() != want {
			t.Errorf("%s:\n%s\nwant\n%s", c.name, out.String(), want)
		}
		if segs := b.Segments(); len(segs) != 3 || segs[1].Class != NoSignal || segs[1].Frames != 0 {
			t.Errorf("%s: %+v", c.name, segs)
		}
	}
	// Without either, the pelican stretches across the outage, as before.
	b := New(Options{})
	feed(b, false)
	if segs := b.Segments(); len(segs) != 1 {
		t.Errorf("no Gap, no Lost: %+v", segs)
	}
	// One frame between two outages lasts one frame interval (the one
	// before the first outage), not the outage's length.
	b = New(Options{MinDuration: -1})
	for pts := time.Duration(0); pts < 4*time.Second; pts += step {
		b.Add(pts, 144, "pelican", 1)
	}
	b.Lost()
	b.Add(100*time.Second, 144, "pelican", 1)
	b.Lost()
	b.Add(200*time.Second, 144, "pelican", 1)
	var out strings.Builder
	Write(&out, b.Segments())
	if want := "  0:00.0 - 0:04.0  pelican      mean 100%  peak 100%\n" +
		"  0:04.0 - 1:40.0  (no signal)\n" +
		"  1:40.0 - 1:40.0  pelican      mean 100%  peak 100%\n" +
		"  1:40.0 - 3:20.0  (no signal)\n" +
		"  3:20.0 - 3:20.0  pelican      mean 100%  peak 100%\n"; out.String() != want {
		t.Errorf("between outages:\n%s\nwant\n%s", out.String(), want)
	}
	if segs := b.Segments(); segs[2].End != 100*time.Second+step {
		t.Errorf("the frame between outages ends at %v", segs[2].End)
	}
}
