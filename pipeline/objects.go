package pipeline

import (
	"math"
	"time"

	"gocv.io/x/gocv"

	"github.com/livecam/livecam/detect"
	"github.com/livecam/livecam/track"
)

// objects keeps a detector run's objects on the output goroutine: the
// last inferred frame's (carried over to frames a Gate passes over), the
// tracker that gives them ids (and resolves the zones to the frame's
// pixels), and the tracker's events until they are delivered. Once warm
// it allocates nothing per frame.
type objects struct {
	p    *Pipeline
	last []detect.Object // the newest inferred frame's objects, with ids

	// Tracking (Config.Track).
	cfg    *track.Config
	t      *track.Tracker
	w, h   int // the frame size t was made for
	idBase int // added to t's ids: the ids of the trackers before t
	maxID  int // the largest id handed out so far
	dets   []track.Detection
	tobjs  []track.Object
	tevs   []track.Event // what the tracker returned, reused
	evs    []track.Event // events not yet delivered
	used   []bool
	pts    time.Duration // the last frame's time, for Flush
}

func newObjects(p *Pipeline) *objects {
	n := min(p.det.MaxObjects(), MaxObjects)
	o := &objects{p: p, last: make([]detect.Object, 0, n), cfg: p.cfg.Track}
	if o.cfg != nil {
		o.dets = make([]track.Detection, 0, n)
		o.tobjs = make([]track.Object, 0, 2*n)
		o.used = make([]bool, 0, 2*n)
		o.evs = make([]track.Event, 0, 4*n)
		o.tevs = make([]track.Event, 0, 4*n)
	}
	return o
}

// frame takes a slot's objects when it was inferred (tracking them) and
// sets res's objects to the newest ones. w×h is the frame's size (slot.size),
// the pixels the boxes are in. It returns the zones in those
// pixels (nil without tracking).
func (o *objects) frame(s *slot, res *Result, w, h int) (zones []track.Zone, err error) {
	if o.cfg != nil {
		err = o.tracker(s.seq, w, h)
	}
	if s.inferred {
		o.last = o.last[:0]
		for i := range s.objs {
			if len(o.last) == cap(o.last) {
				break
			}
			if o.p.cfg.Filter.Keep(s.objs[i]) {
				o.last = append(o.last, s.objs[i])
			}
		}
		if o.t != nil {
			o.track(s.frame.PTS, s.frame.Time)
			o.best(s.mat)
		}
	}
	o.pts = s.frame.PTS
	res.SetObjects(o.last)
	if o.t != nil {
		zones = o.t.Zones()
	}
	return zones, err
}

// tracker makes the tracker for w×h frames at the first frame, and again
// when the frame size changes.
func (o *objects) tracker(seq int64, w, h int) error {
	if o.t == nil || w != o.w || h != o.h {
		if o.t != nil {
			// A source that changed resolution: the old tracks leave,
			// the new tracker's ids continue after theirs.
			o.evs = o.shift(o.t.Flush(o.pts, o.tevs[:0]), o.evs)
			o.idBase = o.maxID
			if logf := o.p.cfg.Logf; logf != nil {
				logf("warning: %s: frame %d is %dx%d, the tracker's frames were %dx%d: its %d tracks end, a new tracker starts (ids from %d on)",
					o.p.info.Name, seq, w, h, o.w, o.h, o.liveTracks(), o.idBase+1)
			}
		}
		t, err := track.New(*o.cfg, w, h)
		if err != nil {
			o.t = nil
			return err
		}
		o.t, o.w, o.h = t, w, h
		o.tobjs = o.tobjs[:0]
	}
	return nil
}

// track feeds o.last, of the frame at pts captured at wall, to the
// tracker and writes the ids it gives back into o.last.
func (o *objects) track(pts time.Duration, wall time.Time) {
	o.dets = o.dets[:0]
	for i := range o.last {
		d := &o.last[i]
		b := d.Box
		o.dets = append(o.dets, track.Detection{Class: d.Class, Label: d.Label, Score: d.Score,
			Box: track.Box{X: float64(b.Min.X), Y: float64(b.Min.Y), W: float64(b.Dx()), H: float64(b.Dy())}})
	}
	var tevs []track.Event
	o.tobjs, tevs = o.t.UpdateAt(pts, wall, o.dets, o.tobjs[:0], o.tevs[:0])
	o.evs = o.shift(tevs, o.evs)
	o.tevs = tevs[:0]
	o.assign()
}

