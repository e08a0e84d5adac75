package track

import (
	"math"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestFilter(t *testing.T) {
	big := Box{100, 100, 60, 80} // 4800 px²
	dets := []Detection{
		{Class: 0, Label: "person", Score: 0.9, Box: big},
		{Class: 0, Label: "person", Score: 0.4, Box: Box{300, 100, 60, 80}},             // score
		{Class: 0, Label: "person", Score: 0.9, Box: Box{500, 10, 10, 10}},              // area
		{Class: 17, Label: "dog", Score: 0.9, Box: Box{300, 200, 60, 80}},               // denied
		{Class: 2, Label: "car", Score: 0.9, Box: Box{400, 200, 60, 80}},                // not allowed
		{Class: 16, Label: "Cat", Score: 0.9, Box: Box{500, 200, 60, 80}},               // allowed
		{Class: 16, Label: "cat", Score: 0.9, Box: Box{100, 250, 60, 0}},                // no height
		{Class: 16, Label: "cat", Score: 0.9, Box: Box{math.NaN(), 250, 60, 60}},        // not a number
		{Class: 16, Label: "cat", Score: 0.9, Box: Box{200, 250, 60, math.Inf(1)}},      // infinite
		{Class: 0, Label: "person", Score: float32(math.NaN()), Box: Box{1, 1, 60, 60}}, // score not a number
	}
	for _, c := range []struct {
		name   string
		filter Filter
		want   []string
	}{
		{"all", Filter{}, []string{"person", "person", "person", "dog", "car", "Cat"}},
		{"score", Filter{MinScore: 0.5}, []string{"person", "person", "dog", "car", "Cat"}},
		{"area pixels", Filter{MinArea: 200}, []string{"person", "person", "dog", "car", "Cat"}},
		{"area fraction", Filter{MinArea: 0.01}, []string{"person", "person", "dog", "car", "Cat"}}, // 2304 px² of 640x360
		{"area fraction, large", Filter{MinArea: 0.03}, nil},                                        // 6912 px²
		{"allow", Filter{Allow: []string{"person", "CAT"}}, []string{"person", "person", "person", "Cat"}},
		{"deny", Filter{Deny: []string{"Dog", "car"}}, []string{"person", "person", "person", "Cat"}},
		{"deny wins", Filter{Allow: []string{"person", "dog"}, Deny: []string{"dog"}}, []string{"person", "person", "person"}},
		{"everything", Filter{MinScore: 0.5, MinArea: 200, Allow: []string{"person", "cat", "dog"}, Deny: []string{"dog"}}, []string{"person", "Cat"}},
	} {
		tr, err := New(Config{Filter: c.filter, MinHits: 1}, 640, 360)
		if err != nil {
			t.Fatal(err)
		}
		objs, _ := tr.Update(0, dets, nil, nil)
		var got []string
		for _, o := range objs {
			got = append(got, o.Label)
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("%s: kept %v, want %v", c.name, got, c.want)
		}
	}
}

func TestConfigErrors(t *testing.T) {
	for _, c := range []struct {
		cfg     Config
		w, h    int
		problem string
	}{
		{Config{}, 0, 360, "frame size 0x360"},
		{Config{IoU: 1.5}, 640, 360, "IoU threshold 1.5"},
		{Config{IoU: -0.1}, 640, 360, "IoU threshold -0.1"},
		{Config{IoU: math.NaN()}, 640, 360, "IoU threshold NaN"},
		{Config{MaxLost: -1}, 640, 360, "negative frame count"},
		{Config{MinHits: -2}, 640, 360, "negative frame count"},
		{Config{Filter: Filter{MinScore: 2}}, 640, 360, "score 2 is outside"},
		{Config{HighScore: -1}, 640, 360, "score -1 is outside"},
		{Config{Filter: Filter{MinArea: math.NaN()}}, 640, 360, "minimum area NaN"},
		{Config{Filter: Filter{MinArea: -5}}, 640, 360, "minimum area -5"},
		{Config{Filter: Filter{Allow: []string{"person", ""}}}, 640, 360, "empty label"},
	} {
		_, err := New(c.cfg, c.w, c.h)
		if err == nil || !strings.HasPrefix(err.Error(), "track: ") || !strings.Contains(err.Error(), c.problem) {
			t.Errorf("%+v: error %v, want %q", c.cfg, err, c.problem)
		}
	}
}

func TestIDsNeverReused(t *testing.T) {
	// Objects come and go, and the stream is flushed and goes on: ids
	// only grow, one per object.
	tr, err := New(Config{MinHits: 1, MaxLost: 1}, 640, 360)
	if err != nil {
		t.Fatal(err)
	}
	var objs []Object
	var evs []Event
	next := 1
	for round := 0; round < 5; round++ {
		for f := 0; f < 3; f++ {
			objs, _ = tr.Update(frame(10*round+f), []Detection{{Class: 0, Score: 0.9, Box: Box{100, 100, 50, 50}}}, objs, evs)
			if len(objs) != 1 || objs[0].ID != next {
				t.Fatalf("round %d frame %d: %+v, want id %d", round, f, objs, next)
			}
		}
		if round%2 == 0 {
			evs = tr.Flush(frame(10*round+3), evs)
		} else {
			tr.Update(frame(10*round+4), nil, objs, evs)
			tr.Update(frame(10*round+5), nil, objs, evs)
		}
		next++
	}
}

// street is a busy scene for the allocation test and the benchmark:
// twenty objects of three classes crossing a 1280x720 frame both ways
// over and over, entering and leaving, through two zones.
func street(frames int) (*scene, Config) {
	s := &scene{w: 1280, h: 720, frames: frames, noise: 0.02, seed: 41}
	labels := []string{"person", "car", "dog"}
	for i := 0; i < 20; i++ {
		c := i % 3
		w, h := []float64{50, 160, 60}[c], []float64{130, 100, 50}[c]
		v := 2 + float64(i%7)
		if i%2 == 1 {
			v = -v
		}
		y := 80 + 30*float64(i)
		span := 1280 + w
		phase := float64(i * 97)
		s.actors = append(s.actors, actor{class: c, label: labels[c], depth: y + h, at: func(f int) (Box, bool) {
			x := math.Mod(phase+v*float64(f), span)
			if x < 0 {
				x += span
			}
			return Box{x - w, y, w, h}, true
		}})
	}
	drive, _ := ParseZone("driveway=0,0.6,0.5,0.6,0.5,1,0,1")
	porch, _ := ParseZone("porch=700,100,1200,100,1100,500,800,500")
	return s, Config{Zones: []Zone{drive, porch}}
}

func TestAllocationFree(t *testing.T) {
	s, cfg := street(1200)
	frames := s.generate()
	tr, err := New(cfg, s.w, s.h)
	if err != nil {
		t.Fatal(err)
	}
	objs := make([]Object, 0, 8)
	evs := make([]Event, 0, 8)
	f, enters, leaves, zoned := 0, 0, 0, 0
	step := func() {
		fd := frames[f]
		objs, evs = tr.Update(fd.at, fd.dets, objs, evs)
		for _, e := range evs {
			if e.Type == Enter {
				enters++
			} else {
				leaves++
			}
			if e.Zone != "" {
				zoned++
			}
		}
		f++
	}
	for f < 600 {
		step()
	}
	enters, leaves, zoned = 0, 0, 0
	if a := testing.AllocsPerRun(500, step); a != 0 {
		t.Errorf("%v allocations per frame", a)
	}
	if enters < 20 || leaves < 20 || zoned < 20 {
		t.Errorf("only %d enters, %d leaves, %d zone events in the measured frames: the test does not churn tracks", enters, leaves, zoned)
	}
	if len(objs) < 15 {
		t.Errorf("%d objects tracked in the last frame, want about 20", len(objs))
	}
	evs = tr.Flush(frames[f-1].at, evs)
	if len(evs) < 20 {
		t.Errorf("flush: %d events", len(evs))
	}
}

func BenchmarkUpdate20(b *testing.B) {
	s, cfg := street(900)
	frames := s.generate()
	tr, err := New(cfg, s.w, s.h)
	if err != nil {
		b.Fatal(err)
	}
	var objs []Object
	var evs []Event
	f := 0
	var base time.Duration
	n := 0
	for b.Loop() {
		fd := frames[f]
		objs, evs = tr.Update(base+fd.at, fd.dets, objs, evs)
		n += len(fd.dets)
		if f++; f == len(frames) {
			f, base = 0, base+fd.at+time.Minute // a gap: every track leaves
		}
	}
	b.ReportMetric(float64(n)/float64(b.N), "dets/frame")
}

func TestNoClock(t *testing.T) {
	// A source whose frames all carry time 0 is tracked frame by frame:
	// each Update counts as a nominal 1/30 s.
	tr, err := New(Config{}, 640, 360)
	if err != nil {
		t.Fatal(err)
	}
	var objs []Object
	for f := 0; f < 30; f++ {
		objs, _ = tr.Update(0, []Detection{{Class: 0, Score: 0.9, Box: Box{100 + 8*float64(f), 100, 40, 100}}}, objs, nil)
	}
	objs, _ = tr.Update(0, nil, objs, nil)
	if len(objs) != 1 || objs[0].ID != 1 || math.Abs(objs[0].Box.X-(100+8*30)) > 1 {
		t.Fatalf("%+v, want id 1 coasting to x 340", objs)
	}
}
