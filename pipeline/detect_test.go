package pipeline_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"io"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"gocv.io/x/gocv"

	"github.com/livecam/livecam/classify"
	"github.com/livecam/livecam/detect"
	"github.com/livecam/livecam/events"
	"github.com/livecam/livecam/internal/cvprep"
	"github.com/livecam/livecam/internal/testrig/shareddata"
	"github.com/livecam/livecam/models"
	"github.com/livecam/livecam/net/mobilenet"
	"github.com/livecam/livecam/net/tflite"
	"github.com/livecam/livecam/pipeline"
	"github.com/livecam/livecam/pipeline/stage"
	"github.com/livecam/livecam/source/push"
	"github.com/livecam/livecam/track"
)

var (
	detOnce  sync.Once
	detModel *models.Model
	detErr   error
)

// halfScore is the filter the detector tests run with: objects scoring
// 0.5 or more.
var halfScore = detect.Filter{MinScore: 0.5}

// detectModel is the COCO SSD detector of ../shared, loaded once per test
// binary.
func detectModel(tb testing.TB) *models.Model {
	tb.Helper()
	graph := shareddata.Path(tb, "models", "tflite", "coco_ssd_mobilenet_v1_1.0_quant_2018_06_29.tflite")
	labels := shareddata.Path(tb, "models", "tflite", "coco_ssd_mobilenet_v1_labelmap.txt")
	detOnce.Do(func() {
		g, err := tflite.LoadGraph(graph)
		if err != nil {
			detErr = err
			return
		}
		l, err := mobilenet.LoadLabels(labels)
		if err != nil {
			detErr = err
			return
		}
		detModel = models.FromDetector("coco_ssd_mobilenet_v1", g, detect.Labels(l))
	})
	if detErr != nil {
		tb.Fatal(detErr)
	}
	return detModel
}

// photo returns a demo photo of ../shared, resized to w×h when w > 0;
// the test closes it.
func photo(tb testing.TB, name string, w, h int) gocv.Mat {
	tb.Helper()
	path := shareddata.Path(tb, "demo", name)
	img := gocv.IMRead(path, gocv.IMReadColor)
	if img.Empty() {
		img.Close()
		tb.Fatalf("cannot read %s", path)
	}
	if w > 0 {
		gocv.Resize(img, &img, image.Pt(w, h), 0, 0, gocv.InterpolationArea)
	}
	tb.Cleanup(func() { img.Close() })
	return img
}

// blank returns a grey w×h frame in which the detector finds nothing;
// the test closes it.
func blank(tb testing.TB, w, h int) gocv.Mat {
	img := gocv.NewMatWithSize(h, w, gocv.MatTypeCV8UC3)
	img.SetTo(gocv.NewScalar(128, 128, 128, 0))
	tb.Cleanup(func() { img.Close() })
	return img
}

// scene is a run of n frames showing one picture.
type scene struct {
	img gocv.Mat
	n   int
}

// sceneSource is a file-like source that plays scenes one after the
// other, 40 ms apart. A scene's picture of another size than the first
// scene's is delivered at its own size (as a camera that changed
// resolution delivers it: Frame.Width and Height say so).
type sceneSource struct {
	name   string
	scenes []scene
	i, k   int // scene, and frame within it
	n      int // frames delivered
}

func (s *sceneSource) Info() pipeline.SourceInfo {
	total := 0
	for _, sc := range s.scenes {
		total += sc.n
	}
	first := s.scenes[0].img
	return pipeline.SourceInfo{Name: s.name, Width: first.Cols(), Height: first.Rows(), FPS: 25, Frames: total}
}

func (s *sceneSource) Read(dst *gocv.Mat) (pipeline.Frame, error) {
	for s.i < len(s.scenes) && s.k == s.scenes[s.i].n {
		s.i, s.k = s.i+1, 0
	}
	if s.i == len(s.scenes) {
		return pipeline.Frame{}, io.EOF
	}
	img := s.scenes[s.i].img
	img.CopyTo(dst)
	fr := pipeline.Frame{PTS: time.Duration(s.n) * 40 * time.Millisecond}
	if first := s.scenes[0].img; img.Cols() != first.Cols() || img.Rows() != first.Rows() {
		fr.Width, fr.Height = img.Cols(), img.Rows()
	}
	s.k++
	s.n++
	return fr, nil
}

