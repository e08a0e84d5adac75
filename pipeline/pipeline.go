package pipeline

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"gocv.io/x/gocv"

	"github.com/livecam/livecam/classify"
	"github.com/livecam/livecam/detect"
	"github.com/livecam/livecam/events"
	"github.com/livecam/livecam/internal/backoff"
	"github.com/livecam/livecam/internal/cvprep"
	"github.com/livecam/livecam/models"
	"github.com/livecam/livecam/net/mobilenet"
	"github.com/livecam/livecam/track"
)

// Mode says how the pipeline paces itself.
type Mode int

const (
	// Auto takes the mode from the source: Live for live sources.
	Auto Mode = iota
	// File processes every frame, in order, as fast as the machine
	// allows: VIDEO mode. Capture waits for room, and so does a push to
	// a push source, which New switches to VIDEO (see LiveSetter).
	File
	// Live never makes the capture loop wait: a frame no worker has taken
	// when the next arrives is dropped (and counted), the newest wins.
	Live
)

// Config configures a Pipeline. Source and Model are required; every
// other zero value means the default named.
type Config struct {
	Source Source
	// Model is the network, as models.Open returns it (or
	// models.FromClassifier, models.FromDetector): a classifier (Task
	// models.Classify), each frame's result its reported classes
	// (Result.Top), or a detector (models.Detect), each frame's result
	// its objects (Result.Objects), boxes in the frame's pixels. With a
	// Pool it may be nil: the pool's model.
	Model *models.Model
	// ModelName names the model in the overlay's status line (default:
	// Model.Name).
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
	// the pipeline's buffers. It must run Model's network.
	Pool *Pool
	// Gate, when set, decides which frames are classified; the others
	// carry the last result (see package stage: Every, MaxRate).
	Gate Gate
	// Classes chooses the classes each Result reports: how many (any
	// number, or classify.AllResults), above which score, which classes
	// allowed or denied, by label or index. They apply to the results,
	// the events and whatever the stages draw. Classifier only: a
	// detector's objects are chosen by Filter (and the tracker may
	// filter them again: track.Config.Filter).
	Classes classify.Options
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
	// Filter, with a detector, drops the objects this pipeline does not
	// report: a minimum score and area, labels allowed and denied (each
	// pipeline of a Pool has its own). Objects it drops are not tracked.
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
	// enter event (which follows the stages). It needs Track, and keeps
	// the run's frames in BGR (see I420Source).
	OnBestFrame func(o detect.Object, frame gocv.Mat)
	// Logf, when set, receives warnings and periodic statistics.
	Logf func(format string, args ...any)
	// StatsEvery prints statistics through Logf at this interval (0:
	// never), a Logf call per line; the run's final statistics are the
	// caller's to print (Metrics).
	StatsEvery time.Duration
	// Reconnect, when positive, makes a live source that stops
	// delivering (and implements Reconnecter) be reopened with
	// exponential backoff from 250 ms up to this interval between
	// attempts, until it returns or the context ends; each attempt is
	// reported through Logf. Frame numbers continue across the gap. A
	// source that fails again within 30 s of coming back resumes the
	// backoff where it was (a flapping stream is not retried four times
	// a second).
	Reconnect time.Duration
	// StaleAfter is how long a live source may give no frame before the
	// pipeline says its signal is lost (see Signal; default
	// DefaultStaleAfter, 5 s). A source that fails and is reconnecting
	// has lost its signal at once. File mode never loses it.
	StaleAfter time.Duration
	// Camera names the camera in Signals and in label events
	// (events.Event.Camera; default: the source's name).
	Camera string
	// OnSignal, when set, is called with each Signal, from the output
	// goroutine, after the sinks that implement SignalSink.
	OnSignal func(s Signal)
}

// Pipeline runs frames from a source through the classifier or the
// detector to the sinks. See the package documentation for its stages.
type Pipeline struct {
	cfg     Config
	cls     *mobilenet.Model // the classifier's network, or nil
	det     *detect.Model    // the detector, or nil
	info    SourceInfo
	live    bool
	filter  *classify.Filter
	tracker *events.Tracker
	metrics *Metrics
	results chan Result
	ran     atomic.Bool

	// The signal's watch (live mode): reconnecting is set by the
	// capture loop while it reconnects, signalNote wakes the output
	// goroutine, now and ticker are its clock (tests set them).
	reconnecting atomic.Bool
	signalNote   chan struct{}
	now          func() time.Time
	ticker       func(d time.Duration) (<-chan time.Time, func())

	// The capture loop's: when the source last came back, and at which
	// step of the backoff (reconnect); after is the reconnection's timer
	// (nil: a real one; tests set it).
	backAt    time.Time
	backRetry int
	after     func(time.Duration) <-chan time.Time
}

