package track

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// A scene is a synthetic video whose truth is known: objects with a box
// per frame, seen by a detector that adds noise, misses objects, hides
// the farther of two overlapping objects, cuts boxes at the frame's edge
// and sometimes sees things that are not there.

// actor is one true object.
type actor struct {
	class int
	label string
	// at returns the object's true box in frame f, and whether it
	// exists then.
	at func(f int) (Box, bool)
	// depth orders occlusion: the larger is nearer and hides the other.
	depth float64
	// miss lists frames in which the detector misses it.
	miss map[int]bool
	// score overrides the detection score in some frames.
	score map[int]float32
}

type scene struct {
	w, h   int
	frames int
	fps    int
	actors []actor
	// noise is the standard deviation of the detector's error, as a
	// fraction of the box's size.
	noise float64
	// hide: a same-class object overlapped (IoU above it) by a nearer
	// one is not detected; 0 never hides.
	hide float64
	// clip cuts boxes at the frame's edge and drops those less than
	// minVisible shown.
	clip       bool
	minVisible float64
	// ghosts are false positives: frame → detection.
	ghosts map[int][]Detection
	// drop says which frames never reach the tracker (a pipeline that
	// drops frames, a robot that sends them when it can).
	drop func(f int) bool
	seed uint64
}

// frameDets is what the detector reports for one frame, and for each
// detection the actor it came from (-1: a ghost).
type frameDets struct {
	at    time.Duration
	dets  []Detection
	truth []int
}

func (s *scene) generate() []frameDets {
	rng := rand.New(rand.NewPCG(s.seed, 1))
	fps := s.fps
	if fps == 0 {
		fps = 30
	}
	var out []frameDets
	for f := 0; f < s.frames; f++ {
		if s.drop != nil && s.drop(f) {
			continue
		}
		fd := frameDets{at: time.Duration(f) * time.Second / time.Duration(fps)}
		type cand struct {
			i int
			b Box
		}
		var cands []cand
		for i, a := range s.actors {
			b, ok := a.at(f)
			if !ok || a.miss[f] {
				continue
			}
			cands = append(cands, cand{i, b})
		}
		for _, c := range cands {
			a := s.actors[c.i]
			hidden := false
			for _, o := range cands {
				if o.i != c.i && s.actors[o.i].class == a.class && s.actors[o.i].depth > a.depth && s.hide > 0 && iou(o.b, c.b) > s.hide {
					hidden = true
				}
			}
			if hidden {
				continue
			}
			b := c.b
			if s.noise > 0 {
				b.X += rng.NormFloat64() * s.noise * b.W
				b.Y += rng.NormFloat64() * s.noise * b.H
				b.W *= 1 + rng.NormFloat64()*s.noise
				b.H *= 1 + rng.NormFloat64()*s.noise
			}
			if s.clip {
				x0, y0 := max(b.X, 0), max(b.Y, 0)
				x1, y1 := min(b.X+b.W, float64(s.w)), min(b.Y+b.H, float64(s.h))
				if x1 <= x0 || y1 <= y0 || (x1-x0)*(y1-y0) < s.minVisible*b.W*b.H {
					continue
				}
				b = Box{x0, y0, x1 - x0, y1 - y0}
			}
			score := float32(0.6 + 0.35*rng.Float64())
			if sc, ok := a.score[f]; ok {
				score = sc
			}
			fd.dets = append(fd.dets, Detection{Class: a.class, Label: a.label, Score: score, Box: b})
			fd.truth = append(fd.truth, c.i)
		}
		for _, g := range s.ghosts[f] {
			fd.dets = append(fd.dets, g)
			fd.truth = append(fd.truth, -1)
		}
		// The detector's order carries no identity.
		rng.Shuffle(len(fd.dets), func(i, j int) {
			fd.dets[i], fd.dets[j] = fd.dets[j], fd.dets[i]
			fd.truth[i], fd.truth[j] = fd.truth[j], fd.truth[i]
		})
		out = append(out, fd)
	}
	return out
}

// linear moves a w×h box from (x, y) by (vx, vy) pixels a frame, in
// frames [from, to).
func linear(x, y, w, h, vx, vy float64, from, to int) func(int) (Box, bool) {
	return func(f int) (Box, bool) {
		if f < from || f >= to {
			return Box{}, false
		}
		n := float64(f - from)
		return Box{x + vx*n, y + vy*n, w, h}, true
	}
}

