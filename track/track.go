// Package track follows detected objects from frame to frame: it gives
// each object an id that stays with it while it moves, pauses, is missed
// for a few frames or crosses another object of its class, says when it
// entered and left the view and each named zone, and filters detections
// by score, size and class name.
//
// It is SORT with ByteTrack's second round: each track's box is predicted
// by a constant-velocity Kalman filter (see kalman.go) to the time of the
// new frame, detections are matched to the predicted boxes of their own
// class by overlap (IoU at least Config.IoU), optimally (Hungarian
// algorithm, see assign.go), and the matched detections correct the
// filters. A track unmatched in a frame coasts on its prediction for up to
// Config.MaxLost frames before it leaves (at once if its predicted centre
// leaves the frame), so a short miss or an occlusion keeps its id, and
// the predictions carry two objects through a crossing on their own
// courses; where a coasting track and one seen last frame compete for a
// detection, the one seen last frame has the edge (DeepSORT's matching
// cascade). A detection that matches no track starts a tentative track,
// which must be matched in Config.MinHits frames in a row before it
// enters (gets an id and is reported); one miss before that and it is
// dropped without a trace, so a one-frame false positive makes no object,
// no event and no gap in the ids.
//
// Zones (see Zone) are named polygons; an object is in one where it
// stands, at its box's bottom centre, and enters or leaves it after
// Config.ZoneFrames frames in a row on the other side of its edge.
//
// A Tracker knows nothing of video or models: feed it each frame's time on
// the source's clock and the detections in the source frame's pixels.
// Times must not go backwards.
package track

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
)

// Box is a rectangle in the source frame's pixels: X, Y its top-left
// corner, W, H its size.
type Box struct{ X, Y, W, H float64 }

// Detection is one object found in a frame by a detector.
type Detection struct {
	// Class is the detector's class index; tracks match only
	// detections of their own class.
	Class int
	// Label names the class ("person"); filters go by it.
	Label string
	// Score is the detector's confidence, 0 to 1.
	Score float32
	// Box is where the object is, in source pixels.
	Box Box
}

// Object is one tracked object in a frame.
type Object struct {
	// ID identifies the track: 1 for the first object to enter, never
	// reused by the Tracker.
	ID int
	// Class and Label are those of the detection that started the track.
	Class int
	Label string
	// Score is the matched detection's score, or the last one while
	// the object coasts.
	Score float32
	// Box is the matched detection's box this frame, exactly; while the
	// object coasts (Lost > 0) it is the predicted box.
	Box Box
	// Zones are the zones the object is in, as the zone events say:
	// its box's bottom centre has been inside each for Config.ZoneFrames
	// frames in a row (see Zone). In Config order; owned by the Tracker
	// and valid until the next Update or Flush.
	Zones []string
	// Lost is the number of frames since the object was last matched
	// (0: seen this frame).
	Lost int
	// Best says this frame is the track's new peak score (and PeakBox):
	// the frame to keep as the track's snapshot.
	Best bool
}

// EventType says whether an object entered or left.
type EventType string

// The event types.
const (
	Enter EventType = "enter"
	Leave EventType = "leave"
)

// Event is an object entering or leaving the view, or one zone.
type Event struct {
	Type EventType
	// ID, Class and Label are the object's (see Object).
	ID    int
	Class int
	Label string
	// Zone is "" for the view, or the zone entered or left.
	Zone string
	// Zones are the zones the object is in after the event; on leaving
	// the view, the zones it was in when last seen. Owned by the Tracker
	// and valid until the next Update or Flush.
	Zones []string
	// Start and End bound the stay the event is about, on the source's
	// clock. For the view: Start is the first frame the object was
	// detected (its tentative frames included), End on Leave the last
	// frame it was matched. For a zone: Start is the first of the frames
	// in a row that made it enter, End on Leave the last frame it was
	// seen inside.
	Start, End time.Duration
	// Time is the frame at which the event was decided: on entering the
	// view, the frame that confirmed the track (Config.MinHits frames
	// after Start); on leaving it, the frame at which the object had
	// been missed for more than Config.MaxLost frames or its predicted
	// box's centre had left the frame; for a zone, the frame that
	// completed Config.ZoneFrames; on Flush, its time.
	Time time.Duration
	// Wall is the wall-clock capture time of the frame that decided the
	// event: the one given to UpdateAt (on Flush, the last one's). It is
	// zero for frames given to Update.
	Wall time.Time
	// PeakScore, PeakTime and PeakBox are the best detection of the
	// track so far, among the frames on which it was reported (from its
	// enter on): the frame an Object had Best set for.
	PeakScore float32
	PeakTime  time.Duration
	PeakBox   Box
	// Frames counts the frames the track was matched so far.
	Frames int
	// Clip and Snapshot, on leaving the view, name the stay's video
	// clip (package clips) and best frame's JPEG, relative to the run's
	// out-dir, when the run keeps them; the Tracker leaves them empty.
	Clip, Snapshot string
}