func (s *sceneSource) Close() error { return nil }

// sceneOf returns the scene index of frame f.
func (s *sceneSource) sceneOf(f int64) (i, k int) {
	for i, sc := range s.scenes {
		if f < int64(sc.n) {
			return i, int(f)
		}
		f -= int64(sc.n)
	}
	return -1, 0
}

// expected runs the detector on each scene's picture directly (OpenCV's
// stretch, then the network, objects from 0.5): what the pipeline must
// report for every inferred frame of it.
func expected(t *testing.T, m *models.Model, scenes []scene) [][]detect.Object {
	t.Helper()
	dm, err := detect.NewModel(m, halfScore)
	if err != nil {
		t.Fatal(err)
	}
	r := dm.NewRunner(1)
	defer r.Close()
	pre := cvprep.Stretch(dm.InputSize())
	defer pre.Close()
	want := make([][]detect.Object, len(scenes))
	for i, sc := range scenes {
		rgb, err := pre.RGB(sc.img)
		if err != nil {
			t.Fatal(err)
		}
		objs, err := r.DetectTensor(nil, rgb, sc.img.Cols(), sc.img.Rows())
		if err != nil {
			t.Fatal(err)
		}
		want[i] = objs
	}
	return want
}

// labels returns the objects' labels, sorted.
func labels(objs []detect.Object) string {
	var l []string
	for _, o := range objs {
		l = append(l, o.Label)
	}
	slices.Sort(l)
	return strings.Join(l, ",")
}

// sameDetections reports whether got are want (class, label, score and
// both boxes), ids aside.
func sameDetections(got, want []detect.Object) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		g, w := got[i], want[i]
		g.ID, w.ID = 0, 0
		if g != w {
			return false
		}
	}
	return true
}

// frameResult is what a test keeps of one Result.
type frameResult struct {
	frame    int64
	inferred bool
	objs     []detect.Object
	w, h     int
}

// runDetector runs cfg (its Source a sceneSource) and returns each
// frame's result, the object events and the Logf lines. When order is not
// nil, it logs there each result ("result N") and each enter event of the
// view ("enter ID") in the order the pipeline delivers them.
func runDetector(t *testing.T, cfg pipeline.Config, order *[]string) ([]frameResult, []track.Event, []string) {
	t.Helper()
	var results []frameResult
	var evs []track.Event
	var logs []string
	note := func(format string, args ...any) {
		if order != nil {
			*order = append(*order, fmt.Sprintf(format, args...))
		}
	}
	cfg.OnResult = func(r *pipeline.Result) {
		if !r.Detection() || len(r.Top()) != 0 {
			t.Errorf("frame %d: Detection() %v with %d classes: not a detector's result", r.Frame, r.Detection(), len(r.Top()))
		}
		note("result %d", len(results))
		results = append(results, frameResult{frame: r.Frame, inferred: r.Inferred, objs: slices.Clone(r.Objects()), w: r.Width, h: r.Height})
	}
	if cfg.Track != nil {
		cfg.OnObjectEvent = func(e track.Event) {
			if e.Type == track.Enter && e.Zone == "" {
				note("enter %d", e.ID)
			}
			e.Zones = slices.Clone(e.Zones)
			evs = append(evs, e)
		}
	}
	cfg.Logf = func(format string, args ...any) { logs = append(logs, fmt.Sprintf(format, args...)) }
	p, err := pipeline.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	return results, evs, logs
}