// best calls Config.OnBestFrame for each object whose track has a new
// peak score in this frame.
func (o *objects) best(frame gocv.Mat) {
	fn := o.p.cfg.OnBestFrame
	if fn == nil {
		return
	}
	for j := range o.tobjs {
		t := &o.tobjs[j]
		if !t.Best || t.Lost != 0 {
			continue
		}
		for i := range o.last {
			if o.last[i].ID == t.ID+o.idBase {
				fn(o.last[i], frame)
				break
			}
		}
	}
}

// shift appends the tracker's events to dst with their ids made unique
// across the run's trackers.
func (o *objects) shift(evs, dst []track.Event) []track.Event {
	for _, e := range evs {
		e.ID += o.idBase
		o.maxID = max(o.maxID, e.ID)
		dst = append(dst, e)
	}
	return dst
}

// liveTracks counts the tracker's objects of the last update.
func (o *objects) liveTracks() int { return len(o.tobjs) }

// assign gives each detection in o.last the id of the track that matched
// it this frame: a track of its class seen this frame (Lost 0) whose box
// is the detection's (the tracker reports the matched detection's box;
// the best overlap, at least 0.5, is taken so that a tracker reporting a
// smoothed box still matches). A detection no track took (the tracker's
// filter dropped it) keeps id 0.
func (o *objects) assign() {
	o.used = o.used[:0]
	for range o.tobjs {
		o.used = append(o.used, false)
	}
	for i := range o.last {
		d := &o.last[i]
		d.ID = 0
		b := o.dets[i].Box
		best, bestIoU := -1, 0.5
		for j := range o.tobjs {
			t := &o.tobjs[j]
			if o.used[j] || t.Lost != 0 || t.Class != d.Class {
				continue
			}
			if v := iou(b, t.Box); v >= bestIoU {
				best, bestIoU = j, v
			}
		}
		if best >= 0 {
			o.used[best] = true
			d.ID = o.tobjs[best].ID + o.idBase
			o.maxID = max(o.maxID, d.ID)
		}
	}
}

// iou is the intersection over union of two boxes (1 for two equal empty
// boxes at the same place).
func iou(a, b track.Box) float64 {
	if a == b {
		return 1
	}
	iw := math.Min(a.X+a.W, b.X+b.W) - math.Max(a.X, b.X)
	ih := math.Min(a.Y+a.H, b.Y+b.H) - math.Max(a.Y, b.Y)
	if iw <= 0 || ih <= 0 {
		return 0
	}
	inter := iw * ih
	return inter / (a.W*a.H + b.W*b.H - inter)
}

// deliver sends the pending events to Config.OnObjectEvent.
func (o *objects) deliver() {
	if fn := o.p.cfg.OnObjectEvent; fn != nil {
		for i := range o.evs {
			fn(o.evs[i])
		}
	}
	o.evs = o.evs[:0]
}

// lost ends every track when the signal is lost (at the last frame's
// time) and delivers the events: the objects last seen are forgotten,
// and a new tracker starts at the next frame, its ids after theirs.
func (o *objects) lost() {
	if o.t != nil {
		o.evs = o.shift(o.t.Flush(o.pts, o.tevs[:0]), o.evs)
		o.idBase = o.maxID
		o.t = nil
		o.tobjs = o.tobjs[:0]
	}
	o.last = o.last[:0]
	o.deliver()
}

// flush ends every track at the end of the run and delivers the events.
func (o *objects) flush() {
	if o.t != nil {
		o.evs = o.shift(o.t.Flush(o.pts, o.tevs[:0]), o.evs)
		o.t = nil
	}
	o.deliver()
}