// Filter drops detections before tracking. The zero value keeps every
// detection with a finite box of positive size.
type Filter struct {
	// MinScore drops detections scoring below it.
	MinScore float32
	// MinArea drops boxes smaller than this many square pixels, or, when
	// it is below 1, than this fraction of the frame's area.
	MinArea float64
	// Allow, when not empty, keeps only these labels; Deny drops these
	// labels (and wins over Allow). Names compare without regard to case.
	Allow, Deny []string
}

// Config tunes a Tracker. The zero value is usable.
type Config struct {
	// Zones are the named zones to report (see Zone).
	Zones []Zone
	// Filter drops detections before tracking.
	Filter Filter
	// IoU is the least overlap (intersection over union) between a
	// track's predicted box and a detection for them to match
	// (default 0.3).
	IoU float64
	// MaxLost is how many frames in a row a track may go unmatched,
	// coasting on its prediction, before it leaves (default 15: half a
	// second at 30 frames/s; at 5 frames/s, as Frigate detects, 3
	// seconds). A track whose predicted centre leaves the frame leaves
	// at once.
	MaxLost int
	// MinHits is how many frames in a row a new track must be matched
	// before it enters (default 3; 1 enters at once).
	MinHits int
	// HighScore, when above Filter.MinScore, splits the detections the
	// filter keeps as ByteTrack does: those scoring at least HighScore
	// are matched first and may start tracks; those below only keep
	// existing tracks alive, in a second round against the tracks left
	// unmatched. Zero: every kept detection is matched at once and may
	// start a track. With a detector run at a low threshold (0.1 to
	// 0.3), HighScore 0.5 keeps objects tracked through the frames where
	// occlusion or blur lowers their scores.
	HighScore float32
	// ZoneFrames is how many frames in a row an object's bottom centre
	// must be inside (outside) a zone before it enters (leaves) it, so
	// that an object standing on the edge does not flicker in and out
	// (default 2). Only frames on which the object was matched count:
	// a coasting object stays in the zones it was in.
	ZoneFrames int
}

// defaults of Config.
const (
	defaultIoU        = 0.3
	defaultMaxLost    = 15
	defaultMinHits    = 3
	defaultZoneFrames = 2
)

// zoneState is one track's standing in one zone.
type zoneState struct {
	in        bool          // entered (debounced)
	told      bool          // its enter was reported
	run       int           // frames in a row that contradict in
	runStart  time.Duration // first frame of that run
	stayStart time.Duration // first frame of the current stay
	lastIn    time.Duration // last frame seen inside
}

// track is one object followed.
type track struct {
	id      int // 0 while tentative
	class   int
	label   string
	m       motion
	box     Box
	score   float32
	hits    int // frames matched
	lost    int // frames since last matched
	start   time.Duration
	last    time.Duration // last frame matched
	peak    float32
	peakAt  time.Duration
	peakBox Box
	best    bool
	matched bool
	zones   []zoneState
}

// Tracker follows the objects of one stream. It is not safe for
// concurrent use. Once its buffers have grown to the busiest frame it
// allocates nothing per frame.
type Tracker struct {
	cfg           Config
	w, h          float64
	zones         []zone
	minArea       float64
	tracks, spare []*track
	nextID        int
	last          time.Duration
	wall          time.Time // the last frame's capture time (UpdateAt)
	started       bool
	high, low     []int // indices of kept detections
	free          []int // high detections no confirmed track took
	taken         []bool
	rows, cols    []int     // candidates of one matching round
	overlap       []float64 // their IoUs, rows × detections
	colUsed       []bool
	as            assigner
	names         []string // arena of Zones slices for one update
	pixelZones    []Zone
}

