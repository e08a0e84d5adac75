package pipeline

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"gocv.io/x/gocv"

	"github.com/livecam/livecam/classify"
	"github.com/livecam/livecam/detect"
	"github.com/livecam/livecam/events"
	"github.com/livecam/livecam/net/mobilenet"
	"github.com/livecam/livecam/track"
)

// Mode says how the pipeline paces itself.
type Mode int

const (
	// Auto takes the mode from the source: Live for live sources.
	Auto Mode = iota
	// File processes every frame, in order, as fast as the machine allows.
	File
	// Live never makes the capture loop wait: a frame no worker has taken
	// when the next arrives is dropped (and counted), the newest wins.
	Live
)

// Config configures a Pipeline. Source is required, and exactly one of
// Model (a classifier) and Detector; every other zero value means the
// default named.
type Config struct {
	Source Source
	// Model is the classifier: each frame's result is its reported
	// classes (Result.Top).
	Model *mobilenet.Model
	// Detector is the object detector, instead of Model: each frame's
	// result is its objects (Result.Objects), boxes in the frame's
	// pixels.
	Detector *detect.Model
	// ModelName names the model in the overlay's status line (default:
	// the classifier's own name; "detector" for a Detector).
	ModelName string
	// Mode: Auto (default) follows Source.Info().Live.
	Mode Mode
	// Workers is the number of inference goroutines, each with its own
	// runner (default: GOMAXPROCS, at most 4).
	Workers int
	// Threads per runner (default 1: workers give better throughput).
	Threads int
	// Pool, when set, runs the forward passes on workers shared with
	// other pipelines (several cameras, one model: see Pool) instead of
	// workers of this pipeline's own; Workers and Threads then only size
	// the pipeline's buffers. Its model must be Model (or Detector:
	// see NewDetectorPool).
	Pool *Pool
	// Gate, when set, decides which frames are classified; the others
	// carry the last result (see package stage: Every, MaxRate).
	Gate Gate
	// Results chooses the classes each Result reports: how many, above
	// which score, which classes allowed or denied. They apply to the
	// results, the events and whatever the stages draw. Classifier only:
	// a Detector filters its objects itself (detect.Filter) and the
	// tracker may filter them again (track.Config.Filter).
	Results classify.Options
	// Stages transform each frame's Output, in order, before the sinks
	// (package stage: Smooth, Overlay).
	Stages []Stage
	// Sinks receive every processed frame, in order, after the stages.
	Sinks []Sink
	// OnResult, when set, is called with each result after the stages,
	// in frame order, from the output goroutine; r is valid only during
	// the call.
	OnResult func(r *Result)
	// OnEvent, when set, receives a classifier's "label entered / left"
	// events, on the source's clock, from the output goroutine, after
	// the stages; at the end of the run every class still present
	// leaves. Classifier only: a Detector's events are per object
	// (OnObjectEvent).
	OnEvent func(e events.Event)
	// Events tunes the events' hysteresis (zero value: see
	// events.Options).
	Events events.Options
	// Filter, with a Detector, drops the objects this pipeline does not
	// report, after the Detector's own detect.Filter (which all the
	// pipelines of a Pool share): a camera's own minimum score, area,
	// labels allowed and denied. Objects it drops are not tracked.
	Filter detect.Filter
	// Track, when set with a Detector, tracks the objects: each inferred
	// frame's objects go to a track.Tracker (made at the first frame,
	// for its size), and the Result's objects get their track ids (see
	// the package documentation). Nil: no tracking, ids are 0.
	Track *track.Config
	// OnObjectEvent, when set, receives the tracker's per-object events
	// (an object entering or leaving the view or a zone), on the
	// source's clock, from the output goroutine, after the stages; at
	// the end of the run every object still tracked leaves. The event
	// is valid only during the call (its Zones are reused). It needs
	// Track.
	OnObjectEvent func(e track.Event)
	// OnBestFrame, when set, is called when a tracked object reaches a
	// new peak score (the frame to keep as the object's snapshot, the
	// Best of track.Object), from the output goroutine, before the
	// stages: with the object as the Result reports it and the frame as
	// the source delivered it (no overlay drawn yet). frame is valid
	// only during the call: copy or encode it (gocv.IMEncode) to keep
	// it. On the frame an object enters, this call comes before its
	// enter event (which follows the stages). It needs Track.
	OnBestFrame func(o detect.Object, frame gocv.Mat)
	// Logf, when set, receives warnings and periodic statistics.
	Logf func(format string, args ...any)
	// StatsEvery prints statistics through Logf at this interval (0: never).
	StatsEvery time.Duration
	// Reconnect, when positive, makes a live source that stops
	// delivering (and implements Reconnecter) be reopened with
	// exponential backoff from 250 ms up to this interval between
	// attempts, until it returns or the context ends; each attempt is
	// reported through Logf. Frame numbers continue across the gap.
	Reconnect time.Duration
}

