package pipeline_test

import (
	"fmt"
	"image"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"gocv.io/x/gocv"

	"github.com/livecam/livecam/pipeline"
	"github.com/livecam/livecam/track"
)

// Moving scenes: videos generated frame by frame, in which objects cut out
// of the demo photos (sprites, each with the rectangle of its photo's
// background around it) move over a lawn by laws the test knows, so the
// truth of every frame is known: which object is where. They play as a
// file (every frame processed, 40 ms apart) through the real COCO
// detector (minimum score 0.5) and the tracker with its defaults (MinHits
// 3, MaxLost 15, IoU 0.3), and judge checks the ids and events against
// that truth, not against what the code happened to output.
//
// The detector is byte-exact on every kernel path (and OpenCV resizes
// 8-bit pictures in fixed point), so each scene's detections, misses and
// mistakes included, are the same on every machine. Each scene was
// chosen among neighbours (heights, speeds, post positions a few pixels
// apart) that give the same verdict, so that the test does not hang on
// one lucky configuration; for the two dogs no such region exists for
// the full property, and a weaker one is asserted (see there).

// The frame of every scene: 16:9, small (the network sees 300x300).
const movW, movH = 480, 270

// sprite returns the object inside box of a demo photo, scaled by scale;
// the test closes it.
func sprite(tb testing.TB, name string, box image.Rectangle, scale float64) gocv.Mat {
	tb.Helper()
	img := photo(tb, name, 0, 0)
	if !box.In(image.Rect(0, 0, img.Cols(), img.Rows())) {
		tb.Fatalf("%s: box %v outside the %dx%d photo", name, box, img.Cols(), img.Rows())
	}
	region := img.Region(box)
	defer region.Close()
	out := gocv.NewMat()
	size := image.Pt(int(float64(box.Dx())*scale+0.5), int(float64(box.Dy())*scale+0.5))
	gocv.Resize(region, &out, size, 0, 0, gocv.InterpolationArea)
	tb.Cleanup(func() { out.Close() })
	return out
}

// The sprites, from the detector's own boxes in the photos
// (golden-detect's predictions.tsv), at the scenes' scale.

// greyhound is the left dog of pets.jpg, 76x145.
func greyhound(tb testing.TB) gocv.Mat {
	return sprite(tb, "pets.jpg", image.Rect(123, 50, 250, 291), 0.6)
}

// terrier is the right dog of pets.jpg, 91x120.
func terrier(tb testing.TB) gocv.Mat {
	return sprite(tb, "pets.jpg", image.Rect(344, 165, 496, 365), 0.6)
}

// squatter is the person of squat.jpg, 120x207.
func squatter(tb testing.TB) gocv.Mat {
	return sprite(tb, "squat.jpg", image.Rect(102, 136, 369, 597), 0.45)
}

// tabby is the cat of cat.jpg, 144x130.
func tabby(tb testing.TB) gocv.Mat {
	return sprite(tb, "cat.jpg", image.Rect(44, 45, 365, 333), 0.45)
}

// lawn returns the scenes' background: a patch of the dogs' photo's grass
// with nothing on it, stretched to the frame. On a plain grey or green
// background the detector takes the terrier for a horse in most frames;
// on grass it sees a dog.
func lawn(tb testing.TB) gocv.Mat {
	tb.Helper()
	pets := photo(tb, "pets.jpg", 0, 0)
	grass := pets.Region(image.Rect(0, 320, 340, 430))
	defer grass.Close()
	bg := gocv.NewMat()
	gocv.Resize(grass, &bg, image.Pt(movW, movH), 0, 0, gocv.InterpolationLinear)
	tb.Cleanup(func() { bg.Close() })
	return bg
}

// actor is one object of a scene.
type actor struct {
	name  string   // for messages: "greyhound"
	label string   // what the detector calls it
	img   gocv.Mat // its sprite
	// at is its sprite's top-left corner in frame f: its law of motion.
	// The sprite may lie partly or wholly off the frame.
	at func(f int) image.Point
}

