package pipeline

import (
	"context"
	"errors"
	"fmt"
	"image"
	"io"
	"time"

	"gocv.io/x/gocv"

	"github.com/livecam/livecam/internal/bgr"
)

// Video runs frames the caller hands it one call at a time, on the
// caller's goroutine, and returns each frame's Result: MediaPipe's
// classifyForVideo and detectForVideo, for a robot's own loop. A frame
// goes through what a Pipeline's frame goes through, in the same order
// (the model, Config.Gate, Config.Classes or Config.Filter, Config.Track,
// Config.Stages, the events to Config.OnEvent and Config.OnObjectEvent,
// Config.Sinks, Config.OnResult), so the same frames give the same
// results and events as a Pipeline in File mode; every callback is called
// during Process, on the caller's goroutine. Close ends the run: the
// classes still present and the objects still tracked leave, and the
// stages and sinks are closed.
//
// Timestamps are the caller's (Result.PTS, the events' times) and must
// increase from one frame to the next; every frame has the size of the
// first. A Video is not safe for concurrent use; once warm, Process
// allocates nothing.
type Video struct {
	p      *Pipeline
	e      engine
	s      *slot
	o      *outPath // made at the first frame, whose size it takes
	next   int64    // the next frame's index
	prev   time.Duration
	err    error // the error that ended the run
	closed bool
}

// ErrVideoClosed is returned by Process after Close.
var ErrVideoClosed = errors.New("pipeline: Video closed")

// videoFrames is the Source of a Video's Pipeline: it only names the
// frames (their size is the first frame's); nothing reads it.
type videoFrames struct{}

func (videoFrames) Info() SourceInfo              { return SourceInfo{Name: "video"} }
func (videoFrames) Read(*gocv.Mat) (Frame, error) { return Frame{}, io.EOF }
func (videoFrames) Close() error                  { return nil }

// NewVideo checks cfg as New does and returns a Video ready for its first
// frame. cfg.Source must be nil (the frames come from Process), and so
// must cfg.Pool; cfg.Mode may not be Live, nor cfg.Reconnect set;
// cfg.Workers is ignored and cfg.Threads sizes the one runner.
func NewVideo(cfg Config) (*Video, error) {
	switch {
	case cfg.Source != nil:
		return nil, errors.New("pipeline: a Video takes its frames from Process: Config.Source must be nil")
	case cfg.Pool != nil:
		return nil, errors.New("pipeline: a Video runs the model on the caller's goroutine: Config.Pool must be nil")
	case cfg.Mode == Live:
		return nil, errors.New("pipeline: a Video processes every frame it is given: Config.Mode cannot be Live")
	case cfg.Reconnect > 0:
		return nil, errors.New("pipeline: a Video has no source to reconnect: Config.Reconnect must be 0")
	}
	cfg.Source = videoFrames{}
	p, err := New(cfg)
	if err != nil {
		return nil, err
	}
	p.results = nil // no Results channel: Process returns each result
	return &Video{p: p, e: newEngine(p.cls, p.det, p.cfg.Threads), s: p.newSlot()}, nil
}

// Process runs one frame, an 8-bit BGR Mat (as OpenCV reads it) taken at
// ts on the caller's clock, and returns its Result, valid until the next
// call. frame is copied, never changed.
//
// A frame of another size than the first, or whose ts is not after the
// previous frame's (a *TimestampError), is refused with an error and
// changes nothing, as does a call with ctx already done. An error of the
// model, the tracker or a sink ends the run, as it ends a Pipeline's:
// Process returns it, and so does every later call.
func (v *Video) Process(ctx context.Context, frame gocv.Mat, ts time.Duration) (*Result, error) {
	if !frame.Empty() && frame.Type() != gocv.MatTypeCV8UC3 {
		return nil, fmt.Errorf("pipeline: %s: frame %d is of type %v, not 8-bit BGR", v.p.info.Name, v.next, frame.Type())
	}
	if err := v.ready(ctx, frame.Cols(), frame.Rows(), ts); err != nil {
		return nil, err
	}
	frame.CopyTo(&v.s.mat)
	return v.run(ts)
}

// ProcessImage is Process for a Go image: *image.YCbCr, *image.RGBA,
// *image.NRGBA and *image.Gray are converted directly, any other image
// through At.
func (v *Video) ProcessImage(ctx context.Context, img image.Image, ts time.Duration) (*Result, error) {
	if img == nil {
		return nil, fmt.Errorf("pipeline: %s: frame %d is a nil image", v.p.info.Name, v.next)
	}
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	if err := v.ready(ctx, w, h, ts); err != nil {
		return nil, err
	}
	m := &v.s.mat
	if m.Cols() != w || m.Rows() != h || m.Type() != gocv.MatTypeCV8UC3 {
		m.Close()
		*m = gocv.NewMatWithSize(h, w, gocv.MatTypeCV8UC3)
	}
	dst, err := m.DataPtrUint8()
	if err == nil {
		err = bgr.FromImage(dst, img)
	}
	if err != nil {
		return nil, fmt.Errorf("pipeline: %s: frame %d: %w", v.p.info.Name, v.next, err)
	}
	return v.run(ts)
}

// ready checks that a w×h frame taken at ts may be processed now; the
// first frame sets the size and makes the output path.
func (v *Video) ready(ctx context.Context, w, h int, ts time.Duration) error {
	info := &v.p.info
	switch {
	case v.closed:
		return ErrVideoClosed
	case v.err != nil:
		return v.err
	case ctx.Err() != nil:
		return ctx.Err()
	case w <= 0 || h <= 0 || w > MaxFrameSide || h > MaxFrameSide:
		return fmt.Errorf("pipeline: %s: frame %d is %dx%d, outside 1x1..%dx%d", info.Name, v.next, w, h, MaxFrameSide, MaxFrameSide)
	case v.o != nil && (w != info.Width || h != info.Height):
		return fmt.Errorf("pipeline: %s: frame %d is %dx%d, the video's frames are %dx%d", info.Name, v.next, w, h, info.Width, info.Height)
	case v.next > 0 && ts <= v.prev:
		return &TimestampError{Source: "pipeline: " + info.Name, PTS: ts, Previous: v.prev}
	}
	if v.o == nil {
		info.Width, info.Height = w, h
		v.o = newOutPath(v.p, nil)
	}
	return nil
}

// run processes the frame in v.s, taken at ts.
func (v *Video) run(ts time.Duration) (*Result, error) {
	s, gate := v.s, v.p.cfg.Gate
	now := time.Now()
	s.seq, s.frame, s.queued = v.next, Frame{PTS: ts, Time: now}, now
	s.infer = gate == nil || gate.Classify(s.seq, now)
	v.next, v.prev = v.next+1, ts
	v.p.metrics.in.Add(1)
	v.p.process(s, v.e)
	v.o.emit(s)
	if v.o.err != nil {
		v.err = v.o.err
		return nil, v.err
	}
	return &v.o.res, nil
}

// Metrics returns the Video's metrics: frames in and out, forward passes,
// and the time each phase takes.
func (v *Video) Metrics() *Metrics { return v.p.metrics }

// Close ends the run: the classes still present leave (Config.OnEvent),
// so do the objects still tracked (Config.OnObjectEvent), and the stages
// and sinks are closed; it returns the first error closing them. Later
// calls do nothing.
func (v *Video) Close() error {
	if v.closed {
		return nil
	}
	v.closed = true
	if v.o == nil {
		v.o = newOutPath(v.p, nil) // nothing was processed: close the sinks
	}
	err := v.o.chain.Close()
	v.o.release()
	v.e.close()
	v.s.mat.Close()
	return err
}