// Pipeline runs frames from a source through the classifier or the
// detector to the sinks. See the package documentation for its stages.
type Pipeline struct {
	cfg     Config
	info    SourceInfo
	live    bool
	filter  *classify.Filter
	tracker *events.Tracker
	metrics *Metrics
	results chan Result
	ran     atomic.Bool
}

// New checks cfg and returns a Pipeline ready to Run.
func New(cfg Config) (*Pipeline, error) {
	if cfg.Source == nil || (cfg.Model == nil) == (cfg.Detector == nil) {
		return nil, errors.New("pipeline: Config needs a Source and either a Model (a classifier) or a Detector, not both")
	}
	if cfg.Pool != nil && (cfg.Pool.model != cfg.Model || cfg.Pool.detector != cfg.Detector) {
		return nil, errors.New("pipeline: Config.Pool runs another model than Config.Model or Config.Detector")
	}
	if cfg.Workers <= 0 {
		cfg.Workers = min(runtime.GOMAXPROCS(0), 4)
	}
	if cfg.Threads <= 0 {
		cfg.Threads = 1
	}
	info := cfg.Source.Info()
	var filter *classify.Filter
	if cfg.Detector != nil {
		if err := cfg.Detector.CheckFilter(cfg.Filter); err != nil {
			return nil, err
		}
		if err := checkDetector(&cfg, info); err != nil {
			return nil, err
		}
	} else {
		if cfg.Track != nil || cfg.OnObjectEvent != nil || cfg.OnBestFrame != nil {
			return nil, errors.New("pipeline: Config.Track, OnObjectEvent and OnBestFrame are for a Detector's objects, and the run has a classifier")
		}
		var err error
		if filter, err = classify.NewFilter(cfg.Results, cfg.Model.Classes()); err != nil {
			return nil, err
		}
		if cfg.ModelName == "" {
			cfg.ModelName = cfg.Model.Name()
		}
	}
	p := &Pipeline{cfg: cfg, info: info, filter: filter, metrics: newMetrics(),
		results: make(chan Result, 64)}
	if cfg.OnEvent != nil {
		var err error
		if p.tracker, err = events.NewTracker(cfg.Events); err != nil {
			return nil, err
		}
	}
	p.live = cfg.Mode == Live || (cfg.Mode == Auto && p.info.Live)
	return p, nil
}

// checkDetector checks the parts of cfg that concern a Detector and sets
// its defaults.
func checkDetector(cfg *Config, info SourceInfo) error {
	r := cfg.Results
	if r.MaxResults != 0 || r.MinScore != 0 || len(r.Allow) > 0 || len(r.Deny) > 0 {
		return errors.New("pipeline: Config.Results ranks a classifier's classes; a Detector's objects are filtered by its detect.Filter (and Config.Track's Filter)")
	}
	if cfg.OnEvent != nil {
		return errors.New("pipeline: Config.OnEvent receives a classifier's label events; a Detector's are per object: set Config.Track and Config.OnObjectEvent")
	}
	if (cfg.OnObjectEvent != nil || cfg.OnBestFrame != nil) && cfg.Track == nil {
		return errors.New("pipeline: Config.OnObjectEvent and Config.OnBestFrame need Config.Track: they are about tracked objects")
	}
	if cfg.Track != nil && info.Width > 0 && info.Height > 0 {
		// The tracker is made at the first frame; its configuration
		// (zones against the frame) is checked now.
		if _, err := track.New(*cfg.Track, info.Width, info.Height); err != nil {
			return fmt.Errorf("pipeline: %s: %w", info.Name, err)
		}
	}
	if cfg.ModelName == "" {
		cfg.ModelName = "detector"
	}
	return nil
}

// Metrics returns the pipeline's live metrics.
func (p *Pipeline) Metrics() *Metrics { return p.metrics }

// Results returns a channel that receives a copy of every result, in
// frame order, and is closed when Run returns. When it is not read fast
// enough, results are left out of it (the pipeline never waits for it);
// use Config.OnResult to see every one.
func (p *Pipeline) Results() <-chan Result { return p.results }

// Live reports whether the pipeline runs in live mode.
func (p *Pipeline) Live() bool { return p.live }