// outcome is what a run of the tracker over a scene produced.
type outcome struct {
	frames []frameDets
	objs   [][]Object // per frame
	evs    []Event    // all, in order, Flush's last
	// idsOf: actor → ids its detections were reported under;
	// actorsOf: id → actors.
	idsOf    map[int][]int
	actorsOf map[int][]int
	// firstFrame, lastFrame of each id's matched reports.
	firstFrame, lastFrame map[int]int
	unknown               int // reported matched boxes that are no detection
}

func run(t testing.TB, cfg Config, s *scene) *outcome {
	t.Helper()
	tr, err := New(cfg, s.w, s.h)
	if err != nil {
		t.Fatal(err)
	}
	o := &outcome{frames: s.generate(), idsOf: map[int][]int{}, actorsOf: map[int][]int{}, firstFrame: map[int]int{}, lastFrame: map[int]int{}}
	var objs []Object
	var evs []Event
	for f, fd := range o.frames {
		objs, evs = tr.Update(fd.at, fd.dets, objs, evs)
		o.objs = append(o.objs, cloneObjects(objs))
		o.evs = append(o.evs, cloneEvents(evs)...)
		for _, ob := range objs {
			if ob.Lost > 0 {
				continue
			}
			k := slices.IndexFunc(fd.dets, func(d Detection) bool { return d.Box == ob.Box })
			if k < 0 {
				o.unknown++
				continue
			}
			a := fd.truth[k]
			if !slices.Contains(o.idsOf[a], ob.ID) {
				o.idsOf[a] = append(o.idsOf[a], ob.ID)
			}
			if !slices.Contains(o.actorsOf[ob.ID], a) {
				o.actorsOf[ob.ID] = append(o.actorsOf[ob.ID], a)
			}
			if _, ok := o.firstFrame[ob.ID]; !ok {
				o.firstFrame[ob.ID] = f
			}
			o.lastFrame[ob.ID] = f
		}
	}
	end := time.Duration(s.frames) * time.Second / 30
	o.evs = append(o.evs, cloneEvents(tr.Flush(end, evs))...)
	return o
}

func cloneObjects(objs []Object) []Object {
	out := slices.Clone(objs)
	for i := range out {
		out[i].Zones = slices.Clone(out[i].Zones)
	}
	return out
}

func cloneEvents(evs []Event) []Event {
	out := slices.Clone(evs)
	for i := range out {
		out[i].Zones = slices.Clone(out[i].Zones)
	}
	return out
}

// checkOnePerActor checks that each actor in want was reported under
// exactly one id, that no id covered two actors, that no actor outside
// want was reported, and that each id entered and left the view once.
func (o *outcome) checkOnePerActor(t *testing.T, want ...int) {
	t.Helper()
	if o.unknown > 0 {
		t.Errorf("%d matched objects carry a box that is no detection", o.unknown)
	}
	for _, a := range want {
		if ids := o.idsOf[a]; len(ids) != 1 {
			t.Errorf("actor %d was reported under ids %v, want one", a, ids)
		}
	}
	for a, ids := range o.idsOf {
		if !slices.Contains(want, a) {
			t.Errorf("actor %d (-1: a ghost) was reported, under ids %v", a, ids)
		}
	}
	for id, as := range o.actorsOf {
		if len(as) != 1 {
			t.Errorf("id %d followed actors %v (swapped or stolen)", id, as)
		}
	}
	enters, leaves := map[int]int{}, map[int]int{}
	for _, e := range o.evs {
		if e.Zone != "" {
			continue
		}
		switch e.Type {
		case Enter:
			enters[e.ID]++
		case Leave:
			leaves[e.ID]++
		}
	}
	for id := range o.actorsOf {
		if enters[id] != 1 || leaves[id] != 1 {
			t.Errorf("id %d entered %d and left %d times, want 1 and 1", id, enters[id], leaves[id])
		}
	}
	if len(enters) != len(o.actorsOf) || len(leaves) != len(o.actorsOf) {
		t.Errorf("%d ids entered and %d left, %d were reported", len(enters), len(leaves), len(o.actorsOf))
	}
	if t.Failed() {
		t.Logf("events:\n%s", o.dump())
	}
}

