// Package events turns a stream of per-frame classifications into "label
// entered" and "label left" events, with hysteresis so that a score that
// hovers around a threshold does not flicker: a class enters when its score
// reaches Options.Enter and stays at or above Options.Leave for
// Options.MinDuration; it leaves at the first frame where it falls below
// Leave (or is no longer reported), and may not enter again for
// Options.Cooldown. Times are on the source's clock, so events line up with
// the video and with the robot's other sensors.
//
// A Tracker knows nothing of video: feed it each frame's time and the
// scores of the classes reported for it.
package events

import (
	"fmt"
	"math"
	"time"
)

// Type says whether a class entered or left.
type Type string

// The event types.
const (
	Enter Type = "enter"
	Leave Type = "leave"
)

// Event is one class entering or leaving.
type Event struct {
	Type  Type
	Class int
	Label string
	// Start is the time of the first frame at or above Enter; End, on
	// Leave only, the time of the first frame below Leave (or of the last
	// frame, when the source ended with the class present).
	Start, End time.Duration
	// PeakScore, MeanScore and Frames cover the frames from Start on:
	// up to the enter on Enter events, up to End on Leave events.
	PeakScore, MeanScore float32
	Frames               int
	// PeakTime is the time of the first frame at PeakScore, on the
	// source's clock (the stay's best frame: its clip's snapshot).
	PeakTime time.Duration
	// Time is the wall-clock capture time of the frame that decided the
	// event (for Leave, End's frame), when the frames' times were given
	// (UpdateAt); zero otherwise.
	Time time.Time
	// Camera names the camera the event was seen by, when the caller
	// sets it (the pipeline does: Config.Camera); the Tracker leaves it
	// empty.
	Camera string
	// Clip and Snapshot, on Leave, name the stay's video clip and the
	// JPEG of its best frame (PeakTime) beside it (package clips),
	// relative to the run's out-dir, when the run keeps clips; the
	// Tracker leaves them empty.
	Clip, Snapshot string
}

// Options tune the hysteresis. The zero value is usable: Enter 0.5,
// Leave 0.3, no minimum duration, no cooldown.
type Options struct {
	// Enter is the score at which a class starts to enter (default 0.5).
	Enter float32
	// Leave is the score below which an entered class leaves (default
	// 0.3, and at most Enter).
	Leave float32
	// MinDuration is how long a class must stay at or above Leave, from
	// the frame where it reached Enter, before it has entered.
	MinDuration time.Duration
	// Cooldown is how long after leaving a class cannot enter again.
	Cooldown time.Duration
}

// Score is one class reported for a frame.
type Score struct {
	Class int
	Label string
	Score float32
}

// state of one class.
type state struct {
	class         int
	label         string
	entered       bool // false: pending (reached Enter, not yet MinDuration)
	start         time.Duration
	peak          float32
	peakAt        time.Duration
	sum           float64
	frames        int
	seen          bool // in the current update
	cooldownUntil time.Duration
	cooling       bool
}

// Tracker follows the classes of one stream. It is not safe for concurrent
// use. After the first few classes it allocates nothing per update.
type Tracker struct {
	opts   Options
	states []*state // classes pending, entered or cooling down
	spare  []*state
	last   time.Duration
	wall   time.Time // the last update's wall-clock time
}

// NewTracker checks opts and returns a Tracker.
func NewTracker(opts Options) (*Tracker, error) {
	if opts.Enter == 0 {
		opts.Enter = 0.5
	}
	if opts.Leave == 0 {
		opts.Leave = min(0.3, opts.Enter)
	}
	for _, v := range []float32{opts.Enter, opts.Leave} {
		if f := float64(v); math.IsNaN(f) || f < 0 || f > 1 {
			return nil, fmt.Errorf("events: score %v is outside [0, 1]", v)
		}
	}
	if opts.Leave > opts.Enter {
		return nil, fmt.Errorf("events: leave score %v is above enter score %v", opts.Leave, opts.Enter)
	}
	if opts.MinDuration < 0 || opts.Cooldown < 0 {
		return nil, fmt.Errorf("events: negative duration")
	}
	return &Tracker{opts: opts}, nil
}