// slot carries one frame and every buffer its trip needs; a fixed pool of
// slots is allocated once, so steady state allocates nothing.
type slot struct {
	mat       gocv.Mat
	probs     []float32       // a classifier's
	objs      []detect.Object // a detector's, room for MaxObjects() of them
	seq, dseq int64
	frame     Frame
	queued    time.Time
	infer     bool // a forward pass is wanted
	inferred  bool // and was done
	err       error
}

// Run processes frames until the source ends, the context is cancelled or
// a sink fails. On cancellation it stops reading at once (interrupting a
// source's Read, see Interrupter), finishes the frames already read, and
// closes the stages and sinks, so that what was written stays complete.
// It returns nil at the end of the source or on cancellation, the error
// otherwise; every goroutine it started has exited and every Mat it
// allocated is closed when it returns. The source is closed too. Run may
// be called once.
func (p *Pipeline) Run(ctx context.Context) (err error) {
	if p.ran.Swap(true) {
		return errors.New("pipeline: Run called twice")
	}
	defer close(p.results)
	cfg := p.cfg
	ctx, stop := context.WithCancel(ctx)
	defer stop()

	poolSize := cfg.Workers + 3
	if !p.live {
		poolSize = 2*cfg.Workers + 2
	}
	free := make(chan *slot, poolSize)
	slots := make([]*slot, poolSize)
	for i := range slots {
		slots[i] = &slot{mat: gocv.NewMat()}
		if cfg.Detector != nil {
			slots[i].objs = make([]detect.Object, 0, cfg.Detector.MaxObjects())
		} else {
			slots[i].probs = make([]float32, cfg.Model.Classes())
		}
		free <- slots[i]
	}
	defer func() {
		for _, s := range slots {
			s.mat.Close()
		}
	}()

	queue := newHandoff(cfg.Workers, p.live)
	done := make(chan *slot, poolSize)
	if cfg.Pool != nil {
		if err := cfg.Pool.join(p, queue, done); err != nil {
			cfg.Source.Close()
			return err
		}
	}
	var wg sync.WaitGroup
	var sourceErr error

	// On cancellation intake stops at once: the handoff closes and a
	// source that can be interrupted returns from its Read; the
	// workers and the output drain what was read.
	wg.Add(1)
	go func() { // joined like the others: Run cancels ctx before it waits
		defer wg.Done()
		<-ctx.Done()
		queue.close()
		if in, ok := cfg.Source.(Interrupter); ok {
			in.Interrupt()
		}
	}()

	wg.Add(1)
	go func() { // capture
		defer wg.Done()
		defer queue.close()
		sourceErr = p.capture(ctx, free, queue)
	}()
	if cfg.Pool == nil { // with a Pool, the pool closes done
		var workers sync.WaitGroup
		for range cfg.Workers {
			workers.Add(1)
			go func() {
				defer workers.Done()
				p.work(queue, done)
			}()
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			workers.Wait()
			close(done)
		}()
	}

	// Output, on this goroutine.
	outErr := p.output(done, free, stop)
	stop()
	wg.Wait()
	if cerr := cfg.Source.Close(); cerr != nil && sourceErr == nil {
		sourceErr = cerr
	}
	if p.cfg.Logf != nil && cfg.StatsEvery > 0 {
		p.cfg.Logf("%s", p.statsText())
	}
	return errors.Join(outErr, sourceErr)
}

func (p *Pipeline) statsText() string {
	var b bytesBuffer
	p.metrics.Snapshot().Write(&b)
	return string(b)
}

type bytesBuffer []byte

func (b *bytesBuffer) Write(p []byte) (int, error) { *b = append(*b, p...); return len(p), nil }

// capture reads frames into free slots and hands them to the workers.
func (p *Pipeline) capture(ctx context.Context, free chan *slot, queue *handoff) error {
	cfg := p.cfg
	var scratch *gocv.Mat // live mode: frames read while every slot is busy
	defer func() {
		if scratch != nil {
			scratch.Close()
		}
	}()
	pacer, _ := cfg.Source.(Pacer)
	for seq := int64(0); ; seq++ {
		if ctx.Err() != nil {
			return nil
		}
		var s *slot
		if p.live {
			select {
			case s = <-free:
			default:
			}
		} else {
			select {
			case s = <-free:
			case <-ctx.Done():
				return nil
			}
		}
		dst := scratch
		if s != nil {
			dst = &s.mat
		} else if dst == nil {
			m := gocv.NewMat()
			scratch, dst = &m, &m
		}
		if pacer != nil {
			pacer.Wait()
		}
		t0 := time.Now()
		fr, err := cfg.Source.Read(dst)
		t1 := time.Now()
		if err != nil {
			if s != nil {
				free <- s
			}
			if errors.Is(err, io.EOF) || ctx.Err() != nil {
				return nil // the end, or a read cut short by cancellation
			}
			if rerr := p.reconnect(ctx, err); rerr != nil {
				return rerr
			}
			if ctx.Err() != nil {
				return nil
			}
			seq-- // the failed read produced no frame
			continue
		}
		p.metrics.record(PhaseCapture, t1.Sub(t0))
		if s == nil { // no slot free: the frame is dropped unseen
			p.metrics.count(1, 0, 1, 0)
			continue
		}
		p.metrics.count(1, 0, 0, 0)
		if fr.Time.IsZero() {
			fr.Time = t1
		}
		s.seq, s.frame, s.queued = seq, fr, t1
		s.infer = cfg.Gate == nil || cfg.Gate.Classify(seq, t1)
		if old := queue.put(s); old != nil {
			free <- old
			p.metrics.count(0, 0, 1, 0)
			if old == s { // read, but the run was stopping
				return nil
			}
		}
	}
}