func (o *outcome) dump() string {
	s := ""
	for _, e := range o.evs {
		s += fmt.Sprintf("  %s id %d %q zone %q zones %v start %v end %v time %v frames %d peak %.2f\n",
			e.Type, e.ID, e.Label, e.Zone, e.Zones, e.Start, e.End, e.Time, e.Frames, e.PeakScore)
	}
	return s
}

// frame is the time of frame f at 30 frames/s.
func frame(f int) time.Duration { return time.Duration(f) * time.Second / 30 }

// viewEvents returns the view's events of id.
func (o *outcome) viewEvents(id int) (enter, leave *Event) {
	for i := range o.evs {
		e := &o.evs[i]
		if e.ID != id || e.Zone != "" {
			continue
		}
		if e.Type == Enter {
			enter = e
		} else {
			leave = e
		}
	}
	return
}

func TestCrossing(t *testing.T) {
	// Two people walk towards each other along nearly the same line; as
	// they pass, the nearer one hides the other from the detector for
	// several frames. The hidden one must coast along its own course
	// and come out under its own id, not take the other's.
	for _, speed := range []float64{4, 7, 10} {
		t.Run(fmt.Sprintf("%gpx", speed), func(t *testing.T) {
			n := int(700/speed) + 10
			s := &scene{w: 640, h: 360, frames: n, noise: 0.02, hide: 0.2, clip: true, minVisible: 0.4, seed: uint64(speed),
				actors: []actor{
					{class: 0, label: "person", at: linear(-20, 150, 40, 100, speed, 0, 0, n), depth: 2},
					{class: 0, label: "person", at: linear(620, 140, 40, 100, -speed, 0, 0, n), depth: 1},
				}}
			o := run(t, Config{}, s)
			o.checkOnePerActor(t, 0, 1)
			hidden := 0
			for _, fd := range o.frames {
				if len(fd.dets) == 1 && fd.at > frame(20) && fd.at < frame(n-20) {
					hidden++
				}
			}
			if hidden < 3 {
				t.Errorf("only %d frames hid one person: the scene does not test coasting through a crossing", hidden)
			}
		})
	}
}

func TestCrossingHeadOn(t *testing.T) {
	// Two people on exactly the same line, both detected all the way
	// through, with noise: at the frame where their boxes coincide the
	// noise alone decides which box is whose, so a report or two there
	// may go to the other id; but each id must come out of the crossing
	// on the person it went in with, and enter and leave once.
	for seed := uint64(0); seed < 20; seed++ {
		for _, speed := range []float64{4, 7, 10} {
			n := int(700/speed) + 10
			s := &scene{w: 640, h: 360, frames: n, noise: 0.03, clip: true, minVisible: 0.4, seed: seed,
				actors: []actor{
					{class: 0, label: "person", at: linear(-20, 150, 40, 100, speed, 0, 0, n)},
					{class: 0, label: "person", at: linear(620, 150, 40, 100, -speed, 0, 0, n)},
				}}
			o := run(t, Config{}, s)
			first, last := map[int]int{}, map[int]int{}
			for f, objs := range o.objs {
				for _, ob := range objs {
					if k := slices.IndexFunc(o.frames[f].dets, func(d Detection) bool { return d.Box == ob.Box }); k >= 0 {
						if _, ok := first[ob.ID]; !ok {
							first[ob.ID] = o.frames[f].truth[k]
						}
						last[ob.ID] = o.frames[f].truth[k]
					}
				}
			}
			if len(first) != 2 || first[1] == first[2] || first[1] != last[1] || first[2] != last[2] {
				t.Fatalf("seed %d, %g px a frame: ids began on %v and ended on %v\n%s", seed, speed, first, last, o.dump())
			}
			if len(o.evs) != 4 {
				t.Fatalf("seed %d, %g px a frame: %d events, want 4\n%s", seed, speed, len(o.evs), o.dump())
			}
		}
	}
}

func TestCrossingDifferentClasses(t *testing.T) {
	// A dog runs past a person: never matched across classes even where
	// their boxes overlap most.
	s := &scene{w: 640, h: 360, frames: 80, noise: 0.02, seed: 3,
		actors: []actor{
			{class: 0, label: "person", at: linear(100, 100, 60, 150, 5, 0, 0, 80)},
			{class: 17, label: "dog", at: linear(500, 120, 60, 130, -5, 0, 0, 80), miss: map[int]bool{40: true, 41: true, 42: true}},
		}}
	o := run(t, Config{}, s)
	o.checkOnePerActor(t, 0, 1)
	for _, objs := range o.objs {
		for _, ob := range objs {
			if (ob.Class == 0) != (ob.Label == "person") {
				t.Fatalf("object %+v mixes classes", ob)
			}
		}
	}
}

