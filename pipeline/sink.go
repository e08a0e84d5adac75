package pipeline

import (
	"errors"
	"time"

	"gocv.io/x/gocv"

	"github.com/livecam/livecam/classify"
	"github.com/livecam/livecam/detect"
	"github.com/livecam/livecam/events"
	"github.com/livecam/livecam/net/mobilenet"
	"github.com/livecam/livecam/track"
)

// MaxObjects is the most objects a Result holds: a detector that reports
// more in one frame (the COCO detector reports at most 10) has its best
// MaxObjects kept.
const MaxObjects = 100

// Result is what the model made of one frame: a classifier's reported
// classes (Top) or a detector's objects (Objects).
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
	top           [inlineTop]classify.Prediction
	more          []classify.Prediction // more than inlineTop classes
	n             int
	objs          [MaxObjects]detect.Object
	nobj          int
	detection     bool
}

// inlineTop is the number of classes a Result holds in itself; more (a
// run's Config.Classes may ask for any number) are held in a slice.
const inlineTop = 10

// Top returns the reported classes, best first. The slice points into r
// (or, beyond 10 classes, into a buffer r shares with the Output it came
// from). It is empty for a detector's result.
func (r *Result) Top() []classify.Prediction {
	if r.n > inlineTop {
		return r.more[:r.n]
	}
	return r.top[:r.n]
}

// SetTop sets the reported classes, for code that builds Results itself:
// tests of a Sink, a Stage. r keeps a copy of them (beyond 10 classes, a
// new one).
func (r *Result) SetTop(top []classify.Prediction) {
	r.n = len(top)
	if r.n <= inlineTop {
		copy(r.top[:], top)
		return
	}
	r.more = append([]classify.Prediction(nil), top...)
}

// setTop sets the reported classes without copying more than inlineTop
// of them: r shares top, valid as long as the caller keeps it.
func (r *Result) setTop(top []classify.Prediction) {
	r.n = len(top)
	if r.n <= inlineTop {
		copy(r.top[:], top)
		return
	}
	r.more = top
}

// own gives a copy of a Result its own classes (beyond inlineTop they
// are shared until then).
func (r *Result) own() {
	if r.n > inlineTop {
		r.more = append([]classify.Prediction(nil), r.more[:r.n]...)
	}
}

// Objects returns a detector's objects for the frame, in the model's order
// (best first): boxes in the pixels of the frame (Output.Image or
// Output.I420's luma), and track
// ids when the run tracks objects (Config.Track; 0 otherwise). The slice
// points into r. A frame a Gate passed over carries the objects of the
// last frame that was inferred.
func (r *Result) Objects() []detect.Object { return r.objs[:r.nobj] }

// SetObjects sets the frame's objects (at most MaxObjects are kept) and
// marks r as a detector's result (see Detection), for code that builds
// Results itself. The pipeline calls it on every frame of a detector run,
// with no objects too.
func (r *Result) SetObjects(objs []detect.Object) {
	r.nobj = copy(r.objs[:], objs)
	r.detection = true
}

// Detection reports whether r is a detector's result (its objects are
// what it says, even when there are none) rather than a classifier's.
func (r *Result) Detection() bool { return r.detection }

// Output is what stages and sinks receive for each frame, in frame order.
// Everything in it is valid only during the call; a stage may change it
// for the stages and sinks after it (draw on the frame, replace Probs and
// call Rank, set other objects in Result).
type Output struct {
	// Image is the frame, 8-bit BGR; an empty Mat when the frame comes
	// as I420 planes instead.
	Image gocv.Mat
	// I420 is the frame as YUV 4:2:0 planes (see I420Source) when the
	// run passes planes, which it does only when every stage and sink
	// takes them (I420Sink); an empty Mat otherwise. Exactly one of
	// Image and I420 holds the frame; draw on it in place, and leave
	// the other alone (a Mat written into it is dropped, not passed on).
	I420 gocv.Mat
	// Result is what the model made of it: a classifier's classes
	// (Result.Top) or a detector's objects (Result.Objects).
	Result *Result
	// Probs are the probabilities Result.Top was ranked from: the last
	// forward pass's, or what a stage made of them. Nil for a detector.
	Probs []float32
	// Labels name the classifier's classes; nil for a detector (its
	// objects carry their labels).
	Labels *mobilenet.Labels
	// Zones are the tracker's zones (Config.Track.Zones) in the pixels
	// of the frame, fractions of the frame resolved; nil when the run does
	// not track objects. They are the pipeline's: do not change them.
	Zones []track.Zone
	// Source describes the source.
	Source SourceInfo
	// Model is the model's name.
	Model string
	// FPS is the rate of frames out of the pipeline so far.
	FPS float64

	filter *classify.Filter
	ranked []classify.Prediction
}

// HasI420 reports whether the frame comes as I420 planes (Output.I420)
// rather than BGR (Output.Image).
func (o *Output) HasI420() bool { return o.I420.Ptr() != nil && !o.I420.Empty() }

// Rank sets Result.Top again from Probs, with the run's Config.Classes
// options: a stage that changes Probs calls it. On an Output the
// pipeline did not make (a test's), it ranks the best 10 classes, named
// by Labels.
func (o *Output) Rank() {
	if o.filter == nil {
		labels := o.Labels
		if labels.Len() != len(o.Probs) {
			labels = &mobilenet.Labels{Names: make([]string, len(o.Probs))}
			for i := range labels.Names {
				labels.Names[i] = o.Labels.Name(i)
			}
		}
		var err error
		if o.filter, err = classify.NewFilter(classify.Options{MaxResults: inlineTop}, labels); err != nil {
			o.Result.n = 0
			return
		}
	}
	o.ranked = o.filter.Select(o.ranked[:0], o.Probs)
	o.Result.setTop(o.ranked)
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

// I420Sink is implemented by sinks, and by the Sinks that stages return,
// that take a frame as I420 planes (Output.I420) as well as BGR
// (Output.Image). A sink that passes frames on to others (a stage's)
// answers for them too: TakesI420 is true only if they all take planes.
// The pipeline passes planes only when its whole chain says so; a sink
// that does not implement the interface always gets BGR.
type I420Sink interface {
	TakesI420() bool
}

// TakesI420 reports whether s takes I420 planes (see I420Sink); nil
// takes anything.
func TakesI420(s Sink) bool {
	if s == nil {
		return true
	}
	t, ok := s.(I420Sink)
	return ok && t.TakesI420()
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

// ObjectPublisher is what a Publisher implements when it also sends a
// detector's per-object events (package track: an object entering or
// leaving the view or a zone); sink/mqtt and sink/natsjs do. Feed it from
// Config.OnObjectEvent. ObjectEvent is called from one goroutine, and e
// is valid only during the call (its Zones are reused).
type ObjectPublisher interface {
	ObjectEvent(e track.Event)
}