// New checks cfg against a frameW × frameH source and returns a Tracker.
// Zones given in fractions are resolved to pixels here.
func New(cfg Config, frameW, frameH int) (*Tracker, error) {
	if frameW <= 0 || frameH <= 0 {
		return nil, fmt.Errorf("track: frame size %dx%d is not positive", frameW, frameH)
	}
	if cfg.IoU == 0 {
		cfg.IoU = defaultIoU
	}
	if !(cfg.IoU > 0 && cfg.IoU <= 1) {
		return nil, fmt.Errorf("track: IoU threshold %v is outside (0, 1]", cfg.IoU)
	}
	if cfg.MaxLost == 0 {
		cfg.MaxLost = defaultMaxLost
	}
	if cfg.MinHits == 0 {
		cfg.MinHits = defaultMinHits
	}
	if cfg.ZoneFrames == 0 {
		cfg.ZoneFrames = defaultZoneFrames
	}
	if cfg.MaxLost < 0 || cfg.MinHits < 0 || cfg.ZoneFrames < 0 {
		return nil, fmt.Errorf("track: negative frame count (MaxLost %d, MinHits %d, ZoneFrames %d)", cfg.MaxLost, cfg.MinHits, cfg.ZoneFrames)
	}
	for _, s := range []float32{cfg.Filter.MinScore, cfg.HighScore} {
		if f := float64(s); !(f >= 0 && f <= 1) {
			return nil, fmt.Errorf("track: score %v is outside [0, 1]", s)
		}
	}
	if a := cfg.Filter.MinArea; !(a >= 0) || math.IsInf(a, 0) {
		return nil, fmt.Errorf("track: minimum area %v is not a finite number >= 0", a)
	}
	for _, list := range [][]string{cfg.Filter.Allow, cfg.Filter.Deny} {
		for _, l := range list {
			if l == "" {
				return nil, fmt.Errorf("track: empty label in the allow or deny list")
			}
		}
	}
	cfg.Filter.Allow, cfg.Filter.Deny = slices.Clone(cfg.Filter.Allow), slices.Clone(cfg.Filter.Deny)
	zones := cfg.Zones
	cfg.Zones = nil // resolved below
	t := &Tracker{cfg: cfg, w: float64(frameW), h: float64(frameH), nextID: 1}
	t.minArea = cfg.Filter.MinArea
	if t.minArea < 1 {
		t.minArea *= t.w * t.h
	}
	for _, z := range zones {
		r, err := resolve(z, frameW, frameH)
		if err != nil {
			return nil, err
		}
		for _, o := range t.zones {
			if o.name == r.name {
				return nil, fmt.Errorf("track: zone %q is given twice", r.name)
			}
		}
		t.zones = append(t.zones, r)
		t.pixelZones = append(t.pixelZones, Zone{Name: r.name, Points: r.poly})
	}
	return t, nil
}

// Zones returns the tracker's zones resolved to the frame's pixels (for
// drawing them). The slice is the Tracker's: do not change it.
func (t *Tracker) Zones() []Zone { return t.pixelZones }

// keep applies the filter to d.
func (t *Tracker) keep(d *Detection) bool {
	b := d.Box
	for _, v := range [...]float64{b.X, b.Y, b.W, b.H} {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return false
		}
	}
	if !(b.W > 0 && b.H > 0) || !(d.Score >= t.cfg.Filter.MinScore) || b.W*b.H < t.minArea {
		return false
	}
	f := &t.cfg.Filter
	if len(f.Allow) > 0 && !hasLabel(f.Allow, d.Label) {
		return false
	}
	return !hasLabel(f.Deny, d.Label)
}

func hasLabel(list []string, label string) bool {
	for _, l := range list {
		if strings.EqualFold(l, label) {
			return true
		}
	}
	return false
}