// movie is a generated video.
type movie struct {
	name   string
	frames int
	bg     gocv.Mat
	actors []actor // painted in this order: a later actor is in front
	// posts are painted last, in front of every actor.
	posts []image.Rectangle
}

// rect returns actor a's rectangle in frame f, clipped to the frame
// (empty when it is off the frame): the truth detections are matched to.
func (m *movie) rect(a, f int) image.Rectangle {
	act := m.actors[a]
	p := act.at(f)
	r := image.Rectangle{Min: p, Max: p.Add(image.Pt(act.img.Cols(), act.img.Rows()))}
	return r.Intersect(image.Rect(0, 0, movW, movH))
}

// whole reports whether actor a is wholly inside frame f.
func (m *movie) whole(a, f int) bool {
	r := m.rect(a, f)
	return r.Dx() == m.actors[a].img.Cols() && r.Dy() == m.actors[a].img.Rows()
}

// render draws frame f into dst.
func (m *movie) render(f int, dst *gocv.Mat) {
	m.bg.CopyTo(dst)
	for a, act := range m.actors {
		r := m.rect(a, f)
		if r.Empty() {
			continue
		}
		src := act.img.Region(r.Sub(act.at(f)))
		to := dst.Region(r)
		src.CopyTo(&to)
		src.Close()
		to.Close()
	}
	for _, p := range m.posts {
		to := dst.Region(p)
		to.SetTo(gocv.NewScalar(70, 72, 78, 0)) // grey, like the fence's posts
		to.Close()
	}
}

// movieSource plays a movie as a file: every frame, 40 ms apart, rendered
// when it is read.
type movieSource struct {
	m *movie
	f int
}

func (s *movieSource) Info() pipeline.SourceInfo {
	return pipeline.SourceInfo{Name: s.m.name, Width: movW, Height: movH, FPS: 25, Frames: s.m.frames}
}

func (s *movieSource) Read(dst *gocv.Mat) (pipeline.Frame, error) {
	if s.f == s.m.frames {
		return pipeline.Frame{}, io.EOF
	}
	s.m.render(s.f, dst)
	fr := pipeline.Frame{PTS: pts(s.f)}
	s.f++
	return fr, nil
}

func (s *movieSource) Close() error { return nil }

// pts is frame f's time.
func pts(f int) time.Duration { return time.Duration(f) * 40 * time.Millisecond }

// linear is the law of an actor that starts at p and moves by v pixels a
// frame.
func linear(p, v image.Point) func(int) image.Point {
	return func(f int) image.Point { return p.Add(v.Mul(f)) }
}

// trackConfig is the tracking of every scene: the defaults.
func trackConfig() *track.Config { return &track.Config{} }

// play runs mv through the detector and the tracker and judges the run
// (strict: see judge); on a wrong verdict it logs the run frame by frame.
func play(t *testing.T, mv *movie, strict bool) ([]frameResult, []track.Event) {
	t.Helper()
	got, evs, _ := runDetector(t, pipeline.Config{Source: &movieSource{m: mv}, Model: detectModel(t), Filter: halfScore, Track: trackConfig()}, nil)
	bad := judge(mv, got, evs, strict)
	for _, b := range bad {
		t.Error(b)
	}
	if len(bad) > 0 {
		t.Logf("the run, frame by frame (truth -> detections, id:label score box):\n%s", runLog(mv, got, evs))
	}
	return got, evs
}

// runLog shows a run: per frame the actors' rectangles and the reported
// objects, then the events.
func runLog(mv *movie, got []frameResult, evs []track.Event) string {
	var b strings.Builder
	for _, r := range got {
		fmt.Fprintf(&b, "%3d", r.frame)
		for a, act := range mv.actors {
			fmt.Fprintf(&b, " [%s %v]", act.name, mv.rect(a, int(r.frame)))
		}
		b.WriteString(" ->")
		for _, o := range r.objs {
			fmt.Fprintf(&b, " %d:%s %.2f %v", o.ID, o.Label, o.Score, o.Box)
		}
		b.WriteByte('\n')
	}
	for _, e := range evs {
		fmt.Fprintf(&b, "%s id %d %s zone %q: start %v end %v at %v\n", e.Type, e.ID, e.Label, e.Zone, e.Start, e.End, e.Time)
	}
	return b.String()
}