// TestDetectorPipeline plays two dogs, an empty room, a person, the empty
// room and the dogs again through a detector with tracking, and checks
// every frame: each inferred frame reports exactly what the detector
// finds in that picture (labels, scores, boxes in the frame's pixels,
// inside the frame), empty frames report nothing, each object has one id
// from its second frame on (MinHits 2) that stays the same while it is
// seen and is never given to another object, each object enters and
// leaves once (the last ones at the end of the run), its enter reaching
// OnObjectEvent no later than the first result with its id, it has a
// best frame (OnBestFrame: the picture as delivered, without overlay),
// and the results file says the same.
func TestDetectorPipeline(t *testing.T) {
	const w, h = 512, 430
	scenes := []scene{
		{photo(t, "pets.jpg", w, h), 8},
		{blank(t, w, h), 8},
		{photo(t, "grace_hopper.jpg", w, h), 8},
		{blank(t, w, h), 8},
		{photo(t, "pets.jpg", w, h), 6},
	}
	m := detectModel(t)
	want := expected(t, m, scenes)
	if got := labels(want[0]); got != "dog,dog" {
		t.Fatalf("the detector finds %q in pets.jpg, want two dogs", got)
	}
	if got := labels(want[2]); !strings.Contains(got, "person") {
		t.Fatalf("the detector finds %q in grace_hopper.jpg, want a person", got)
	}
	if len(want[1]) != 0 {
		t.Fatalf("the detector finds %q in a grey frame", labels(want[1]))
	}
	src := &sceneSource{name: "room", scenes: scenes}
	resultsPath := filepath.Join(t.TempDir(), "r.jsonl")
	results, err := resultsFile(resultsPath)
	if err != nil {
		t.Fatal(err)
	}
	// Events in the order the output goroutine delivers them, among the
	// results.
	var order []string
	best := map[int]int{} // id: OnBestFrame calls
	cfg := pipeline.Config{Source: src, Model: m, Filter: halfScore, Workers: 2, Sinks: []pipeline.Sink{results},
		Stages: []pipeline.Stage{stage.Overlay(nil)},
		Track:  &track.Config{MinHits: 2, MaxLost: 3},
		OnBestFrame: func(o detect.Object, frame gocv.Mat) {
			best[o.ID]++
			sc := 0
			if o.Label != "dog" {
				sc = 2
			}
			if o.ID == 0 || !slices.ContainsFunc(want[sc], func(w detect.Object) bool { return w.Box == o.Box && w.Label == o.Label }) {
				t.Errorf("best frame of %+v: not one of the picture's objects with an id", o)
			}
			if d := gocv.NormWithMats(frame, scenes[sc].img, gocv.NormL1); d != 0 {
				t.Errorf("best frame of %s #%d differs from the picture by %v: not the frame as delivered", o.Label, o.ID, d)
			}
		}}
	got, evs, _ := runDetector(t, cfg, &order)

	if len(got) != 38 {
		t.Fatalf("%d results for 38 frames", len(got))
	}
	bounds := image.Rect(0, 0, w, h)
	idsOf := map[int]map[int]bool{} // scene: ids seen
	owner := map[int]int{}          // id: scene
	for i, r := range got {
		sc, k := src.sceneOf(r.frame)
		if r.frame != int64(i) || !r.inferred {
			t.Fatalf("result %d: frame %d, inferred %v", i, r.frame, r.inferred)
		}
		if !sameDetections(r.objs, want[sc]) {
			t.Fatalf("frame %d (scene %d): got %+v\nwant %+v", r.frame, sc, r.objs, want[sc])
		}
		seen := map[int]bool{}
		for j, o := range r.objs {
			if o.Box.Empty() || !o.Box.In(bounds) {
				t.Errorf("frame %d: %s box %v not inside the %v frame", r.frame, o.Label, o.Box, bounds)
			}
			if k == 0 {
				if o.ID != 0 {
					t.Errorf("frame %d: %s has id %d on its first frame (MinHits 2)", r.frame, o.Label, o.ID)
				}
				continue
			}
			if o.ID == 0 || seen[o.ID] {
				t.Errorf("frame %d: %s has id %d (ids in the frame: %v)", r.frame, o.Label, o.ID, seen)
			}
			seen[o.ID] = true
			if k > 1 && o.ID != got[i-1].objs[j].ID {
				t.Errorf("frame %d: %s's id changed from %d to %d", r.frame, o.Label, got[i-1].objs[j].ID, o.ID)
			}
			if s, ok := owner[o.ID]; ok && s != sc {
				t.Errorf("frame %d: id %d given to an object of scene %d and one of scene %d", r.frame, o.ID, s, sc)
			}
			owner[o.ID] = sc
			if idsOf[sc] == nil {
				idsOf[sc] = map[int]bool{}
			}
			idsOf[sc][o.ID] = true
		}
	}
	if len(owner) != len(want[0])+len(want[2])+len(want[4]) {
		t.Errorf("%d ids in all (%v), want one per object", len(owner), owner)
	}
	for id := range owner {
		if best[id] == 0 {
			t.Errorf("id %d: no best frame", id)
		}
	}

	// One enter and one leave per id, for the view.
	enters, leaves := map[int]track.Event{}, map[int]track.Event{}
	for _, e := range evs {
		if e.Zone != "" {
			t.Errorf("a zone event without zones: %+v", e)
			continue
		}
		m := enters
		if e.Type == track.Leave {
			m = leaves
		}
		if _, twice := m[e.ID]; twice {
			t.Errorf("id %d: two %s events", e.ID, e.Type)
		}
		m[e.ID] = e
	}
	last := time.Duration(37) * 40 * time.Millisecond
	for id, sc := range owner {
		in, out := enters[id], leaves[id]
		if in.ID == 0 || out.ID == 0 {
			t.Errorf("id %d (scene %d): enter %+v, leave %+v", id, sc, in, out)
			continue
		}
		first := 0
		for _, s := range scenes[:sc] {
			first += s.n
		}
		start := time.Duration(first) * 40 * time.Millisecond
		if in.Start != start || out.Start != start {
			t.Errorf("id %d: started at %v / %v, want %v (the scene's first frame)", id, in.Start, out.Start, start)
		}
		end := start + time.Duration(scenes[sc].n-1)*40*time.Millisecond
		if out.End != end {
			t.Errorf("id %d: last seen at %v, want %v", id, out.End, end)
		}
		if sc == 4 && out.Time != last {
			t.Errorf("id %d: left at %v, want the end of the run %v (Flush)", id, out.Time, last)
		}
	}
	if len(enters) != len(owner) || len(leaves) != len(owner) {
		t.Errorf("%d enters and %d leaves for %d objects", len(enters), len(leaves), len(owner))
	}
	// Each enter is delivered no later than the first result with its id.
	firstResult := map[int]int{}
	for i, r := range got {
		for _, o := range r.objs {
			if _, ok := firstResult[o.ID]; !ok && o.ID != 0 {
				firstResult[o.ID] = i
			}
		}
	}
	for id, i := range firstResult {
		at := slices.Index(order, fmt.Sprintf("enter %d", id))
		res := slices.Index(order, fmt.Sprintf("result %d", i))
		if at < 0 || at > res {
			t.Errorf("id %d: enter event at %d, its first result at %d", id, at, res)
		}
	}

	// The results file: one line per frame, the objects with ids, class,
	// label, shortest score and box.
	lines := readLines(t, resultsPath)
	if len(lines) != 38 {
		t.Fatalf("%d lines in the results file", len(lines))
	}
	for i, line := range lines {
		var l struct {
			Frame   int64
			Top     []any
			Objects []struct {
				ID    *int
				Class int
				Label string
				Score float32
				Box   [4]int
			}
		}
		if err := json.Unmarshal([]byte(line), &l); err != nil {
			t.Fatalf("line %d: %v: %s", i, err, line)
		}
		if l.Top != nil || strings.Contains(line, `"top"`) {
			t.Errorf("line %d has a top list: %s", i, line)
		}
		if len(l.Objects) != len(got[i].objs) {
			t.Fatalf("line %d: %d objects, want %d: %s", i, len(l.Objects), len(got[i].objs), line)
		}
		for j, o := range got[i].objs {
			lo := l.Objects[j]
			id := 0
			if lo.ID != nil {
				id = *lo.ID
			}
			if id != o.ID || lo.Class != o.Class || lo.Label != o.Label || lo.Score != o.Score ||
				lo.Box != [4]int{o.Box.Min.X, o.Box.Min.Y, o.Box.Dx(), o.Box.Dy()} {
				t.Errorf("line %d object %d: %+v, want %+v", i, j, lo, o)
			}
		}
	}
	if !strings.Contains(lines[9], `"objects":[]`) {
		t.Errorf("an empty frame's line: %s", lines[9])
	}
}