func TestClassAwareMatching(t *testing.T) {
	// A person is missed in frame 10 while a dog is seen at exactly its
	// box: the person's track must coast, not take the dog.
	box := Box{100, 100, 50, 120}
	tr, err := New(Config{}, 640, 360)
	if err != nil {
		t.Fatal(err)
	}
	var objs []Object
	var evs []Event
	person := Detection{Class: 0, Label: "person", Score: 0.9, Box: box}
	dog := Detection{Class: 17, Label: "dog", Score: 0.9, Box: box}
	for f := 0; f < 10; f++ {
		objs, _ = tr.Update(frame(f), []Detection{person}, objs, evs)
	}
	objs, _ = tr.Update(frame(10), []Detection{dog}, objs, evs)
	if len(objs) != 1 || objs[0].ID != 1 || objs[0].Lost != 1 || objs[0].Label != "person" {
		t.Fatalf("frame 10: %+v, want the person coasting", objs)
	}
	objs, _ = tr.Update(frame(11), []Detection{person}, objs, evs)
	if len(objs) != 1 || objs[0].ID != 1 || objs[0].Lost != 0 {
		t.Fatalf("frame 11: %+v, want the person seen again under id 1", objs)
	}
}

func TestPauseAndShortMiss(t *testing.T) {
	// A person walks, stops for 40 frames, walks on; the detector misses
	// them for 6 frames while they walk and for 10 while they stand.
	path := func(f int) (Box, bool) {
		if f < 0 || f >= 150 {
			return Box{}, false
		}
		x := 40 + 4*float64(min(f, 60))
		if f > 100 {
			x += 4 * float64(f-100)
		}
		return Box{x, 120, 50, 120}, true
	}
	miss := map[int]bool{}
	for f := 30; f < 36; f++ {
		miss[f] = true
	}
	for f := 70; f < 80; f++ {
		miss[f] = true
	}
	s := &scene{w: 640, h: 360, frames: 150, noise: 0.02, seed: 5, actors: []actor{{class: 0, label: "person", at: path, miss: miss}}}
	o := run(t, Config{}, s)
	o.checkOnePerActor(t, 0)
	for f := 30; f < 36; f++ {
		if len(o.objs[f]) != 1 || o.objs[f][0].Lost != f-29 {
			t.Fatalf("frame %d: %+v, want the person coasting, lost %d", f, o.objs[f], f-29)
		}
	}
}

func TestLongMissIsANewObject(t *testing.T) {
	// Missed for more than MaxLost frames, an object has left: it leaves
	// when the (MaxLost+1)th frame goes by without it, its End the last
	// frame it was seen, and comes back under a new id.
	miss := map[int]bool{}
	for f := 20; f < 40; f++ {
		miss[f] = true
	}
	s := &scene{w: 640, h: 360, frames: 60, seed: 7, actors: []actor{{class: 2, label: "car", at: linear(300, 150, 80, 60, 0, 0, 0, 60), miss: miss}}}
	o := run(t, Config{MaxLost: 10}, s)
	if ids := o.idsOf[0]; !slices.Equal(ids, []int{1, 2}) {
		t.Fatalf("ids %v, want [1 2]", ids)
	}
	enter, leave := o.viewEvents(1)
	if enter == nil || leave == nil {
		t.Fatalf("id 1 has no enter or leave:\n%s", o.dump())
	}
	if enter.Start != 0 || enter.Time != frame(2) || enter.Frames != 3 {
		t.Errorf("enter %+v: want start 0, time frame 2, 3 frames", *enter)
	}
	if leave.End != frame(19) || leave.Time != frame(30) || leave.Frames != 20 {
		t.Errorf("leave %+v: want end frame 19, time frame 30, 20 frames", *leave)
	}
	for f := 20; f <= 29; f++ {
		if len(o.objs[f]) != 1 || o.objs[f][0].Lost != f-19 {
			t.Errorf("frame %d: %+v, want id 1 coasting", f, o.objs[f])
		}
	}
	if len(o.objs[30]) != 0 {
		t.Errorf("frame 30: %+v, want none", o.objs[30])
	}
	enter2, leave2 := o.viewEvents(2)
	if enter2 == nil || enter2.Start != frame(40) || enter2.Time != frame(42) || leave2 == nil || leave2.End != frame(59) {
		t.Errorf("id 2: enter %+v leave %+v", enter2, leave2)
	}
}