// requireTracked checks that actor a, in the frames from..to-1 in which it
// is wholly in view, is reported with an id in at least half of them.
func requireTracked(t *testing.T, mv *movie, got []frameResult, a, from, to int, when string) {
	t.Helper()
	n, of := 0, 0
	for f := from; f < to; f++ {
		if !mv.whole(a, f) {
			continue
		}
		of++
		for _, o := range got[f].objs {
			if o.ID != 0 && o.Label == mv.actors[a].label && rectIoU(o.Box, mv.rect(a, f)) >= 0.5 {
				n++
				break
			}
		}
	}
	if of == 0 || 2*n < of {
		t.Errorf("%s %s: reported with an id in %d of the %d frames it is wholly in view (%d to %d)", mv.actors[a].name, when, n, of, from, to-1)
	}
}

// TestMovingObjects plays four generated scenes through the detector and
// the tracker; see each scene. With -short (the race detector's run) only
// the crossing plays: the pipeline's concurrency is the same in all four.
func TestMovingObjects(t *testing.T) {
	bg := lawn(t)
	long := func(t *testing.T) {
		if testing.Short() {
			t.Skip("-short: only the crossing plays")
		}
	}

	// A dog walks in from the left edge, across the lawn, behind a post,
	// and out at the right edge. The post hides it from the detector
	// for ten frames (it is lost as soon as a tenth of it is behind the
	// post); its track coasts on the motion model and takes it back on
	// the other side: one id, one enter, one leave, decided when it
	// leaves the frame.
	t.Run("walking and leaving", func(t *testing.T) {
		long(t)
		mv := &movie{name: "walk", frames: 66, bg: bg, actors: []actor{
			{name: "greyhound", label: "dog", img: greyhound(t), at: linear(image.Pt(-76, 70), image.Pt(10, 0))},
		}, posts: []image.Rectangle{image.Rect(220, 0, 260, movH)}}
		got, _ := play(t, mv, true)
		requireTracked(t, mv, got, 0, 0, 17, "before the post")
		requireTracked(t, mv, got, 0, 34, 66, "after the post")
	})

	// A person walks left to right while a dog, farther away (higher in
	// the frame), walks right to left behind her: their boxes cross,
	// and her body hides the lower half of the dog's box, so the
	// detector loses the dog for eight frames (boxing its head as a
	// person, then as a baseball glove) and sees it again on her other
	// side. Each keeps its id: the dog's coasting track, carried by the
	// motion model, takes the dog back, and neither id is ever on the
	// other.
	//
	// The crossing is partial on purpose. With the dog passing behind
	// her whole body (at y 140, the person at 30), the tracker loses
	// both: before the dog vanishes, the detector boxes only its
	// shrinking visible part, whose centre moves the wrong way, so the
	// coasting prediction misses the dog when it comes out ten frames
	// later (new id); and as it comes out, the detector boxes dog and
	// person together as one "person" for three frames, the person's
	// track takes that box, and a tentative track on her own box wins
	// her next detection (new id for her too).
	t.Run("crossing", func(t *testing.T) {
		mv := &movie{name: "cross", frames: 80, bg: bg, actors: []actor{
			{name: "terrier", label: "dog", img: terrier(t), at: linear(image.Pt(440, 0), image.Pt(-8, 0))},
			{name: "squatter", label: "person", img: squatter(t), at: linear(image.Pt(-100, 58), image.Pt(8, 0))},
		}}
		play(t, mv, true)
	})

	// A cat walks in, stops for 20 frames, and walks on and out: one id
	// throughout, through the stop (the motion model must lose its
	// speed) and the start again.
	t.Run("pausing", func(t *testing.T) {
		long(t)
		const stop, still = 20, 20 // the cat stops at frame 20 for 20 frames
		at := func(f int) image.Point {
			switch {
			case f < stop:
				return image.Pt(10+8*f, 60)
			case f < stop+still:
				return image.Pt(10+8*stop, 60)
			}
			return image.Pt(10+8*stop+8*(f-stop-still), 60)
		}
		mv := &movie{name: "pause", frames: 88, bg: bg, actors: []actor{
			{name: "tabby", label: "cat", img: tabby(t), at: at},
		}}
		got, _ := play(t, mv, true)
		requireTracked(t, mv, got, 0, 0, stop, "walking in")
		requireTracked(t, mv, got, 0, stop, stop+still, "standing")
		requireTracked(t, mv, got, 0, stop+still, mv.frames, "walking on")
	})

	// Two dogs cross in opposite directions, the terrier in front (lower
	// in the frame) hiding most of the greyhound (80% of its height) as
	// they pass: the hardest case, two of a kind.
	//
	// The full property (one id each throughout, judge's strict) holds
	// in this scene, but not robustly: among the 45 scenes around it
	// (the greyhound 50 to 70 pixels from the top, the terrier 85 to 95,
	// speeds 7 to 9 pixels a frame) it holds in 31. In the others the
	// detector boxes both dogs in one "dog" for a few frames as they
	// part; the greyhound's coasting track takes that box and its motion
	// is thrown off, while the real greyhound's box starts a tentative
	// track which, nearer to it, then wins the greyhound's detection
	// over the confirmed track (the tracker does not match confirmed
	// tracks first): the greyhound gets a new id. With less overlap
	// (15 to 55 pixels) the box of both often lasts three frames and
	// becomes a track of its own. So this asserts the weaker property that
	// holds in all 45 (judge, not strict): leaving out the frames in
	// which the dogs overlap, each dog has one id before the crossing,
	// on all its boxes, and ends with one after it, on all its boxes
	// from its first; no id is ever on both dogs, and no dog carries the
	// other's id from before the crossing after it (no swap: without the
	// motion model they swap here); at least one dog keeps its id; and
	// every track, one on a box of both included, enters and leaves
	// once. The strict verdict is logged.
	t.Run("two dogs crossing", func(t *testing.T) {
		long(t)
		mv := &movie{name: "dogs", frames: 80, bg: bg, actors: []actor{
			{name: "greyhound", label: "dog", img: greyhound(t), at: linear(image.Pt(-76, 60), image.Pt(8, 0))},
			{name: "terrier", label: "dog", img: terrier(t), at: linear(image.Pt(480, 90), image.Pt(-8, 0))},
		}}
		got, evs := play(t, mv, false)
		t.Logf("the full property (strict): %q (empty: holds)", judge(mv, got, evs, true))
	})
}