// Update takes the detections of the frame at time at and returns the
// tracked objects (appended to objs[:0]: the confirmed tracks, matched or
// coasting, in the order they entered) and the events of this frame
// (appended to evs[:0]). Detections that fail the filter are dropped
// first. The motion model moves the tracks by the time since the last
// Update; a time that is not after it counts as one nominal frame
// (1/30 s) later, so a source without a clock still tracks.
func (t *Tracker) Update(at time.Duration, dets []Detection, objs []Object, evs []Event) ([]Object, []Event) {
	return t.UpdateAt(at, time.Time{}, dets, objs, evs)
}

// UpdateAt is Update for a frame captured at wall-clock time wall: the
// events it causes (and a Flush's after it) carry that Wall time.
func (t *Tracker) UpdateAt(at time.Duration, wall time.Time, dets []Detection, objs []Object, evs []Event) ([]Object, []Event) {
	objs, evs = objs[:0], evs[:0]
	t.wall = wall
	t.names = t.names[:0]
	dt := nominalFrame.Seconds()
	if t.started && at > t.last {
		dt = (at - t.last).Seconds()
	}
	t.started, t.last = true, at

	// Filter and split the detections.
	t.high, t.low = t.high[:0], t.low[:0]
	for i := range dets {
		d := &dets[i]
		if !t.keep(d) {
			continue
		}
		if d.Score >= t.cfg.HighScore {
			t.high = append(t.high, i)
		} else {
			t.low = append(t.low, i)
		}
	}
	t.taken = growBool(t.taken, len(dets))
	clear(t.taken)

	for _, tr := range t.tracks {
		tr.m.predict(dt)
		tr.box = tr.m.box()
		tr.matched, tr.best = false, false
	}
	// Confirmed tracks first, with the high detections, then with the
	// low ones (ByteTrack's second round); tentative tracks only get the
	// high detections left over, as in DeepSORT and ByteTrack: a new track
	// on an object's visible part must not take the box of a confirmed
	// one that overlaps it better.
	t.match(at, dets, t.high, confirmedTracks)
	if len(t.low) > 0 {
		t.match(at, dets, t.low, confirmedTracks)
	}
	t.free = t.free[:0]
	for _, i := range t.high {
		if !t.taken[i] {
			t.free = append(t.free, i)
		}
	}
	if len(t.free) > 0 {
		t.match(at, dets, t.free, tentativeTracks)
	}

	// Unmatched tracks: tentative ones are dropped, confirmed ones coast
	// or leave.
	keep := t.tracks[:0]
	for _, tr := range t.tracks {
		if !tr.matched {
			if tr.id == 0 {
				t.spare = append(t.spare, tr)
				continue
			}
			tr.lost++
			if tr.lost > t.cfg.MaxLost || t.outside(tr.box) {
				evs = t.leave(tr, at, evs)
				t.spare = append(t.spare, tr)
				continue
			}
		}
		keep = append(keep, tr)
	}
	clear(t.tracks[len(keep):])
	t.tracks = keep

	// Unmatched high detections start tentative tracks.
	for _, i := range t.high {
		if t.taken[i] {
			continue
		}
		tr := t.newTrack(&dets[i], at)
		t.tracks = append(t.tracks, tr)
	}

	for _, tr := range t.tracks {
		switch {
		case tr.id == 0 && tr.hits >= t.cfg.MinHits:
			evs = t.confirm(tr, at, evs)
		case tr.id == 0:
			continue
		case tr.matched:
			evs = t.zoneEvents(tr, at, evs)
		}
		objs = append(objs, Object{
			ID: tr.id, Class: tr.class, Label: tr.label, Score: tr.score, Box: tr.box,
			Zones: t.zoneNames(tr), Lost: tr.lost, Best: tr.best,
		})
	}
	return objs, evs
}

// lostPenalty is added to a pair's cost for each frame its track has
// gone unmatched: DeepSORT's matching cascade, made soft. Where a track
// seen last frame and one coasting both overlap a detection well (the
// one behind an object coasting through the one in front, as they
// cross), the detection goes to the track seen last frame unless the
// coasting one overlaps it clearly better; the assignment still matches
// as many pairs as it can.
const lostPenalty = 0.1