// TestDetectorGateCarriesObjects: with a detector every third frame, the
// frames between carry the last inferred frame's objects, ids included.
func TestDetectorGateCarriesObjects(t *testing.T) {
	const w, h = 320, 270
	scenes := []scene{{photo(t, "pets.jpg", w, h), 7}, {blank(t, w, h), 5}, {photo(t, "cat.jpg", w, h), 7}}
	m := detectModel(t)
	want := expected(t, m, scenes)
	src := &sceneSource{name: "gated", scenes: scenes}
	got, _, _ := runDetector(t, pipeline.Config{Source: src, Model: m, Filter: halfScore, Gate: stage.Every(3), Track: &track.Config{MinHits: 1}}, nil)
	if len(got) != 19 {
		t.Fatalf("%d results for 19 frames", len(got))
	}
	var last []detect.Object
	for i, r := range got {
		if r.inferred != (i%3 == 0) {
			t.Fatalf("frame %d: inferred %v", i, r.inferred)
		}
		if r.inferred {
			sc, _ := src.sceneOf(r.frame)
			if !sameDetections(r.objs, want[sc]) {
				t.Fatalf("frame %d: %+v, want %+v", i, r.objs, want[sc])
			}
			for _, o := range r.objs {
				if o.ID == 0 {
					t.Errorf("frame %d: %s not tracked (MinHits 1)", i, o.Label)
				}
			}
			last = r.objs
			continue
		}
		if !slices.Equal(r.objs, last) {
			t.Errorf("frame %d carries %+v, want the last inferred frame's %+v", i, r.objs, last)
		}
	}
	// Frame 6 (pets, inferred) and 12 (cat, inferred) bracket the blank
	// frames 7 to 11, of which 9 is inferred: empty.
	if len(got[10].objs) != 0 || len(got[11].objs) != 0 {
		t.Errorf("frames 10 and 11 carry %+v and %+v, want frame 9's nothing", got[10].objs, got[11].objs)
	}
}