// judge checks a run of mv (every frame's result and the object events)
// against its truth and returns what is wrong, one line each.
//
// A detection is a sighting of an actor when it overlaps the actor's
// rectangle with an IoU of at least 0.5, overlaps no other actor's that
// well (a box of two overlapping actors is of neither: the detector's box
// around both) and has the actor's label (a wrong label is the detector's
// mistake, which the tracker cannot repair; such a box must not make a
// track of its own).
//
// Strict: each actor is tracked under exactly one id, which is on every
// sighting of it from its first on, and it is tracked before and after
// each crossing with another actor.
//
// Not strict (see the two dogs): the frames in which actors overlap are
// left out. Before them, each actor has exactly one id, on every
// sighting from its first on. After them, each actor ends with one id
// that is on every sighting from its first on to the end (it may have
// had others just after the crossing); no id after the crossing is
// another actor's from before it (no swap); and at least one actor ends
// with the id it had before.
//
// In both: no id is on two actors; a detection with an id that is no
// sighting (a box of part of an actor, or of two) lies mostly inside its
// id's actor or contains it; a track that is no actor's is an error
// unless it lived only within the left-out frames, on boxes of actors;
// and each track enters once, on the first frame it is reported, and
// leaves once, after its last, decided by the tracker (before the run's
// end) for actors that left the frame.
func judge(mv *movie, got []frameResult, evs []track.Event, strict bool) []string {
	var bad []string
	fail := func(format string, args ...any) { bad = append(bad, fmt.Sprintf(format, args...)) }
	if len(got) != mv.frames {
		return []string{fmt.Sprintf("%d results for %d frames", len(got), mv.frames)}
	}
	for f, r := range got {
		if r.frame != int64(f) || !r.inferred {
			return []string{fmt.Sprintf("result %d is frame %d (inferred %v)", f, r.frame, r.inferred)}
		}
	}
	n := len(mv.actors)
	// part[f]: the part of the run frame f is in when not strict, the
	// number of crossings before it, or -1 inside one.
	part := make([]int, mv.frames)
	parts := 1
	for f := range part {
		crossing := false
		for a := range n {
			for b := a + 1; b < n; b++ {
				crossing = crossing || mv.rect(a, f).Overlaps(mv.rect(b, f))
			}
		}
		switch {
		case strict:
		case crossing:
			part[f] = -1
		default:
			if f > 0 && part[f-1] == -1 {
				parts++
			}
			part[f] = parts - 1
		}
	}
	if !strict && parts != 2 {
		fail("%d parts in %s, want one crossing", parts, mv.name)
		return bad
	}

	type span struct{ first, last int }
	seen := map[int]*span{} // id → the frames it is reported on
	owner := map[int]int{}  // id → its actor
	// sight[a][f]: the ids of actor a's sightings in frame f (0: none),
	// nil when it has none.
	sight := make([][][]int, n)
	for a := range sight {
		sight[a] = make([][]int, mv.frames)
	}
	type loose struct {
		f, id int
		b     image.Rectangle
	}
	var looseOnes []loose
	for f, r := range got {
		for _, o := range r.objs {
			if o.ID != 0 {
				if s := seen[o.ID]; s == nil {
					seen[o.ID] = &span{f, f}
				} else {
					s.last = f
				}
			}
			a, matches := -1, 0
			for i := range n {
				if rectIoU(o.Box, mv.rect(i, f)) >= 0.5 {
					a, matches = i, matches+1
				}
			}
			if matches != 1 || o.Label != mv.actors[a].label || part[f] < 0 {
				if o.ID != 0 {
					looseOnes = append(looseOnes, loose{f, o.ID, o.Box})
				}
				continue
			}
			sight[a][f] = append(sight[a][f], o.ID)
			if o.ID == 0 {
				continue
			}
			if prev, ok := owner[o.ID]; ok && prev != a {
				fail("frame %d: id %d, %s's, is on %s at %v", f, o.ID, mv.actors[prev].name, mv.actors[a].name, o.Box)
				continue
			}
			owner[o.ID] = a
		}
	}

	// Mostly inside or containing: the overlap is at least half the
	// smaller box.
	near := func(b image.Rectangle, a, f int) bool {
		r := mv.rect(a, f)
		in := b.Intersect(r)
		return 2*in.Dx()*in.Dy() >= min(b.Dx()*b.Dy(), r.Dx()*r.Dy())
	}
	for _, l := range looseOnes {
		if a, ok := owner[l.id]; ok {
			if !near(l.b, a, l.f) {
				fail("frame %d: id %d, %s's, is on %v, away from it at %v", l.f, l.id, mv.actors[a].name, l.b, mv.rect(a, l.f))
			}
			continue
		}
		s := seen[l.id]
		within := true
		for f := s.first; f <= s.last; f++ {
			within = within && part[f] < 0
		}
		onActor := false
		for a := range n {
			onActor = onActor || near(l.b, a, l.f)
		}
		if !within || !onActor {
			fail("frame %d: id %d at %v is on no object of the scene", l.f, l.id, l.b)
		}
	}

	// stable checks actor a in the frames of part p: it is sighted with
	// an id, and the one it ends the part with (the only one when only)
	// is on every sighting of it from its first on. It returns the ids
	// of the part, in order, the last one the one it ends with.
	stable := func(a, p int, only bool) []int {
		var ids []int
		last := -1
		for f := range mv.frames {
			if part[f] != p {
				continue
			}
			for _, id := range sight[a][f] {
				if id != 0 && !slices.Contains(ids, id) {
					ids = append(ids, id)
				}
				if id != 0 {
					last = id
				}
			}
		}
		name := mv.actors[a].name
		when := ""
		if !strict {
			when = [...]string{" before the crossing", " after the crossing"}[p]
		}
		switch {
		case len(ids) == 0:
			fail("%s was never tracked%s", name, when)
			return nil
		case only && len(ids) > 1:
			fail("%s had the ids %v%s: its track was lost", name, ids, when)
		}
		since := false // from its first sighting with last on
		for f := range mv.frames {
			if part[f] != p || len(sight[a][f]) == 0 {
				continue
			}
			has := slices.Contains(sight[a][f], last)
			since = since || has
			if since && !has {
				fail("frame %d: %s is detected without its id %d", f, name, last)
			}
		}
		if last != ids[len(ids)-1] {
			ids = append(slices.DeleteFunc(ids, func(id int) bool { return id == last }), last)
		}
		return ids
	}
	if strict {
		for a := range n {
			ids := stable(a, 0, true)
			// Tracked before and after each crossing with another actor.
			for b := range n {
				first, last := -1, -1
				for f := range mv.frames {
					if b != a && mv.rect(a, f).Overlaps(mv.rect(b, f)) {
						if first < 0 {
							first = f
						}
						last = f
					}
				}
				if first < 0 || len(ids) == 0 {
					continue
				}
				if s := seen[ids[0]]; s.first >= first || s.last <= last {
					fail("%s crosses %s in frames %d to %d: tracked in %d to %d", mv.actors[a].name, mv.actors[b].name, first, last, s.first, s.last)
				}
			}
		}
	} else {
		before, after := make([][]int, n), make([][]int, n)
		for a := range n {
			before[a], after[a] = stable(a, 0, true), stable(a, 1, false)
		}
		kept := false
		for a := range n {
			if len(before[a]) == 0 || len(after[a]) == 0 {
				kept = true // told above
				continue
			}
			kept = kept || after[a][len(after[a])-1] == before[a][0]
			for b := range n {
				if b != a && len(before[b]) > 0 && slices.Contains(after[a], before[b][0]) {
					fail("%s has %s's id %d after the crossing: swapped", mv.actors[a].name, mv.actors[b].name, before[b][0])
				}
			}
		}
		if !kept {
			fail("no actor kept its id through the crossing: before %v, after %v", before, after)
		}
	}

	// The events.
	enters, leaves := map[int][]track.Event{}, map[int][]track.Event{}
	for _, e := range evs {
		switch {
		case e.Zone != "":
		case seen[e.ID] == nil:
			fail("%s event of id %d (%s), never reported", e.Type, e.ID, e.Label)
		case e.Type == track.Enter:
			enters[e.ID] = append(enters[e.ID], e)
		default:
			leaves[e.ID] = append(leaves[e.ID], e)
		}
	}
	end := pts(mv.frames - 1)
	for id, s := range seen {
		name := fmt.Sprintf("id %d", id)
		a, owned := owner[id]
		if owned {
			name += " (" + mv.actors[a].name + ")"
		}
		if len(enters[id]) != 1 || len(leaves[id]) != 1 {
			fail("%s: %d enter and %d leave events", name, len(enters[id]), len(leaves[id]))
			continue
		}
		in, out := enters[id][0], leaves[id][0]
		if owned && (in.Label != mv.actors[a].label || out.Label != mv.actors[a].label) {
			fail("%s: events say %s and %s", name, in.Label, out.Label)
		}
		if in.Time != pts(s.first) {
			fail("%s entered at %v, first reported at %v", name, in.Time, pts(s.first))
		}
		if out.End != pts(s.last) || out.Time <= out.End {
			fail("%s left at %v, last seen at %v, last reported at %v", name, out.Time, out.End, pts(s.last))
		}
		if owned && mv.rect(a, mv.frames-1).Empty() && out.Time >= end {
			fail("%s left the frame, but its track ended only with the run, at %v", name, out.Time)
		}
	}
	return bad
}

// rectIoU is the intersection over union of two rectangles.
func rectIoU(a, b image.Rectangle) float64 {
	in := a.Intersect(b)
	if in.Empty() {
		return 0
	}
	i := in.Dx() * in.Dy()
	return float64(i) / float64(a.Dx()*a.Dy()+b.Dx()*b.Dy()-i)
}
