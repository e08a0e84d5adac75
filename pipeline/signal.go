package pipeline

import "time"

// Signal says that a live source's frames stopped, or that they flow
// again. The pipeline sends one when a live source gives no frame for
// Config.StaleAfter, or fails and is being reconnected (Lost, after the
// frames read before it), and one when the next frame comes (not Lost,
// before that frame). Every reconnect makes a Lost and a back Signal,
// however short it was (the first frame after it brings both when the
// pipeline had not yet noticed): a stream that dropped lost frames, and
// a publisher that hides a short outage hides a flapping camera too.
// A file never loses its signal: a slow reader is not an outage.
type Signal struct {
	// Lost is true when the frames stopped, false when they are back.
	Lost bool
	// Since is, when Lost, the wall-clock capture time of the last frame
	// (Result.Time): no signal since then (when the source failed before
	// its first frame, the time the run started). When back, the capture
	// time of the first new frame.
	Since time.Time
	// Camera names the camera: Config.Camera, or the source's name.
	Camera string
}

// SignalSink is implemented by sinks that want to know when a live
// source's signal goes and comes back (a viewer shows "no signal", a
// publisher marks the camera offline). Signal is called on the goroutine
// that calls Write, in order with the frames; it goes to Config.Sinks
// directly, not through Config.Stages. Before a lost signal reaches the
// sinks, every label event and tracked object still open has left (at
// the last frame's time).
type SignalSink interface {
	Signal(s Signal)
}

// DefaultStaleAfter is Config.StaleAfter's default: the viewer's too.
const DefaultStaleAfter = 5 * time.Second

// watch follows a live run's signal on the output goroutine: it knows
// when the last frame came out, and whether the capture loop is
// reconnecting.
type watch struct {
	lost    bool
	seen    bool      // a frame came out
	arrived time.Time // on p.now: when the last frame came out
	last    time.Time // that frame's capture time (Result.Time); before one, the run's start
	epoch   int64     // that frame's slot.epoch: the source's reconnects before it
}

// stale reports whether, at now, the signal is lost: no frame for
// StaleAfter (looked at when timed: at a tick with no frame waiting, never
// right after a frame, whose sinks may have taken long), or the source
// reconnecting with no frame in flight (idle).
// A source that fails before its first frame has lost its signal too
// (since the run started).
func (w *watch) stale(p *Pipeline, now time.Time, timed, idle bool) bool {
	if w.lost {
		return false
	}
	return w.seen && timed && now.Sub(w.arrived) >= p.cfg.StaleAfter || (idle && p.reconnecting.Load())
}

// nudge wakes the output goroutine to look at the signal again.
func (p *Pipeline) nudge() {
	select {
	case p.signalNote <- struct{}{}:
	default:
	}
}

// realTicker is the ticker the output goroutine checks the signal by.
func realTicker(d time.Duration) (<-chan time.Time, func()) {
	t := time.NewTicker(d)
	return t.C, t.Stop
}
