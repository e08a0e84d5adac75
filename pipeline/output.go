package pipeline

import (
	"gocv.io/x/gocv"

	"errors"
	"fmt"
	"time"

	"github.com/livecam/livecam/classify"
	"github.com/livecam/livecam/events"
)

// outPath is the end of every frame's trip, on one goroutine (Run's
// output goroutine, or the caller of Video.Process): it ranks a
// classifier's classes (carrying the last probabilities over to frames
// that were not classified) or takes a detector's objects (tracking them,
// the last objects carried over likewise), and passes the frame through
// the stages: Config.Stages, then the pipeline's own (the latency, the
// events, the callbacks), to the sinks.
type outPath struct {
	p     *Pipeline
	last  []float32 // a classifier's newest probabilities
	have  bool      // last holds a forward pass's
	objs  *objects  // a detector's objects
	res   Result
	out   Output
	chain Sink
	// i420 is whether the chain takes I420 planes; blank is the empty
	// Mat in the Output's field that does not hold the frame.
	i420  bool
	blank gocv.Mat
	err   error  // the first error
	stop  func() // called at every error (nil: nothing to stop)
	stats time.Time

	// The signal (live runs): its watch, the sinks it goes to, the
	// label events to end when it is lost.
	watch  watch
	fan    *fanOut
	events *eventSink
}

// newOutPath returns p's output path; stop, when not nil, is called at
// every error (it stops the run).
func newOutPath(p *Pipeline, stop func()) *outPath {
	cfg := p.cfg
	o := &outPath{p: p, stop: stop, stats: time.Now()}
	o.out = Output{Result: &o.res, Source: p.info, Model: cfg.ModelName}
	if p.det != nil {
		o.objs = newObjects(p)
	} else {
		o.last = make([]float32, p.cls.Classes())
		o.out.Labels, o.out.filter = p.cls.Labels(), p.filter
		o.out.ranked = make([]classify.Prediction, 0, p.filter.MaxResults())
	}
	stages := append([]Stage(nil), cfg.Stages...)
	stages = append(stages, latencyStage(p.metrics))
	if p.tracker != nil {
		o.events = newEventSink(p.tracker, cfg.Camera, cfg.OnEvent)
		stages = append(stages, func(next Sink) Sink { o.events.next = next; return o.events })
	}
	if o.objs != nil {
		stages = append(stages, objectEventStage(o.objs))
	}
	stages = append(stages, resultStage(cfg.OnResult, p.results))
	o.fan = &fanOut{sinks: append([]Sink(nil), cfg.Sinks...), logf: cfg.Logf, fail: o.fail}
	o.chain = Chain(o.fan, stages...)
	o.i420 = TakesI420(o.chain)
	o.blank = gocv.NewMat()
	return o
}

// arrive notes that frame s comes out now, on a live run: a lost signal
// is back, before the frame goes on. A frame read after a reconnect the
// watch did not notice (it was over before the output looked) first
// loses the signal, since the frame before it.
func (o *outPath) arrive(s *slot) {
	w := &o.watch
	if s.epoch != w.epoch {
		// The source failed and was reconnected since the last frame:
		// an outage, however short, even if the watch missed it.
		w.epoch = s.epoch
		if !w.lost {
			o.lose()
		}
	}
	if w.lost {
		w.lost = false
		o.signal(Signal{Since: s.frame.Time, Camera: o.p.cfg.Camera})
	}
	w.seen, w.arrived, w.last = true, o.p.now(), s.frame.Time
}

// lose says the signal is lost: the label events and tracked objects
// still open leave at the last frame's time, the carried-over result is
// forgotten, and the sinks and Config.OnSignal are told.
func (o *outPath) lose() {
	o.watch.lost = true
	o.have = false
	if o.events != nil {
		o.events.tr.Flush(o.events.emit)
	}
	if o.objs != nil {
		o.objs.lost()
	}
	o.signal(Signal{Lost: true, Since: o.watch.last, Camera: o.p.cfg.Camera})
}

// signal gives sig to the sinks that take it and to Config.OnSignal.
func (o *outPath) signal(sig Signal) {
	cfg := o.p.cfg
	if cfg.Logf != nil {
		// Without the camera's name: Logf's lines are the camera's
		// (a run of several cameras prefixes each with its name).
		if sig.Lost {
			cfg.Logf("warning: no signal since %s", sig.Since.Format("15:04:05.000"))
		} else {
			cfg.Logf("signal back at %s", sig.Since.Format("15:04:05.000"))
		}
	}
	for _, s := range o.fan.sinks {
		if ss, ok := s.(SignalSink); ok {
			ss.Signal(sig)
		}
	}
	if cfg.OnSignal != nil {
		cfg.OnSignal(sig)
	}
}