// Update takes the scores reported for the frame at time t (times must not
// go backwards) and calls emit for each event it causes.
func (tr *Tracker) Update(t time.Duration, scores []Score, emit func(Event)) {
	tr.UpdateAt(t, time.Time{}, scores, emit)
}

// UpdateAt is Update for a frame captured at wall-clock time wall: the
// events it causes (and a Flush's after it) carry that Time.
func (tr *Tracker) UpdateAt(t time.Duration, wall time.Time, scores []Score, emit func(Event)) {
	tr.last, tr.wall = t, wall
	for _, st := range tr.states {
		st.seen = false
	}
	for _, sc := range scores {
		st := tr.find(sc.Class)
		if st != nil && st.cooling {
			if t < st.cooldownUntil {
				st.seen = true
				continue
			}
			st.cooling = false
			st.frames = 0
		}
		if st == nil || st.frames == 0 {
			if !(sc.Score >= tr.opts.Enter) {
				continue
			}
			if st == nil {
				st = tr.add(sc.Class)
			}
			*st = state{class: sc.Class, label: sc.Label, start: t}
		} else if !(sc.Score >= tr.opts.Leave) {
			continue // treated as absent below
		}
		st.seen = true
		st.frames++
		st.sum += float64(sc.Score)
		if st.frames == 1 || sc.Score > st.peak {
			st.peak, st.peakAt = sc.Score, t
		}
		if !st.entered && t-st.start >= tr.opts.MinDuration {
			st.entered = true
			emit(tr.event(st, Enter, 0))
		}
	}
	for i := 0; i < len(tr.states); i++ {
		st := tr.states[i]
		if st.seen {
			continue
		}
		if st.cooling {
			if t >= st.cooldownUntil {
				tr.remove(i)
				i--
			}
			continue
		}
		if st.entered {
			emit(tr.event(st, Leave, t))
		}
		if st.entered && tr.opts.Cooldown > 0 {
			st.cooling, st.entered = true, false
			st.cooldownUntil = t + tr.opts.Cooldown
			continue
		}
		tr.remove(i)
		i--
	}
}

// Flush ends the stream, or a stretch of it (a live source that lost its
// signal: the next update starts afresh, no class entered or cooling
// down): every class still entered leaves at the time of the last update
// (End, and Time: the last frame's).
func (tr *Tracker) Flush(emit func(Event)) {
	for _, st := range tr.states {
		if st.entered && !st.cooling {
			emit(tr.event(st, Leave, tr.last))
		}
		tr.spare = append(tr.spare, st)
	}
	tr.states = tr.states[:0]
}

func (tr *Tracker) event(st *state, typ Type, end time.Duration) Event {
	e := Event{Type: typ, Class: st.class, Label: st.label, Start: st.start, PeakScore: st.peak, PeakTime: st.peakAt, Frames: st.frames, Time: tr.wall}
	if st.frames > 0 {
		e.MeanScore = float32(st.sum / float64(st.frames))
	}
	if typ == Leave {
		e.End = end
	}
	return e
}

func (tr *Tracker) find(class int) *state {
	for _, st := range tr.states {
		if st.class == class {
			return st
		}
	}
	return nil
}

func (tr *Tracker) add(class int) *state {
	var st *state
	if n := len(tr.spare); n > 0 {
		st, tr.spare = tr.spare[n-1], tr.spare[:n-1]
	} else {
		st = new(state)
	}
	st.class = class
	tr.states = append(tr.states, st)
	return st
}

func (tr *Tracker) remove(i int) {
	tr.spare = append(tr.spare, tr.states[i])
	tr.states = append(tr.states[:i], tr.states[i+1:]...)
}