func TestLeavingTheFrame(t *testing.T) {
	// Objects that walk out of the frame leave within a few frames of
	// the last sighting, long before MaxLost; whether the detector cuts
	// their boxes at the edge or reports them past it.
	for _, clip := range []bool{true, false} {
		t.Run(fmt.Sprintf("clip=%v", clip), func(t *testing.T) {
			s := &scene{w: 640, h: 360, frames: 120, noise: 0.02, clip: clip, minVisible: 0.4, seed: 11,
				actors: []actor{
					{class: 2, label: "car", at: linear(300, 200, 100, 60, 12, 0, 0, 120)},
					{class: 0, label: "person", at: linear(200, 150, 40, 100, -6, 2, 0, 120)},
				}}
			if !clip {
				// Past the edge, the detector stops at half shown.
				for i := range s.actors {
					at := s.actors[i].at
					s.actors[i].at = func(f int) (Box, bool) {
						b, ok := at(f)
						x0, x1 := max(b.X, 0), min(b.X+b.W, 640)
						y0, y1 := max(b.Y, 0), min(b.Y+b.H, 360)
						return b, ok && x1 > x0 && y1 > y0 && (x1-x0)*(y1-y0) >= 0.5*b.W*b.H
					}
				}
			}
			o := run(t, Config{MaxLost: 60}, s)
			o.checkOnePerActor(t, 0, 1)
			for id := 1; id <= 2; id++ {
				_, leave := o.viewEvents(id)
				if leave == nil {
					t.Fatalf("id %d never left", id)
				}
				if lag := leave.Time - leave.End; lag > frame(8) || leave.Time >= frame(120) {
					t.Errorf("id %d left at %v, %v after it was last seen (%v)", id, leave.Time, lag, leave.End)
				}
			}
		})
	}
}

func TestFalsePositive(t *testing.T) {
	// A ghost seen in one frame, and another in two frames in a row, make
	// no object and no event; the real object that comes later is id 1.
	ghost := Detection{Class: 15, Label: "bird", Score: 0.9, Box: Box{500, 40, 30, 20}}
	ghost2 := Detection{Class: 0, Label: "person", Score: 0.8, Box: Box{10, 10, 30, 80}}
	s := &scene{w: 640, h: 360, frames: 40, seed: 13,
		ghosts: map[int][]Detection{3: {ghost}, 7: {ghost2}, 8: {ghost2}},
		actors: []actor{{class: 0, label: "person", at: linear(300, 100, 50, 120, 2, 0, 10, 40)}}}
	o := run(t, Config{}, s)
	o.checkOnePerActor(t, 0)
	if ids := o.idsOf[0]; len(ids) != 1 || ids[0] != 1 {
		t.Errorf("the real person is %v, want id 1", ids)
	}
	for f := 0; f < 12; f++ {
		if len(o.objs[f]) != 0 {
			t.Errorf("frame %d reports %+v", f, o.objs[f])
		}
	}
	if len(o.objs[12]) != 1 || !o.objs[12][0].Best {
		t.Errorf("frame 12 (third of the person): %+v, want it entered, Best", o.objs[12])
	}
}

func TestMinHitsOne(t *testing.T) {
	// MinHits 1 enters on the first frame: the ghost is an object then.
	s := &scene{w: 640, h: 360, frames: 10, seed: 13,
		ghosts: map[int][]Detection{3: {{Class: 15, Label: "bird", Score: 0.9, Box: Box{500, 40, 30, 20}}}}}
	o := run(t, Config{MinHits: 1}, s)
	if len(o.objs[3]) != 1 || len(o.evs) != 2 || o.evs[0].Time != frame(3) || o.evs[1].End != frame(3) {
		t.Fatalf("objects %+v, events:\n%s", o.objs[3], o.dump())
	}
}