// reconnect reopens a live source that failed with cause, backing off
// exponentially; it returns nil once the source is back or the context
// ends, and cause when reconnecting is off or impossible.
func (p *Pipeline) reconnect(ctx context.Context, cause error) error {
	rc, ok := p.cfg.Source.(Reconnecter)
	if !ok || p.cfg.Reconnect <= 0 || !p.live {
		return cause
	}
	logf := p.cfg.Logf
	if logf == nil {
		logf = func(string, ...any) {}
	}
	lost := time.Now()
	wait := 250 * time.Millisecond
	for attempt := 1; ; attempt++ {
		wait = min(wait, p.cfg.Reconnect)
		logf("%v; reconnecting in %v (attempt %d)", cause, wait.Round(time.Millisecond), attempt)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
		err := rc.Reconnect()
		if err == nil {
			p.metrics.mu.Lock()
			p.metrics.reconnects++
			p.metrics.mu.Unlock()
			logf("%s is back after %v (%d attempts)", p.info.Name, time.Since(lost).Round(time.Millisecond), attempt)
			return nil
		}
		if errors.Is(err, ErrNotReconnectable) {
			return cause
		}
		cause = err
		wait *= 2
	}
}

// engine is what one worker runs: a classifier's preprocessor and
// runner, or a detector's runner.
type engine struct {
	pre *classify.Preprocessor
	cls *mobilenet.Runner
	det *detect.Runner
}

// newEngine returns a worker's engine for the classifier cls or the
// detector det (whichever is set), its runner on threads threads.
func newEngine(cls *mobilenet.Model, det *detect.Model, threads int) engine {
	if det != nil {
		return engine{det: det.NewRunner(threads)}
	}
	return engine{pre: classify.NewPreprocessor(cls.Config().Size), cls: cls.NewRunner(threads)}
}

func (e engine) close() {
	if e.det != nil {
		e.det.Close()
		return
	}
	e.cls.Close()
	e.pre.Close()
}

// work preprocesses and runs the model on slots until the queue is
// closed.
func (p *Pipeline) work(queue *handoff, done chan<- *slot) {
	e := newEngine(p.cfg.Model, p.cfg.Detector, p.cfg.Threads)
	defer e.close()
	for {
		s := queue.take()
		if s == nil {
			return
		}
		p.process(s, e)
		done <- s
	}
}

// process preprocesses one slot and runs the model on it, if a forward
// pass is wanted.
func (p *Pipeline) process(s *slot, e engine) {
	t0 := time.Now()
	p.metrics.record(PhaseQueue, t0.Sub(s.queued))
	s.inferred, s.err = false, nil
	if !s.infer {
		return
	}
	var rgb []uint8
	var err error
	if e.det != nil {
		rgb, err = e.det.Input(s.mat)
	} else {
		rgb, err = e.pre.RGB(s.mat)
	}
	if s.err = err; err != nil {
		return
	}
	t1 := time.Now()
	p.metrics.record(PhasePreprocess, t1.Sub(t0))
	if e.det != nil {
		s.objs, s.err = e.det.DetectTensor(s.objs[:0], rgb, s.mat.Cols(), s.mat.Rows())
	} else {
		s.err = e.cls.Probabilities(s.probs, rgb)
	}
	p.metrics.record(PhaseInference, time.Since(t1))
	p.metrics.count(0, 0, 0, 1)
	s.inferred = s.err == nil
}