// flapWindow is how long a source must stay up after a reconnect for its
// next outage to start the backoff again from its first step: one that
// fails sooner (a stream that drops after a frame) resumes it where the
// last outage left it, so that a flapping camera is retried ever less
// often, up to Config.Reconnect, not four times a second, each time a
// lost and a back signal (log lines, MQTT messages, events).
const flapWindow = 30 * time.Second

// New checks cfg and returns a Pipeline ready to Run.
func New(cfg Config) (*Pipeline, error) {
	if cfg.Source == nil {
		return nil, errors.New("pipeline: Config.Source is nil: the pipeline needs frames")
	}
	if cfg.Model == nil && cfg.Pool != nil {
		cfg.Model = cfg.Pool.model
	}
	var cls *mobilenet.Model
	var det *detect.Model
	switch {
	case cfg.Pool != nil && !cfg.Pool.runs(cfg.Model):
		return nil, fmt.Errorf("pipeline: Config.Pool runs %s, not Config.Model (%s)", cfg.Pool.model.Name, modelName(cfg.Model))
	case cfg.Pool != nil:
		cls, det = cfg.Pool.cls, cfg.Pool.det
	default:
		var err error
		if cls, det, err = networks(cfg.Model); err != nil {
			return nil, err
		}
	}
	if cfg.ModelName == "" {
		cfg.ModelName = cfg.Model.Name
	}
	if cfg.Workers <= 0 {
		cfg.Workers = min(runtime.GOMAXPROCS(0), 4)
	}
	if cfg.Threads <= 0 {
		cfg.Threads = 1
	}
	info := cfg.Source.Info()
	var filter *classify.Filter
	if det != nil {
		if err := det.CheckFilter(cfg.Filter); err != nil {
			return nil, err
		}
		if err := checkDetector(&cfg, info); err != nil {
			return nil, err
		}
	} else {
		if cfg.Track != nil || cfg.OnObjectEvent != nil || cfg.OnBestFrame != nil {
			return nil, errors.New("pipeline: Config.Track, OnObjectEvent and OnBestFrame are for a detector's objects, and the run has a classifier")
		}
		var err error
		if filter, err = classify.NewFilter(cfg.Classes, cls.Labels()); err != nil {
			return nil, fmt.Errorf("pipeline: Config.Classes: %w", err)
		}
	}
	if cfg.StaleAfter <= 0 {
		cfg.StaleAfter = DefaultStaleAfter
	}
	if cfg.Camera == "" {
		cfg.Camera = info.Name
	}
	p := &Pipeline{cfg: cfg, cls: cls, det: det, info: info, filter: filter, metrics: newMetrics(),
		results: make(chan Result, 64), signalNote: make(chan struct{}, 1), now: time.Now, ticker: realTicker}
	if cfg.OnEvent != nil {
		var err error
		if p.tracker, err = events.NewTracker(cfg.Events); err != nil {
			return nil, err
		}
	}
	p.live = cfg.Mode == Live || (cfg.Mode == Auto && p.info.Live)
	if ls, ok := cfg.Source.(LiveSetter); ok {
		ls.SetLive(p.live)
	}
	return p, nil
}

// networks returns the classifier's network or the detector m holds, or
// an error saying why it holds neither.
func networks(m *models.Model) (*mobilenet.Model, *detect.Model, error) {
	if m == nil {
		return nil, nil, fmt.Errorf("pipeline: Config.Model is nil: %w", models.ErrNoModel)
	}
	if err := m.Check(); err != nil {
		return nil, nil, fmt.Errorf("pipeline: model %s (task %q): %w", m.Name, m.Task, err)
	}
	if m.Task == models.Classify {
		return m.Classifier, nil, nil
	}
	det, err := detect.NewModel(m, detect.Filter{})
	if err != nil {
		return nil, nil, fmt.Errorf("pipeline: %w", err)
	}
	return nil, det, nil
}

// modelName names m in an error message.
func modelName(m *models.Model) string {
	if m == nil {
		return "nil"
	}
	return m.Name
}