// TestDetectorSourceChangesSize: the dogs at 512x430, then the same photo
// at half the size from a source that changed resolution. The boxes stay
// in each frame's own pixels (about half as large, and exactly what the
// detector finds in the smaller picture), the tracker is made again for
// the new size (said through Logf), the first dogs leave at the change,
// and the new tracker's ids follow the old ones instead of starting over.
func TestDetectorSourceChangesSize(t *testing.T) {
	scenes := []scene{{photo(t, "pets.jpg", 512, 430), 5}, {photo(t, "pets.jpg", 256, 215), 5}}
	m := detectModel(t)
	want := expected(t, m, scenes)
	if labels(want[0]) != "dog,dog" || labels(want[1]) != "dog,dog" {
		t.Fatalf("the detector finds %q and %q, want two dogs in each", labels(want[0]), labels(want[1]))
	}
	src := &sceneSource{name: "cam", scenes: scenes}
	best := map[int]bool{}
	got, evs, logs := runDetector(t, pipeline.Config{Source: src, Model: m, Filter: halfScore, Track: &track.Config{MinHits: 1},
		OnBestFrame: func(o detect.Object, _ gocv.Mat) { best[o.ID] = true }}, nil)
	if len(got) != 10 {
		t.Fatalf("%d results for 10 frames", len(got))
	}
	for i, r := range got {
		sc, _ := src.sceneOf(r.frame)
		if !sameDetections(r.objs, want[sc]) {
			t.Fatalf("frame %d: %+v, want %+v", i, r.objs, want[sc])
		}
		bounds := image.Rect(0, 0, scenes[sc].img.Cols(), scenes[sc].img.Rows())
		for _, o := range r.objs {
			if !o.Box.In(bounds) {
				t.Errorf("frame %d: box %v outside %v", i, o.Box, bounds)
			}
		}
		if sc == 1 && (r.w != 256 || r.h != 215) {
			t.Errorf("frame %d: Result size %dx%d, want 256x215", i, r.w, r.h)
		}
	}
	// The boxes scale with the frame: within 2% of the frame.
	for j, big := range got[0].objs {
		small := got[5].objs[j]
		for k, pair := range [4][2]int{
			{big.Box.Min.X, small.Box.Min.X}, {big.Box.Min.Y, small.Box.Min.Y},
			{big.Box.Max.X, small.Box.Max.X}, {big.Box.Max.Y, small.Box.Max.Y}} {
			if d := math.Abs(float64(pair[0]) - 2*float64(pair[1])); d > 0.02*512 {
				t.Errorf("dog %d edge %d: %d at 512x430, %d at 256x215: not half", j, k, pair[0], pair[1])
			}
		}
	}
	oldIDs := map[int]bool{}
	for _, o := range got[4].objs {
		oldIDs[o.ID] = true
	}
	for _, o := range got[5].objs {
		if oldIDs[o.ID] || o.ID <= 2 {
			t.Errorf("after the change, a dog has id %d; the old ids were %v", o.ID, oldIDs)
		}
		if !best[o.ID] {
			t.Errorf("id %d: no best frame (best frames for %v)", o.ID, best)
		}
	}
	leftAt := map[int]time.Duration{}
	for _, e := range evs {
		if e.Type == track.Leave {
			leftAt[e.ID] = e.Time
		}
	}
	for id := range oldIDs {
		if at, ok := leftAt[id]; !ok || at != 4*40*time.Millisecond {
			t.Errorf("id %d: left at %v (%v), want at the last frame before the change, 160ms", id, at, ok)
		}
	}
	if !slices.ContainsFunc(logs, func(l string) bool { return strings.Contains(l, "tracker") && strings.Contains(l, "256x215") }) {
		t.Errorf("nothing logged about the tracker at the change: %q", logs)
	}
}