func TestManyWalkers(t *testing.T) {
	// Twelve objects of three classes cross a noisy street in both
	// directions at different speeds, entering and leaving at the edges,
	// some missed now and then. Each keeps to its own lane, 40 pixels
	// below the last: objects going the other way cross in front of or
	// behind each other, and hide each other; none overtakes another of
	// its class and direction (the lanes of those are 240 pixels apart),
	// which could hide it for longer than MaxLost.
	rng := rand.New(rand.NewPCG(17, 2))
	s := &scene{w: 1280, h: 720, frames: 400, noise: 0.03, hide: 0.3, clip: true, minVisible: 0.4, seed: 19}
	labels := []string{"person", "bicycle", "car"}
	var want []int
	for i := 0; i < 12; i++ {
		c := i % 3
		w, h := []float64{50, 70, 160}[c], []float64{130, 90, 100}[c]
		v := 3 + 6*rng.Float64()
		x := -w + 1
		if i%2 == 1 {
			v, x = -v, 1280-1
		}
		from := rng.IntN(150)
		y := 200 + 40*float64(i) - h
		miss := map[int]bool{}
		for k := 0; k < 3; k++ {
			m := from + 20 + rng.IntN(100)
			for j := 0; j < 1+rng.IntN(5); j++ {
				miss[m+j] = true
			}
		}
		s.actors = append(s.actors, actor{class: c, label: labels[c], at: linear(x, y, w, h, v, 0, from, 400), depth: y + h, miss: miss})
		want = append(want, i)
	}
	o := run(t, Config{}, s)
	o.checkOnePerActor(t, want...)
}

func TestByteTrackSecondRound(t *testing.T) {
	// With HighScore 0.5 and the detector kept down to 0.2, a person
	// whose score drops to 0.3 for 30 frames (twice MaxLost) keeps its
	// id, and low scores alone never start a track.
	low := map[int]float32{}
	for f := 20; f < 50; f++ {
		low[f] = 0.3
	}
	s := &scene{w: 640, h: 360, frames: 70, noise: 0.02, seed: 23,
		actors: []actor{
			{class: 0, label: "person", at: linear(100, 100, 50, 120, 3, 0, 0, 70), score: low},
			{class: 0, label: "person", at: linear(500, 100, 50, 120, 0, 0, 0, 70), score: map[int]float32{}},
		}}
	for f := 0; f < 70; f++ {
		s.actors[1].score[f] = 0.25
	}
	cfg := Config{Filter: Filter{MinScore: 0.2}, HighScore: 0.5}
	o := run(t, cfg, s)
	o.checkOnePerActor(t, 0)

	// Without the second round the person leaves and comes back.
	o = run(t, Config{Filter: Filter{MinScore: 0.5}}, s)
	if ids := o.idsOf[0]; len(ids) != 2 {
		t.Errorf("without low scores: ids %v, want two", ids)
	}
}

func TestTimeNotFrames(t *testing.T) {
	// The motion model runs on the source's clock: two cars cross at 15
	// pixels a frame (30 frames/s) while, after the first four, the
	// frames reach the tracker one to six frame intervals apart, and
	// keep their ids; the time since the last frame says how far each
	// has gone.
	for seed := uint64(0); seed < 10; seed++ {
		rng := rand.New(rand.NewPCG(seed, 3))
		keep := map[int]bool{0: true, 1: true, 2: true, 3: true}
		for f := 3; f < 80; f += 1 + rng.IntN(6) {
			keep[f] = true
		}
		s := &scene{w: 1280, h: 720, frames: 80, noise: 0.01, seed: seed, hide: 0.2, clip: true, minVisible: 0.4,
			drop: func(f int) bool { return !keep[f] },
			actors: []actor{
				{class: 2, label: "car", at: linear(20, 300, 120, 80, 15, 0, 0, 80), depth: 2},
				{class: 2, label: "car", at: linear(1140, 310, 120, 80, -15, 0, 0, 80), depth: 1},
			}}
		o := run(t, Config{}, s)
		o.checkOnePerActor(t, 0, 1)
		if t.Failed() {
			t.Fatalf("seed %d", seed)
		}
	}
}