// checkDetector checks the parts of cfg that concern a detector.
func checkDetector(cfg *Config, info SourceInfo) error {
	r := cfg.Classes
	if r.MaxResults != 0 || r.MinScore != 0 || len(r.Allow) > 0 || len(r.Deny) > 0 {
		return errors.New("pipeline: Config.Classes ranks a classifier's classes; a detector's objects are chosen by Config.Filter (and Config.Track's Filter)")
	}
	if cfg.OnEvent != nil {
		return errors.New("pipeline: Config.OnEvent receives a classifier's label events; a detector's are per object: set Config.Track and Config.OnObjectEvent")
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
	i420      bool            // mat holds I420 planes, not BGR
	probs     []float32       // a classifier's
	objs      []detect.Object // a detector's, room for MaxObjects() of them
	seq, dseq int64
	frame     Frame
	queued    time.Time
	infer     bool // a forward pass is wanted
	inferred  bool // and was done
	err       error
	epoch     int64 // the capture loop's reconnects before the frame was read
}

// size returns the width and height of the frame in s.mat.
func (s *slot) size() (w, h int) {
	if s.i420 {
		return s.mat.Cols(), s.mat.Rows() * 2 / 3
	}
	return s.mat.Cols(), s.mat.Rows()
}

// newSlot returns a slot with room for the model's outputs.
func (p *Pipeline) newSlot() *slot {
	s := &slot{mat: gocv.NewMat()}
	if p.det != nil {
		s.objs = make([]detect.Object, 0, p.det.MaxObjects())
	} else {
		s.probs = make([]float32, p.cls.Classes())
	}
	return s
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
		slots[i] = p.newSlot()
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
	// The output path, made before the first frame is read: whether its
	// stages and sinks take I420 planes decides how frames are read.
	o := newOutPath(p, stop)
	var planes I420Source
	if src, ok := cfg.Source.(I420Source); ok && src.I420() && o.i420 && cfg.OnBestFrame == nil {
		planes = src
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
		sourceErr = p.capture(ctx, free, queue, planes)
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
	outErr := p.output(o, done, free)
	stop()
	wg.Wait()
	if cerr := cfg.Source.Close(); cerr != nil && sourceErr == nil {
		sourceErr = cerr
	}
	return errors.Join(outErr, sourceErr)
}

// logStats gives the statistics so far to Logf, a call per line (Logf
// takes one line: a logger may escape a newline); the run's last ones
// are the caller's to print (Metrics), once.
func (p *Pipeline) logStats() {
	var b bytesBuffer
	p.metrics.Snapshot().Write(&b)
	for line := range strings.Lines(string(b)) {
		p.cfg.Logf("%s", strings.TrimSuffix(line, "\n"))
	}
}

type bytesBuffer []byte

func (b *bytesBuffer) Write(p []byte) (int, error) { *b = append(*b, p...); return len(p), nil }

// capture reads frames into free slots and hands them to the workers:
// with planes not nil, as I420 planes through it.
func (p *Pipeline) capture(ctx context.Context, free chan *slot, queue *handoff, planes I420Source) error {
	cfg := p.cfg
	var scratch *gocv.Mat // live mode: frames read while every slot is busy
	defer func() {
		if scratch != nil {
			scratch.Close()
		}
	}()
	pacer, _ := cfg.Source.(Pacer)
	epoch := int64(0) // reconnects so far: the output tells an outage by it
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
		var fr Frame
		var err error
		if planes != nil {
			fr, err = planes.ReadI420(dst)
		} else {
			fr, err = cfg.Source.Read(dst)
		}
		t1 := time.Now()
		if err != nil {
			if s != nil {
				free <- s
			}
			if errors.Is(err, io.EOF) || ctx.Err() != nil {
				return nil // the end, or a read cut short by cancellation
			}
			epoch++
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
		p.metrics.in.Add(1)
		if s == nil { // no slot free: the frame is dropped unseen
			p.metrics.dropped.Add(1)
			continue
		}
		if fr.Time.IsZero() {
			fr.Time = t1
		}
		s.seq, s.frame, s.queued, s.epoch, s.i420 = seq, fr, t1, epoch, planes != nil
		s.infer = cfg.Gate == nil || cfg.Gate.Classify(seq, t1)
		if old := queue.put(s); old != nil {
			free <- old
			p.metrics.dropped.Add(1)
			if old == s { // read, but the run was stopping
				return nil
			}
		}
	}
}

// reconnect reopens a live source that failed with cause, waiting by
// backoff.Reconnect's schedule; it returns nil once the source is back or
// the context ends, and cause when reconnecting is off or impossible.
func (p *Pipeline) reconnect(ctx context.Context, cause error) error {
	rc, ok := p.cfg.Source.(Reconnecter)
	if !ok || p.cfg.Reconnect <= 0 || !p.live {
		return cause
	}
	logf := p.cfg.Logf
	if logf == nil {
		logf = func(string, ...any) {}
	}
	lost := p.now()
	p.reconnecting.Store(true)
	p.nudge()
	defer p.reconnecting.Store(false)
	schedule := backoff.Reconnect(p.cfg.Reconnect)
	step := 0 // the backoff's step before the first attempt
	if !p.backAt.IsZero() && p.now().Sub(p.backAt) < flapWindow {
		step = p.backRetry // back only a moment ago: flapping
	}
	for attempt := 1; ; attempt++ {
		wait := schedule.Delay(step + attempt)
		logf("%v; reconnecting in %v (attempt %d)", cause, wait.Round(time.Millisecond), attempt)
		if !backoff.Sleep(ctx, wait, p.after) {
			return nil
		}
		err := rc.Reconnect()
		if err == nil {
			p.metrics.reconnects.Add(1)
			p.backAt, p.backRetry = p.now(), step+attempt
			logf("%s is back after %v (%d attempts)", p.info.Name, p.now().Sub(lost).Round(time.Millisecond), attempt)
			return nil
		}
		if errors.Is(err, ErrNotReconnectable) {
			return cause
		}
		cause = err
	}
}

// engine is what one worker runs: OpenCV's preparation of a frame (a
// classifier's centre square, a detector's stretch: package cvprep), and
// the classifier's or the detector's runner.
type engine struct {
	pre *cvprep.Preprocessor
	cls *mobilenet.Runner
	det *detect.Runner
}

// newEngine returns a worker's engine for the classifier cls or the
// detector det (whichever is set), its runner on threads threads.
func newEngine(cls *mobilenet.Model, det *detect.Model, threads int) engine {
	if det != nil {
		return engine{pre: cvprep.Stretch(det.InputSize()), det: det.NewRunner(threads)}
	}
	return engine{pre: cvprep.Square(cls.Config().Size), cls: cls.NewRunner(threads)}
}

func (e engine) close() {
	if e.det != nil {
		e.det.Close()
	} else {
		e.cls.Close()
	}
	e.pre.Close()
}

// work preprocesses and runs the model on slots until the queue is
// closed.
func (p *Pipeline) work(queue *handoff, done chan<- *slot) {
	e := newEngine(p.cls, p.det, p.cfg.Threads)
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
	if s.i420 {
		rgb, err = e.pre.RGBI420(s.mat)
	} else {
		rgb, err = e.pre.RGB(s.mat)
	}
	if s.err = err; err != nil {
		return
	}
	t1 := time.Now()
	p.metrics.record(PhasePreprocess, t1.Sub(t0))
	if e.det != nil {
		w, h := s.size()
		s.objs, s.err = e.det.DetectTensor(s.objs[:0], rgb, w, h)
	} else {
		s.err = e.cls.Probabilities(s.probs, rgb)
	}
	p.metrics.record(PhaseInference, time.Since(t1))
	p.metrics.inferences.Add(1)
	s.inferred = s.err == nil
}

// output restores frame order and passes each frame down the output
// path o (see outPath), then returns its slot to the pool. It closes the
// stages and sinks before it returns.
func (p *Pipeline) output(o *outPath, done <-chan *slot, free chan<- *slot) error {
	// At most cap(free) slots are in flight, so their delivery numbers
	// fit a ring of that size.
	pending := make([]*slot, cap(free))
	ring := int64(len(pending))
	next := int64(0)
	// A live run watches its signal: a tick checks for a stale source,
	// a note says the capture loop started reconnecting. A file run
	// leaves both nil: the select waits for frames only.
	var tick <-chan time.Time
	var note <-chan struct{}
	if p.live {
		c, stopTick := p.ticker(max(p.cfg.StaleAfter/5, time.Millisecond))
		defer stopTick()
		tick, note = c, p.signalNote
		o.watch.last = p.now() // "no signal since" the start, before a frame
	}
	for {
		timed := false // whether to look at the time since the last frame
		select {
		case s, ok := <-done:
			if !ok {
				return o.close()
			}
			pending[s.dseq%ring] = s
			for pending[next%ring] != nil && pending[next%ring].dseq == next {
				s := pending[next%ring]
				pending[next%ring] = nil
				next++
				if p.live {
					o.arrive(s)
				}
				o.emit(s)
				free <- s
			}
		case <-tick:
			// Not while a frame waits: the output was busy (a slow
			// sink), the source was not silent.
			timed = len(done) == 0
		case <-note:
		}
		// Every slot back in free: no frame is in flight.
		if p.live && o.watch.stale(p, p.now(), timed, len(free) == cap(free)) {
			o.lose()
		}
	}
}