// fail records err (the first one is kept) and stops the run.
func (o *outPath) fail(err error) {
	if o.err == nil {
		o.err = err
	}
	if o.stop != nil {
		o.stop()
	}
}

// emit makes slot s's Result and passes the frame down the stages to the
// sinks. The caller still owns s afterwards.
func (o *outPath) emit(s *slot) {
	p, cfg, res := o.p, o.p.cfg, &o.res
	if s.err != nil {
		o.fail(fmt.Errorf("frame %d: %w", s.seq, s.err))
	}
	if s.inferred && o.objs == nil {
		copy(o.last, s.probs)
		o.have = true
	}
	fw, fh := s.frame.Width, s.frame.Height
	if fw == p.info.Width && fh == p.info.Height {
		fw, fh = 0, 0
	}
	if (fw != res.Width || fh != res.Height) && cfg.Logf != nil {
		if fw == 0 {
			cfg.Logf("warning: %s: frame %d is back at %dx%d", p.info.Name, s.seq, p.info.Width, p.info.Height)
		} else {
			cfg.Logf("warning: %s: frame %d is %dx%d, not %dx%d: scaled to fit, with borders, from here on", p.info.Name, s.seq, fw, fh, p.info.Width, p.info.Height)
		}
	}
	*res = Result{Frame: s.seq, PTS: s.frame.PTS, Time: s.frame.Time, Inferred: s.inferred, Width: fw, Height: fh}
	if !o.blank.Empty() { // a sink wrote into it: never pass that on
		o.blank.Close()
		o.blank = gocv.NewMat()
	}
	o.out.Image, o.out.I420, o.out.Probs = s.mat, o.blank, o.last
	if s.i420 {
		o.out.Image, o.out.I420 = o.blank, s.mat
	}
	if o.have {
		o.out.Rank()
	}
	t0 := time.Now()
	if o.objs != nil {
		var err error
		w, h := s.size()
		if o.out.Zones, err = o.objs.frame(s, res, w, h); err != nil {
			o.fail(fmt.Errorf("frame %d: %w", s.seq, err))
		}
	}
	res.Dropped = p.metrics.dropped.Load()
	o.out.FPS = p.metrics.fps()
	res.Latency = t0.Sub(s.frame.Time)
	if err := o.chain.Write(&o.out); err != nil {
		o.fail(err)
	}
	p.metrics.record(PhaseOutput, time.Since(t0))
	p.metrics.out.Add(1)
	if cfg.StatsEvery > 0 && cfg.Logf != nil && time.Since(o.stats) >= cfg.StatsEvery {
		o.stats = time.Now()
		p.logStats()
	}
}

// close closes the stages and the sinks (the events still open end) and
// returns the first error of the output path.
func (o *outPath) close() error {
	if err := o.chain.Close(); err != nil && o.err == nil {
		o.err = err
	}
	o.release()
	return o.err
}

// release closes the output path's own Mat, after the chain is closed.
func (o *outPath) release() { o.blank.Close() }

// latencyStage sets each Result's Latency, from capture to the end of
// Config.Stages, and records it (PhaseEndToEnd).
func latencyStage(m *Metrics) Stage {
	return func(next Sink) Sink {
		return &latencySink{m: m, next: next}
	}
}

type latencySink struct {
	m    *Metrics
	next Sink
}

func (l *latencySink) Write(o *Output) error {
	o.Result.Latency = time.Since(o.Result.Time)
	l.m.record(PhaseEndToEnd, o.Result.Latency)
	return l.next.Write(o)
}

func (l *latencySink) Close() error { return l.next.Close() }

// TakesI420 is true when the sinks after it take planes.
func (l *latencySink) TakesI420() bool { return TakesI420(l.next) }

// eventSink feeds each frame's reported classes (Result.Top) to the
// events tracker tr and sends the "entered / left" events it gives,
// with the camera's name, to Config.OnEvent, before the frame goes on;
// at Close every class still present leaves (at the last frame's time).
type eventSink struct {
	tr     *events.Tracker
	emit   func(events.Event)
	next   Sink
	scores []events.Score // reused
}