// Which tracks a round of matching considers.
const (
	confirmedTracks = iota // tracks with an id
	tentativeTracks        // tracks not yet confirmed
)

// match runs one round of matching between the tracks not yet matched
// (confirmed or tentative ones, as which says) and the detections idx.
func (t *Tracker) match(at time.Duration, dets []Detection, idx []int, which int) {
	// The overlap of every track with every detection of its class, and
	// the candidates: tracks and detections with at least one allowed
	// pair.
	t.rows, t.cols = t.rows[:0], t.cols[:0]
	for ti, tr := range t.tracks {
		if !tr.matched && (tr.id != 0) == (which == confirmedTracks) {
			t.rows = append(t.rows, ti)
		}
	}
	n := len(idx)
	t.overlap = grow(t.overlap, len(t.rows)*n)
	t.colUsed = growBool(t.colUsed, n)
	clear(t.colUsed)
	rows := t.rows[:0]
	for _, ti := range t.rows {
		tr := t.tracks[ti]
		o := t.overlap[len(rows)*n : len(rows)*n+n]
		hit := false
		for c, di := range idx {
			o[c] = 0
			if dets[di].Class == tr.class {
				if v := iou(tr.box, dets[di].Box); v >= t.cfg.IoU {
					o[c], hit, t.colUsed[c] = v, true, true
				}
			}
		}
		if hit {
			rows = append(rows, ti)
		}
	}
	t.rows = rows
	if len(rows) == 0 {
		return
	}
	for c := range idx {
		if t.colUsed[c] {
			t.cols = append(t.cols, c)
		}
	}
	m := len(t.cols)
	cost := t.as.reset(len(rows), m)
	for r := range rows {
		o := t.overlap[r*n : r*n+n]
		for k, c := range t.cols {
			if v := o[c]; v > 0 {
				cost[r*m+k] = 1 - v + lostPenalty*float64(t.tracks[rows[r]].lost)
			} else {
				cost[r*m+k] = forbidden
			}
		}
	}
	for r, k := range t.as.solve() {
		if k < 0 {
			continue
		}
		di := idx[t.cols[k]]
		t.update(t.tracks[rows[r]], &dets[di], at)
		t.taken[di] = true
	}
}

// update corrects tr with its matched detection d.
func (t *Tracker) update(tr *track, d *Detection, at time.Duration) {
	tr.m.update(d.Box)
	tr.box, tr.score = d.Box, d.Score
	tr.hits++
	tr.lost = 0
	tr.last = at
	tr.matched = true
	if tr.id != 0 && d.Score > tr.peak {
		tr.peak, tr.peakAt, tr.peakBox, tr.best = d.Score, at, d.Box, true
	}
	t.zoneStep(tr, at)
}

func (t *Tracker) newTrack(d *Detection, at time.Duration) *track {
	var tr *track
	if n := len(t.spare); n > 0 {
		tr, t.spare = t.spare[n-1], t.spare[:n-1]
	} else {
		tr = new(track)
	}
	zs := tr.zones
	if cap(zs) < len(t.zones) {
		zs = make([]zoneState, len(t.zones))
	}
	zs = zs[:len(t.zones)]
	clear(zs)
	*tr = track{class: d.Class, label: d.Label, box: d.Box, score: d.Score, hits: 1, start: at, last: at, matched: true, zones: zs}
	tr.m.init(d.Box)
	t.zoneStep(tr, at)
	return tr
}

// zoneStep updates tr's zones with its box of this frame; zoneEvents
// tells the changes once the track is confirmed.
func (t *Tracker) zoneStep(tr *track, at time.Duration) {
	if len(t.zones) == 0 {
		return
	}
	x := min(max(tr.box.X+tr.box.W/2, 0), t.w)
	y := min(max(tr.box.Y+tr.box.H, 0), t.h)
	for i := range t.zones {
		zs := &tr.zones[i]
		in := t.zones[i].contains(x, y)
		if in == zs.in {
			zs.run = 0
			if in {
				zs.lastIn = at
			}
			continue
		}
		if zs.run == 0 {
			zs.runStart = at
		}
		zs.run++
		if zs.run < t.cfg.ZoneFrames {
			continue
		}
		zs.in, zs.run = in, 0
		if in {
			zs.stayStart, zs.lastIn = zs.runStart, at
		}
	}
}

