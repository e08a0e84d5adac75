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

	"github.com/livecam/livecam/net/mobilenet"
	"github.com/livecam/livecam/overlay"
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

// MaxTopK is the largest number of classes a Result carries.
const MaxTopK = 10

// Prediction is one class of a Result.
type Prediction struct {
	Class int
	WNID  string
	Label string
	Score float32 // probability (smoothed when Config.Smooth is set)
}

// Result is the classification of one frame.
type Result struct {
	Frame    int64         // index of the frame in the source, from 0
	PTS      time.Duration // presentation time
	Inferred bool          // false: carried over from an earlier frame (Every, MaxFPS)
	Latency  time.Duration // from capture to overlay drawn
	Dropped  int64         // frames dropped so far
	// Width and Height are the frame's own size when it differs from the
	// source's (a stream that changed resolution mid-file: the frame was
	// scaled into the source's size with black borders); 0 otherwise.
	Width, Height int
	top           [MaxTopK]Prediction
	n             int
}

// Top returns the best classes, best first. The slice points into r.
func (r *Result) Top() []Prediction { return r.top[:r.n] }

// SetTop sets the best classes (at most MaxTopK are kept), for code that
// builds Results itself: tests of a Sink, a custom stage.
func (r *Result) SetTop(top []Prediction) { r.n = copy(r.top[:], top) }

// Output is what a Sink receives for each frame, in frame order. Image is
// the annotated frame (when Config.Overlay is set) and Result its
// classification; both are valid only during the call.
type Output struct {
	Image  gocv.Mat
	Result *Result
	Source SourceInfo
}

// Sink consumes the pipeline's output: a video file, a window, a results
// file, a viewer. Write is called from one goroutine, in frame order. A
// Write error ends that sink: it gets no more frames. An error wrapping
// ErrOutputEnded (a reader that went away) is reported through
// Config.Logf and the run goes on; any other error stops the run like a
// cancellation (the frames already read still reach the other sinks) and
// is returned by Run. Close is called once, after the last Write, for
// every sink.
type Sink interface {
	Write(o *Output) error
	Close() error
}

// Config configures a Pipeline. Source and Model are required; every
// other zero value means the default named.
type Config struct {
	Source Source
	Model  *mobilenet.Model
	// Mode: Auto (default) follows Source.Info().Live.
	Mode Mode
	// Workers is the number of inference goroutines, each with its own
	// runner (default: GOMAXPROCS, at most 4).
	Workers int
	// Threads per runner (default 1: workers give better throughput).
	Threads int
	// Every classifies every Every-th frame and carries the last result
	// over to the frames between (default 1).
	Every int
	// MaxFPS caps the rate of forward passes (0: no cap); frames between
	// carry the last result.
	MaxFPS float64
	// TopK is the number of classes per result (default 5, at most MaxTopK).
	TopK int
	// Smooth, in (0, 1], is the weight of the newest frame in an
	// exponential moving average of the probabilities (0: no smoothing).
	Smooth float64
	// Overlay draws the results onto the frames the sinks receive.
	Overlay bool
	// OverlayOptions adjust the drawing (nil: defaults).
	OverlayOptions *overlay.Options
	// Sinks receive every processed frame, in order.
	Sinks []Sink
	// OnResult, when set, is called with each result, in frame order,
	// from the output goroutine; r is valid only during the call.
	OnResult func(r *Result)
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

// Pipeline runs frames from a source through the classifier to the sinks.
// See the package documentation for its stages.
type Pipeline struct {
	cfg     Config
	info    SourceInfo
	live    bool
	metrics *Metrics
	results chan Result
	ran     atomic.Bool
	// flushed is closed once every sink is closed: the outputs are
	// complete, even if the source is still stuck in a read.
	flushed chan struct{}
}

// New checks cfg and returns a Pipeline ready to Run.
func New(cfg Config) (*Pipeline, error) {
	if cfg.Source == nil || cfg.Model == nil {
		return nil, errors.New("pipeline: Config needs a Source and a Model")
	}
	if cfg.Workers <= 0 {
		cfg.Workers = min(runtime.GOMAXPROCS(0), 4)
	}
	if cfg.Threads <= 0 {
		cfg.Threads = 1
	}
	if cfg.Every <= 0 {
		cfg.Every = 1
	}
	if cfg.TopK <= 0 {
		cfg.TopK = 5
	}
	cfg.TopK = min(cfg.TopK, MaxTopK, cfg.Model.Classes())
	if cfg.Smooth < 0 || cfg.Smooth > 1 {
		return nil, fmt.Errorf("pipeline: Smooth %v is outside [0, 1]", cfg.Smooth)
	}
	if cfg.MaxFPS < 0 {
		return nil, fmt.Errorf("pipeline: MaxFPS %v is negative", cfg.MaxFPS)
	}
	p := &Pipeline{cfg: cfg, info: cfg.Source.Info(), metrics: newMetrics(), results: make(chan Result, 64), flushed: make(chan struct{})}
	p.live = cfg.Mode == Live || (cfg.Mode == Auto && p.info.Live)
	return p, nil
}

// Metrics returns the pipeline's live metrics.
func (p *Pipeline) Metrics() *Metrics { return p.metrics }

// Flushed returns a channel that is closed when every sink has been closed
// and the outputs are complete. After a cancellation that happens even
// while a source is stuck in a read (a camera that hangs), whereas Run
// returns only once the read ends: a program that must quit promptly can
// exit once Flushed is closed.
func (p *Pipeline) Flushed() <-chan struct{} { return p.flushed }

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
	mat           gocv.Mat
	tensor        []float32
	logits, probs []float32
	seq, dseq     int64
	fw, fh        int // the frame's own size, when the source says
	pts           time.Duration
	captured      time.Time
	queued        time.Time
	infer         bool // a forward pass is wanted
	inferred      bool // and was done
	err           error
}

