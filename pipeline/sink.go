package pipeline

import (
	"errors"
	"time"

	"gocv.io/x/gocv"

	"github.com/livecam/livecam/classify"
	"github.com/livecam/livecam/events"
	"github.com/livecam/livecam/net/mobilenet"
)

// Result is the classification of one frame.
type Result struct {
	Frame int64         // index of the frame in the source, from 0
	PTS   time.Duration // presentation time, on the source's clock
	Time  time.Time     // wall-clock time of capture
	// Inferred is false for a result carried over from an earlier frame
	// (a Gate passed the frame over).
	Inferred bool
	Latency  time.Duration // from capture to the sinks
	Dropped  int64         // frames dropped so far
	// Width and Height are the frame's own size when it differs from
	// the source's (see Frame); 0 otherwise.
	Width, Height int
	top           [classify.MaxResults]classify.Prediction
	n             int
}

// Top returns the reported classes, best first. The slice points into r.
func (r *Result) Top() []classify.Prediction { return r.top[:r.n] }

// SetTop sets the reported classes (at most classify.MaxResults are
// kept), for code that builds Results itself: tests of a Sink, a Stage.
func (r *Result) SetTop(top []classify.Prediction) { r.n = copy(r.top[:], top) }

// Output is what stages and sinks receive for each frame, in frame order.
// Everything in it is valid only during the call; a stage may change it
// for the stages and sinks after it (draw on Image, replace Probs and
// call Rank).
type Output struct {
	// Image is the frame, 8-bit BGR.
	Image gocv.Mat
	// Result is its classification.
	Result *Result
	// Probs are the probabilities Result.Top was ranked from: the last
	// forward pass's, or what a stage made of them.
	Probs []float32
	// Labels name the model's classes.
	Labels *mobilenet.Labels
	// Source describes the source.
	Source SourceInfo
	// Model is the model's name.
	Model string
	// FPS is the rate of frames out of the pipeline so far.
	FPS float64

	filter *classify.Filter
	ranked []mobilenet.Prediction
}

// Rank sets Result.Top again from Probs, with the run's
// Config.Results options: a stage that changes Probs calls it. On an
// Output the pipeline did not make (a test's), it ranks the best
// classify.MaxResults classes.
func (o *Output) Rank() {
	if o.filter == nil {
		o.filter, _ = classify.NewFilter(classify.Options{MaxResults: classify.MaxResults}, len(o.Probs))
	}
	o.ranked = o.filter.Select(o.ranked[:0], o.Probs)
	o.Result.n = 0
	for _, p := range o.ranked {
		o.Result.top[o.Result.n] = classify.Prediction{Class: p.Class, WNID: o.Labels.WNID(p.Class), Label: o.Labels.Name(p.Class), Score: p.Score}
		o.Result.n++
	}
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

// SinkFunc adapts a function to a Sink with nothing to close.
type SinkFunc func(o *Output) error

// Write calls f.
func (f SinkFunc) Write(o *Output) error { return f(o) }

// Close does nothing.
func (f SinkFunc) Close() error { return nil }

// ErrOutputEnded reports an output whose reader went away (a closed pipe)
// or stopped reading. The pipeline reports it, drops that sink and goes
// on.
var ErrOutputEnded = errors.New("output ended")

// Stage transforms each Output on its way to the sinks: it returns the
// Sink that receives frames before next does, and passes them on to next
// (or not). Stages compose like http middleware; Config.Stages lists them
// in the order frames pass through them. A Stage's Close must close next.
type Stage func(next Sink) Sink

// Chain returns the Sink that passes each frame through stages, in order,
// and then to sink.
func Chain(sink Sink, stages ...Stage) Sink {
	for i := len(stages) - 1; i >= 0; i-- {
		sink = stages[i](sink)
	}
	return sink
}

// Gate decides, on the capture goroutine, whether a frame is classified;
// a frame it passes over carries the last result (Result.Inferred is
// false). Gates are the cheap way to spend less than one forward pass per
// frame; package stage has every-K and rate caps.
type Gate interface {
	Classify(frame int64, now time.Time) bool
}

// GateFunc adapts a function to a Gate.
type GateFunc func(frame int64, now time.Time) bool

// Classify calls f.
func (f GateFunc) Classify(frame int64, now time.Time) bool { return f(frame, now) }

// Publisher sends a camera's labels to other processes: Write publishes
// the best label when it changes, Event the "entered / left" events,
// Result every frame's result. sink/mqtt (an MQTT broker) and
// sink/natsjs (NATS JetStream) implement it.
type Publisher interface {
	Sink
	Event(e events.Event)
	Result(o *Output) error
}