func TestEventsAndObjectsAgree(t *testing.T) {
	// Best marks exactly the frames where the peak rose, and every
	// event's peak is one of them; the objects' boxes while coasting
	// follow the motion.
	s := &scene{w: 640, h: 360, frames: 60, noise: 0.02, seed: 31,
		actors: []actor{{class: 0, label: "person", at: linear(100, 100, 50, 120, 5, 0, 0, 60), miss: map[int]bool{30: true, 31: true}}}}
	o := run(t, Config{}, s)
	o.checkOnePerActor(t, 0)
	var peak float32
	var peakAt time.Duration
	for f, objs := range o.objs {
		for _, ob := range objs {
			if ob.Best != (ob.Lost == 0 && ob.Score > peak) {
				t.Errorf("frame %d: Best %v with score %v, peak %v", f, ob.Best, ob.Score, peak)
			}
			if ob.Best {
				peak, peakAt = ob.Score, o.frames[f].at
			}
		}
	}
	_, leave := o.viewEvents(1)
	if leave == nil {
		t.Fatalf("id 1 never left:\n%s", o.dump())
	}
	if leave.PeakScore != peak || leave.PeakTime != peakAt {
		t.Errorf("leave peak %v at %v, want %v at %v", leave.PeakScore, leave.PeakTime, peak, peakAt)
	}
	for _, f := range []int{30, 31} {
		if len(o.objs[f]) != 1 || len(o.objs[f-1]) != 1 {
			t.Fatalf("frame %d: %+v, want the person coasting", f, o.objs[f])
		}
		ob := o.objs[f][0]
		prev := o.objs[f-1][0]
		if ob.Lost == 0 || !(ob.Box.X > prev.Box.X+2) {
			t.Errorf("frame %d: coasting box %v does not move on from %v", f, ob.Box, prev.Box)
		}
	}
}

// TestCoastingPrediction: a track that stops being seen coasts on the
// velocity it learnt, to within half a pixel after ten frames.
func TestCoastingPrediction(t *testing.T) {
	tr, _ := New(Config{MaxLost: 30}, 1000, 1000)
	var objs []Object
	for f := 0; f < 30; f++ {
		objs, _ = tr.Update(frame(f), []Detection{{Class: 1, Score: 0.9, Box: Box{100 + 6*float64(f), 500 - 3*float64(f), 60, 40}}}, objs, nil)
	}
	for f := 30; f < 40; f++ {
		objs, _ = tr.Update(frame(f), nil, objs, nil)
		if len(objs) != 1 {
			t.Fatalf("frame %d: %+v, want the object coasting", f, objs)
		}
		want := Box{100 + 6*float64(f), 500 - 3*float64(f), 60, 40}
		b := objs[0].Box
		if math.Abs(b.X-want.X) > 0.5 || math.Abs(b.Y-want.Y) > 0.5 || math.Abs(b.W-want.W) > 0.5 {
			t.Fatalf("frame %d: predicted %v, want %v", f, b, want)
		}
	}
}

func TestSeenTrackFirst(t *testing.T) {
	// Person A walks in front of person B, who is hidden from frame 7.
	// In frame 8 one box is seen, where B's coasting prediction puts B
	// and close to where A's puts A: it is A's, seen last frame (the
	// matching cascade of DeepSORT), not B's, coasting for the second
	// frame, though B's prediction overlaps it a little better.
	tr, err := New(Config{}, 640, 360)
	if err != nil {
		t.Fatal(err)
	}
	person := func(x float64) Detection {
		return Detection{Class: 0, Label: "person", Score: 0.9, Box: Box{x, 100, 40, 100}}
	}
	var objs []Object
	for f := 0; f < 7; f++ {
		objs, _ = tr.Update(frame(f), []Detection{person(100 + 5*float64(f)), person(187 - 6*float64(f))}, objs, nil)
	}
	objs, _ = tr.Update(frame(7), []Detection{person(135)}, objs, nil)
	if len(objs) != 2 || objs[0].Lost != 0 || objs[1].Lost != 1 {
		t.Fatalf("frame 7: %+v", objs)
	}
	// Where the tracker will predict A and B in frame 8.
	predict := func(m motion) Box { m.predict(nominalFrame.Seconds()); return m.box() }
	a, b := predict(tr.tracks[0].m), predict(tr.tracks[1].m)
	ia, ib := iou(a, b), 1.0
	if !(ia > 0.8 && ib-ia < 2*lostPenalty) {
		t.Fatalf("predictions %v and %v overlap %v: the test needs them closer", a, b, ia)
	}
	det := Detection{Class: 0, Label: "person", Score: 0.9, Box: b}
	objs, _ = tr.Update(frame(8), []Detection{det}, objs, nil)
	if len(objs) != 2 || objs[0].ID != 1 || objs[0].Lost != 0 || objs[0].Box != b || objs[1].Lost != 2 {
		t.Fatalf("frame 8: %+v, want id 1 (A) matched with %v and B coasting", objs, b)
	}
}