// output restores frame order, ranks each frame's classes (carrying the
// last probabilities over to frames that were not classified) or takes
// its objects (tracking them; the last objects carried over likewise),
// passes the frame through the stages to the sinks, and returns each slot
// to the pool. It closes the stages and sinks before it returns.
func (p *Pipeline) output(done <-chan *slot, free chan<- *slot, stop func()) error {
	cfg := p.cfg
	var last []float32 // the newest probabilities
	var objs *objects  // a detector's objects
	have := false
	var res Result
	out := Output{Result: &res, Source: p.info, Model: cfg.ModelName}
	if cfg.Detector != nil {
		objs = newObjects(p)
	} else {
		last = make([]float32, cfg.Model.Classes())
		out.Labels, out.filter = cfg.Model.Labels(), p.filter
		out.ranked = make([]mobilenet.Prediction, 0, classify.MaxResults)
	}
	var err error
	fail := func(e error) {
		if err == nil {
			err = e
		}
		stop()
	}
	fan := &fanOut{sinks: append([]Sink(nil), cfg.Sinks...), logf: cfg.Logf, fail: fail}
	chain := Chain(&terminal{p: p, objs: objs, next: fan}, cfg.Stages...)
	// At most cap(free) slots are in flight, so their delivery numbers
	// fit a ring of that size.
	pending := make([]*slot, cap(free))
	next := int64(0)
	lastStats := time.Now()
	emit := func(s *slot) {
		if s.err != nil {
			fail(fmt.Errorf("frame %d: %w", s.seq, s.err))
		}
		if s.inferred && objs == nil {
			copy(last, s.probs)
			have = true
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
		res = Result{Frame: s.seq, PTS: s.frame.PTS, Time: s.frame.Time, Inferred: s.inferred, Width: fw, Height: fh}
		out.Image, out.Probs = s.mat, last
		if have {
			out.Rank()
		}
		t0 := time.Now()
		if objs != nil {
			var terr error
			if out.Zones, terr = objs.frame(s, &res, s.mat.Cols(), s.mat.Rows()); terr != nil {
				fail(fmt.Errorf("frame %d: %w", s.seq, terr))
			}
		}
		snap := p.metrics
		snap.mu.Lock()
		res.Dropped = snap.dropped
		out.FPS = 0
		if sec := time.Since(snap.start).Seconds(); sec > 0 {
			out.FPS = float64(snap.out) / sec
		}
		snap.mu.Unlock()
		res.Latency = t0.Sub(s.frame.Time)
		if werr := chain.Write(&out); werr != nil {
			fail(werr)
		}
		p.metrics.record(PhaseOutput, time.Since(t0))
		p.metrics.count(0, 1, 0, 0)
		free <- s
		if cfg.StatsEvery > 0 && cfg.Logf != nil && time.Since(lastStats) >= cfg.StatsEvery {
			lastStats = time.Now()
			cfg.Logf("%s", p.statsText())
		}
	}
	ring := int64(len(pending))
	for s := range done {
		pending[s.dseq%ring] = s
		for pending[next%ring] != nil && pending[next%ring].dseq == next {
			s := pending[next%ring]
			pending[next%ring] = nil
			next++
			emit(s)
		}
	}
	if cerr := chain.Close(); cerr != nil && err == nil {
		err = cerr
	}
	return err
}

// terminal is the end of the stages: it records the latency, calls
// OnResult, feeds the Results channel and the events, then the sinks.
type terminal struct {
	p    *Pipeline
	objs *objects // a detector's, with the events to deliver
	next Sink
}

func (t *terminal) Write(o *Output) error {
	p, res := t.p, o.Result
	res.Latency = time.Since(res.Time)
	p.metrics.record(PhaseEndToEnd, res.Latency)
	if p.tracker != nil {
		var scores [classify.MaxResults]events.Score
		top := res.Top()
		for i, c := range top {
			scores[i] = events.Score{Class: c.Class, Label: c.Label, Score: c.Score}
		}
		p.tracker.Update(res.PTS, scores[:len(top)], p.cfg.OnEvent)
	}
	if t.objs != nil {
		t.objs.deliver()
	}
	err := t.next.Write(o)
	if p.cfg.OnResult != nil {
		p.cfg.OnResult(res)
	}
	select {
	case p.results <- *res:
	default:
	}
	return err
}

func (t *terminal) Close() error {
	if t.p.tracker != nil {
		t.p.tracker.Flush(t.p.cfg.OnEvent)
	}
	if t.objs != nil {
		t.objs.flush()
	}
	return t.next.Close()
}

// fanOut writes each frame to every sink still running. A sink that fails
// is written no more; an error other than ErrOutputEnded also stops the
// run (fail), and the frames already read still go to the other sinks.
type fanOut struct {
	sinks []Sink
	all   []Sink
	logf  func(string, ...any)
	fail  func(error)
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