// newEventSink returns the events stage for tr, naming camera in each
// event it gives to emit; its next is set by the chain.
func newEventSink(tr *events.Tracker, camera string, emit func(events.Event)) *eventSink {
	return &eventSink{tr: tr, emit: func(e events.Event) { e.Camera = camera; emit(e) }}
}

func (e *eventSink) Write(o *Output) error {
	e.scores = e.scores[:0]
	for _, c := range o.Result.Top() {
		e.scores = append(e.scores, events.Score{Class: c.Class, Label: c.Label, Score: c.Score})
	}
	e.tr.UpdateAt(o.Result.PTS, o.Result.Time, e.scores, e.emit)
	return e.next.Write(o)
}

func (e *eventSink) Close() error {
	e.tr.Flush(e.emit)
	return e.next.Close()
}

// TakesI420 is true when the sinks after it take planes.
func (e *eventSink) TakesI420() bool { return TakesI420(e.next) }

// objectEventStage delivers the object tracker's events of each frame
// (an object entering or leaving the view or a zone) to
// Config.OnObjectEvent before the frame goes on; at Close every object
// still tracked leaves.
func objectEventStage(objs *objects) Stage {
	return func(next Sink) Sink {
		return &objectEventSink{objs: objs, next: next}
	}
}

type objectEventSink struct {
	objs *objects
	next Sink
}

func (e *objectEventSink) Write(o *Output) error {
	e.objs.deliver()
	return e.next.Write(o)
}

func (e *objectEventSink) Close() error {
	e.objs.flush()
	return e.next.Close()
}

// TakesI420 is true when the sinks after it take planes.
func (e *objectEventSink) TakesI420() bool { return TakesI420(e.next) }

// resultStage passes each frame on to the sinks, then calls onResult
// (Config.OnResult) and offers a copy of the Result to results (the
// channel of Pipeline.Results, left out when it is full; nil: none).
func resultStage(onResult func(*Result), results chan<- Result) Stage {
	return func(next Sink) Sink {
		return &resultSink{on: onResult, results: results, next: next}
	}
}

type resultSink struct {
	on      func(*Result)
	results chan<- Result
	next    Sink
}

func (r *resultSink) Write(o *Output) error {
	err := r.next.Write(o)
	if r.on != nil {
		r.on(o.Result)
	}
	// Only this goroutine sends: with room now, the send cannot block.
	if r.results != nil && len(r.results) < cap(r.results) {
		res := *o.Result
		res.own()
		r.results <- res
	}
	return err
}

func (r *resultSink) Close() error { return r.next.Close() }

// TakesI420 is true when the sinks after it take planes.
func (r *resultSink) TakesI420() bool { return TakesI420(r.next) }

// fanOut writes each frame to every sink still running. A sink that fails
// is written no more; an error other than ErrOutputEnded also stops the
// run (fail), and the frames already read still go to the other sinks.
type fanOut struct {
	sinks []Sink
	all   []Sink
	logf  func(string, ...any)
	fail  func(error)
}

// TakesI420 is true when every sink takes planes.
func (f *fanOut) TakesI420() bool {
	for _, s := range f.sinks {
		if !TakesI420(s) {
			return false
		}
	}
	return true
}

func (f *fanOut) Write(o *Output) error {
	if f.all == nil {
		f.all = append([]Sink{}, f.sinks...)
	}
	for i := 0; i < len(f.sinks); i++ {
		werr := f.sinks[i].Write(o)
		if werr == nil {
			continue
		}
		f.sinks = append(f.sinks[:i], f.sinks[i+1:]...)
		i--
		if errors.Is(werr, ErrOutputEnded) {
			if f.logf != nil {
				f.logf("warning: %v; the run goes on without it", werr)
			}
			continue
		}
		f.fail(werr)
	}
	return nil
}

func (f *fanOut) Close() error {
	all := f.all
	if all == nil {
		all = f.sinks
	}
	var first error
	for _, s := range all {
		err := s.Close()
		if errors.Is(err, ErrOutputEnded) {
			// A reader that stalled or left during the last frames:
			// that output ends short, the others are complete.
			if f.logf != nil {
				f.logf("warning: %v", err)
			}
			continue
		}
		if err != nil && first == nil {
			first = err
		}
	}
	return first
}