// zoneEvents appends the zone events of a confirmed track for this frame:
// the zones whose debounced state differs from what was told.
func (t *Tracker) zoneEvents(tr *track, at time.Duration, evs []Event) []Event {
	for i := range tr.zones {
		zs := &tr.zones[i]
		if zs.in == zs.told {
			continue
		}
		zs.told = zs.in
		e := t.event(tr, Enter, at)
		e.Zone = t.zones[i].name
		e.Start = zs.stayStart
		if !zs.in {
			e.Type, e.End = Leave, zs.lastIn
		}
		e.Zones = t.zoneNames(tr)
		evs = append(evs, e)
	}
	return evs
}

// confirm gives tr its id: it enters the view, and the zones it is in.
func (t *Tracker) confirm(tr *track, at time.Duration, evs []Event) []Event {
	tr.id = t.nextID
	t.nextID++
	tr.peak, tr.peakAt, tr.peakBox, tr.best = tr.score, at, tr.box, true
	e := t.event(tr, Enter, at)
	e.Zones = t.zoneNames(tr)
	evs = append(evs, e)
	return t.zoneEvents(tr, at, evs)
}

// leave ends the confirmed track tr: it leaves its zones, then the view.
func (t *Tracker) leave(tr *track, at time.Duration, evs []Event) []Event {
	last := t.zoneNames(tr)
	for i := range tr.zones {
		zs := &tr.zones[i]
		if !zs.told {
			continue
		}
		zs.in, zs.told = false, false
		e := t.event(tr, Leave, at)
		e.Zone = t.zones[i].name
		e.Start, e.End = zs.stayStart, zs.lastIn
		e.Zones = t.zoneNames(tr)
		evs = append(evs, e)
	}
	e := t.event(tr, Leave, at)
	e.End = tr.last
	e.Zones = last
	return append(evs, e)
}

// Flush ends the stream at time at: every object still tracked leaves
// (its zones, then the view), and the Tracker is empty, ready for more
// frames with ids that go on counting. The events are appended to evs[:0];
// they carry the last frame's Wall time (UpdateAt's).
func (t *Tracker) Flush(at time.Duration, evs []Event) []Event {
	evs = evs[:0]
	t.names = t.names[:0]
	for _, tr := range t.tracks {
		if tr.id != 0 {
			evs = t.leave(tr, at, evs)
		}
		t.spare = append(t.spare, tr)
	}
	clear(t.tracks)
	t.tracks = t.tracks[:0]
	return evs
}

// event starts an event about tr's view.
func (t *Tracker) event(tr *track, typ EventType, at time.Duration) Event {
	return Event{
		Type: typ, ID: tr.id, Class: tr.class, Label: tr.label,
		Start: tr.start, Time: at, Wall: t.wall,
		PeakScore: tr.peak, PeakTime: tr.peakAt, PeakBox: tr.peakBox,
		Frames: tr.hits,
	}
}

// zoneNames returns the names of the zones tr is in, from the arena.
func (t *Tracker) zoneNames(tr *track) []string {
	if len(t.zones) == 0 {
		return nil
	}
	from := len(t.names)
	for i := range tr.zones {
		if tr.zones[i].in {
			t.names = append(t.names, t.zones[i].name)
		}
	}
	if len(t.names) == from {
		return nil
	}
	return t.names[from:len(t.names):len(t.names)]
}

// outside reports whether b's centre is outside the frame.
func (t *Tracker) outside(b Box) bool {
	x, y := b.X+b.W/2, b.Y+b.H/2
	return x < 0 || y < 0 || x > t.w || y > t.h
}

// iou is the intersection over union of two boxes.
func iou(a, b Box) float64 {
	w := min(a.X+a.W, b.X+b.W) - max(a.X, b.X)
	h := min(a.Y+a.H, b.Y+b.H) - max(a.Y, b.Y)
	if w <= 0 || h <= 0 {
		return 0
	}
	in := w * h
	return in / (a.W*a.H + b.W*b.H - in)
}