// Run processes frames until the source ends, the context is cancelled or
// a sink fails. On cancellation it stops reading at once, finishes the
// frames already read, and closes the sinks, so that what was written
// stays complete. It returns nil at the end of the source or on
// cancellation, the error otherwise; every goroutine it started has
// exited and every Mat it allocated is closed when it returns. The source
// is closed too. Run may be called once.
func (p *Pipeline) Run(ctx context.Context) (err error) {
	if p.ran.Swap(true) {
		return errors.New("pipeline: Run called twice")
	}
	defer close(p.results)
	cfg := p.cfg
	ctx, stop := context.WithCancel(ctx)
	defer stop()

	size := cfg.Model.Config().Size
	poolSize := cfg.Workers + 3
	if !p.live {
		poolSize = 2*cfg.Workers + 2
	}
	free := make(chan *slot, poolSize)
	slots := make([]*slot, poolSize)
	for i := range slots {
		slots[i] = &slot{mat: gocv.NewMat(), tensor: make([]float32, size*size*3),
			logits: make([]float32, cfg.Model.Classes()), probs: make([]float32, cfg.Model.Classes())}
		free <- slots[i]
	}
	defer func() {
		for _, s := range slots {
			s.mat.Close()
		}
	}()

	queue := newHandoff(cfg.Workers, p.live)
	done := make(chan *slot, poolSize)
	var wg sync.WaitGroup
	var sourceErr, outErr error

	// Capture.
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer queue.close()
		sourceErr = p.capture(ctx, free, queue)
	}()

	// Workers.
	var workers sync.WaitGroup
	for range cfg.Workers {
		workers.Add(1)
		go func() {
			defer workers.Done()
			p.work(queue, done)
		}()
	}
	go func() {
		workers.Wait()
		close(done)
	}()

	// On cancellation intake stops at once, even while the capture
	// goroutine is blocked in a read: the workers and the output drain
	// what was read and the sinks close without waiting for the source.
	go func() {
		<-ctx.Done()
		queue.close()
	}()

	// Output, on this goroutine.
	outErr = p.output(done, free, stop)
	for _, sk := range cfg.Sinks {
		if cerr := sk.Close(); cerr != nil && outErr == nil {
			outErr = cerr
		}
	}
	close(p.flushed)
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
	var lastInfer time.Time
	minGap := time.Duration(0)
	if cfg.MaxFPS > 0 {
		minGap = time.Duration(float64(time.Second) / cfg.MaxFPS)
	}
	sizer, _ := cfg.Source.(FrameSizer)
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
		var dst *gocv.Mat
		if s != nil {
			dst = &s.mat
		} else {
			if scratch == nil {
				m := gocv.NewMat()
				scratch = &m
			}
			dst = scratch
		}
		if pacer, ok := cfg.Source.(Pacer); ok {
			pacer.Wait()
		}
		t0 := time.Now()
		pts, err := cfg.Source.Read(dst)
		t1 := time.Now()
		if err != nil {
			if s != nil {
				free <- s
			}
			if errors.Is(err, io.EOF) {
				return nil
			}
			if ctx.Err() != nil {
				return nil // a read cut short by cancellation
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
		p.metrics.record(StageCapture, t1.Sub(t0))
		fw, fh := 0, 0
		if sizer != nil {
			fw, fh = sizer.FrameSize()
		}
		if s == nil { // no slot free: the frame is dropped unseen
			p.metrics.count(1, 0, 1, 0)
			continue
		}
		p.metrics.count(1, 0, 0, 0)
		s.seq, s.pts, s.captured, s.queued = seq, pts, t1, t1
		s.fw, s.fh = fw, fh
		s.infer = seq%int64(cfg.Every) == 0
		if s.infer && minGap > 0 {
			if t1.Sub(lastInfer) < minGap {
				s.infer = false
			} else {
				lastInfer = t1
			}
		}
		if old := queue.put(s); old != nil {
			free <- old
			if old != s {
				p.metrics.count(0, 0, 1, 0)
			} else {
				p.metrics.count(0, 0, 1, 0) // read, but the run was stopping
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
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(wait):
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

// work preprocesses and classifies slots until the queue is closed.
func (p *Pipeline) work(queue *handoff, done chan<- *slot) {
	runner := p.cfg.Model.NewRunner(p.cfg.Threads)
	defer runner.Close()
	pre := NewPreprocessor(p.cfg.Model.Config().Size)
	defer pre.Close()
	for {
		s := queue.take()
		if s == nil {
			return
		}
		t0 := time.Now()
		p.metrics.record(StageQueue, t0.Sub(s.queued))
		s.inferred, s.err = false, nil
		if s.infer {
			if s.err = pre.Tensor(s.tensor, s.mat); s.err == nil {
				t1 := time.Now()
				p.metrics.record(StagePreprocess, t1.Sub(t0))
				s.err = runner.Forward(s.logits, s.tensor)
				mobilenet.Softmax(s.probs, s.logits)
				p.metrics.record(StageInference, time.Since(t1))
				p.metrics.count(0, 0, 0, 1)
				s.inferred = s.err == nil
			}
		}
		done <- s
	}
}

// output restores frame order, then smooths, draws, writes to the sinks
// and returns each slot to the pool. A sink that fails is written no more;
// an error other than ErrOutputEnded also stops intake, and the frames
// already read still go to the other sinks.
func (p *Pipeline) output(done <-chan *slot, free chan<- *slot, stop func()) error {
	cfg := p.cfg
	labels := cfg.Model.Labels()
	classes := cfg.Model.Classes()
	smoothed := make([]float32, classes)
	have := false
	var drawer *overlay.Drawer
	if cfg.Overlay {
		drawer = overlay.New(cfg.OverlayOptions)
	}
	info := overlay.Info{Model: cfg.Model.Name(), Top: make([]overlay.Label, 0, MaxTopK)}
	top := make([]mobilenet.Prediction, 0, MaxTopK)
	var res Result
	out := Output{Result: &res, Source: p.info}
	// At most cap(free) slots are in flight, so their delivery numbers
	// fit a ring of that size.
	pending := make([]*slot, cap(free))
	next := int64(0)
	var err error
	var emitted int64
	sinks := append([]Sink(nil), cfg.Sinks...) // those still written
	lastStats := time.Now()
	emit := func(s *slot) {
		if s.err != nil && err == nil {
			err = fmt.Errorf("frame %d: %w", s.seq, s.err)
			stop()
		}
		if s.inferred {
			if !have || cfg.Smooth == 0 {
				copy(smoothed, s.probs)
				have = true
			} else {
				smooth(smoothed, s.probs, float32(cfg.Smooth))
			}
		}
		res.Frame, res.PTS, res.Inferred, res.n = s.seq, s.pts, s.inferred, 0
		fw, fh := s.fw, s.fh
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
		res.Width, res.Height = fw, fh
		if have {
			top = mobilenet.TopK(top[:0], smoothed, cfg.TopK)
			for _, t := range top {
				res.top[res.n] = Prediction{Class: t.Class, WNID: labels.WNID(t.Class), Label: labels.Name(t.Class), Score: t.Score}
				res.n++
			}
		}
		snap := p.metrics
		snap.mu.Lock()
		res.Dropped = snap.dropped
		fps := 0.0
		if sec := time.Since(snap.start).Seconds(); sec > 0 {
			fps = float64(snap.out) / sec
		}
		snap.mu.Unlock()
		res.Latency = time.Since(s.captured)
		if drawer != nil {
			info.Top = info.Top[:0]
			for _, t := range res.Top() {
				info.Top = append(info.Top, overlay.Label{Name: t.Label, Score: t.Score})
			}
			info.FPS, info.Dropped = fps, res.Dropped
			info.SourceWidth, info.SourceHeight = res.Width, res.Height
			info.Latency = float64(res.Latency.Nanoseconds()) / 1e6
			drawer.Draw(&s.mat, &info)
			res.Latency = time.Since(s.captured)
		}
		p.metrics.record(StageEndToEnd, res.Latency)
		t0 := time.Now()
		out.Image = s.mat
		for i := 0; i < len(sinks); i++ {
			werr := sinks[i].Write(&out)
			if werr == nil {
				continue
			}
			// The sink is done; the others still get this frame and
			// the frames already read.
			sinks = append(sinks[:i], sinks[i+1:]...)
			i--
			if errors.Is(werr, ErrOutputEnded) {
				if cfg.Logf != nil {
					cfg.Logf("warning: %v; the run goes on without it", werr)
				}
				continue
			}
			if err == nil {
				err = werr
			}
			stop()
		}
		if cfg.OnResult != nil {
			cfg.OnResult(&res)
		}
		select {
		case p.results <- res:
		default:
		}
		p.metrics.record(StageOutput, time.Since(t0))
		p.metrics.count(0, 1, 0, 0)
		emitted++
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
	return err
}

// smooth updates the exponential moving average avg with the newest
// probabilities p, weighted a: avg = a*p + (1-a)*avg.
func smooth(avg, p []float32, a float32) {
	for i, v := range p {
		avg[i] = a*v + (1-a)*avg[i]
	}
}