// TestDetectorZones: a zone over the left half of the frame (in
// fractions) reaches the stages in pixels, and the dog standing in it
// (its box's bottom centre) enters it; the other dog does not.
func TestDetectorZones(t *testing.T) {
	const w, h = 512, 430
	scenes := []scene{{photo(t, "pets.jpg", w, h), 6}}
	m := detectModel(t)
	want := expected(t, m, scenes)
	left := track.Zone{Name: "left", Points: [][2]float64{{0, 0}, {0.5, 0}, {0.5, 1}, {0, 1}}, Fractions: true}
	var zones [][]track.Zone
	cfg := pipeline.Config{Source: &sceneSource{name: "z", scenes: scenes}, Model: m, Filter: halfScore,
		Track: &track.Config{MinHits: 1, Zones: []track.Zone{left}},
		Sinks: []pipeline.Sink{pipeline.SinkFunc(func(o *pipeline.Output) error {
			zones = append(zones, o.Zones)
			return nil
		})}}
	got, evs, _ := runDetector(t, cfg, nil)
	wantZone := [][2]float64{{0, 0}, {256, 0}, {256, 430}, {0, 430}}
	for i, z := range zones {
		if len(z) != 1 || z[0].Name != "left" || z[0].Fractions || !slices.Equal(z[0].Points, wantZone) {
			t.Fatalf("frame %d: Output.Zones %+v, want left at %v", i, z, wantZone)
		}
	}
	inLeft := map[int]bool{}
	for _, o := range got[0].objs {
		b := o.Box
		inLeft[o.ID] = (b.Min.X+b.Max.X)/2 < w/2
	}
	if len(inLeft) != len(want[0]) || len(inLeft) != 2 {
		t.Fatalf("objects %+v", got[0].objs)
	}
	entered := map[int]int{}
	for _, e := range evs {
		if e.Zone == "left" && e.Type == track.Enter {
			entered[e.ID]++
		}
	}
	for id, in := range inLeft {
		if n := entered[id]; (n == 1) != in || n > 1 {
			t.Errorf("id %d (in the left half: %v) entered the zone %d times", id, in, n)
		}
	}
}

// TestDetectorPool: two cameras share a detector pool of two workers, one
// showing the dogs at 512x430, the other the person at twice her photo's
// size; each gets its own picture's objects on every frame, in its own
// pixels, in order.
func TestDetectorPool(t *testing.T) {
	m := detectModel(t)
	pool, err := pipeline.NewPool(m, 2, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	if pool.Model() != m {
		t.Fatal("the pool does not say it runs the detector")
	}
	cams := []*sceneSource{
		{name: "pets", scenes: []scene{{photo(t, "pets.jpg", 512, 430), 12}}},
		{name: "hopper", scenes: []scene{{photo(t, "grace_hopper.jpg", 1024, 1200), 12}}},
	}
	var wg sync.WaitGroup
	results := make([][]frameResult, len(cams))
	wants := make([][]detect.Object, len(cams))
	for i, cam := range cams {
		wants[i] = expected(t, m, cam.scenes)[0]
		p, err := pipeline.New(pipeline.Config{Source: cam, Pool: pool, Filter: halfScore, Track: &track.Config{MinHits: 1},
			OnResult: func(r *pipeline.Result) {
				results[i] = append(results[i], frameResult{frame: r.Frame, inferred: r.Inferred, objs: slices.Clone(r.Objects())})
			}})
		if err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := p.Run(context.Background()); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if labels(wants[0]) != "dog,dog" || !strings.Contains(labels(wants[1]), "person") {
		t.Fatalf("the detector finds %q and %q", labels(wants[0]), labels(wants[1]))
	}
	for i, rs := range results {
		if len(rs) != 12 {
			t.Fatalf("%s: %d results for 12 frames", cams[i].name, len(rs))
		}
		for k, r := range rs {
			if r.frame != int64(k) || !r.inferred || !sameDetections(r.objs, wants[i]) {
				t.Fatalf("%s: result %d is frame %d (inferred %v) with %+v, want %+v", cams[i].name, k, r.frame, r.inferred, r.objs, wants[i])
			}
			for j, o := range r.objs {
				if o.ID != rs[0].objs[j].ID || o.ID == 0 {
					t.Errorf("%s frame %d: %s has id %d, on frame 0 %d", cams[i].name, k, o.Label, o.ID, rs[0].objs[j].ID)
				}
			}
		}
	}
}

// TestDetectorLive pushes the dogs into a live source: the detector runs
// on the frames it keeps up with, every frame is accounted for, and every
// result names the dogs.
func TestDetectorLive(t *testing.T) {
	img := photo(t, "pets.jpg", 512, 430)
	m := detectModel(t)
	want := expected(t, m, []scene{{img, 1}})[0]
	cam, err := push.New("pushed", 512, 430, 0)
	if err != nil {
		t.Fatal(err)
	}
	var n, bad int
	p, err := pipeline.New(pipeline.Config{Source: cam, Model: m, Filter: halfScore, Workers: 2, Track: &track.Config{},
		Stages: []pipeline.Stage{stage.Overlay(nil)},
		OnResult: func(r *pipeline.Result) {
			n++
			if !sameDetections(r.Objects(), want) {
				bad++
			}
		}})
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		for i := range 60 {
			cam.PushMat(img, time.Duration(i)*20*time.Millisecond)
			time.Sleep(5 * time.Millisecond)
		}
		cam.Close()
	}()
	if err := p.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	s := p.Metrics().Snapshot()
	if n == 0 || bad > 0 || int64(n) != s.Out || s.In != s.Out+s.Dropped {
		t.Errorf("%d results (%d not the dogs); in %d, out %d, dropped %d", n, bad, s.In, s.Out, s.Dropped)
	}
}

// TestDetectorConfigChecked: New refuses configurations that mix up the
// classifier's and the detector's settings, or give zones that cannot fit
// the source, with an error that says what is wrong.
func TestDetectorConfigChecked(t *testing.T) {
	m := detectModel(t)
	src := func() pipeline.Source { return &synthSource{n: 1, w: 64, h: 48} }
	classifierPool, err := pipeline.NewPool(smallModel(t), 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer classifierPool.Close()
	for _, c := range []struct {
		name string
		cfg  pipeline.Config
		want string
	}{
		{"no source", pipeline.Config{Model: m}, "Config.Source is nil"},
		{"no model", pipeline.Config{Source: src()}, "Config.Model is nil"},
		{"a model without its network", pipeline.Config{Source: src(), Model: &models.Model{Name: "hollow", Task: models.Detect}}, "model hollow"},
		{"track with a classifier", pipeline.Config{Source: src(), Model: smallModel(t), Track: &track.Config{}}, "Track"},
		{"object events without tracking", pipeline.Config{Source: src(), Model: m, Filter: halfScore, OnObjectEvent: func(track.Event) {}}, "need Config.Track"},
		{"best frames without tracking", pipeline.Config{Source: src(), Model: m, Filter: halfScore, OnBestFrame: func(detect.Object, gocv.Mat) {}}, "need Config.Track"},
		{"label events with a detector", pipeline.Config{Source: src(), Model: m, Filter: halfScore, OnEvent: func(events.Event) {}}, "OnEvent"},
		{"classes with a detector", pipeline.Config{Source: src(), Model: m, Classes: classify.Options{MaxResults: 1}}, "Config.Classes"},
		{"detector on a classifier's pool", pipeline.Config{Source: src(), Model: m, Filter: halfScore, Pool: classifierPool}, "Pool"},
		{"zone off the frame", pipeline.Config{Source: src(), Model: m, Filter: halfScore, Track: &track.Config{Zones: []track.Zone{
			{Name: "far", Points: [][2]float64{{100, 100}, {200, 100}, {200, 200}}}}}}, `"far"`},
	} {
		_, err := pipeline.New(c.cfg)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error saying %q", c.name, err, c.want)
		}
	}
	detectorPool, err := pipeline.NewPool(m, 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer detectorPool.Close()
	if _, err := pipeline.New(pipeline.Config{Source: src(), Model: smallModel(t), Pool: detectorPool}); err == nil {
		t.Error("a classifier was accepted on a detector's pool")
	}
}

// TestDetectorFilter: Config.Filter drops the objects this pipeline does
// not report before they are tracked (the person beside the tie stays, the
// tie does not; the dogs are denied), and a label the model lacks is
// refused at New.
func TestDetectorFilter(t *testing.T) {
	const w, h = 320, 270
	scenes := []scene{{photo(t, "pets.jpg", w, h), 4}, {photo(t, "grace_hopper.jpg", w, h), 4}}
	m := detectModel(t)
	src := &sceneSource{name: "filtered", scenes: scenes}
	got, evs, _ := runDetector(t, pipeline.Config{Source: src, Model: m, Filter: detect.Filter{MinScore: 0.5, Deny: []string{"dog", "tie"}},
		Track: &track.Config{MinHits: 1}}, nil)
	seen := map[string]bool{}
	for _, r := range got {
		for _, o := range r.objs {
			seen[o.Label] = true
		}
	}
	for _, e := range evs {
		seen["event "+e.Label] = true
	}
	if !seen["person"] || !seen["event person"] || seen["dog"] || seen["tie"] || seen["event dog"] || seen["event tie"] {
		t.Errorf("labels seen %v: want person only", seen)
	}
	if _, err := pipeline.New(pipeline.Config{Source: &sceneSource{scenes: scenes}, Model: m, Filter: detect.Filter{Allow: []string{"unicorn"}}}); !errors.Is(err, detect.ErrFilter) {
		t.Errorf("an unknown label: %v", err)
	}
}
