// Package outputs assembles one source's outputs (the annotated video,
// the results and events files, the brokers' publishers, the snapshots,
// the story of what was seen), feeds them from a pipeline, and at the end
// of the run decides their fate: a whole run's files move into place and
// its report is written; a run that failed or was cut short keeps its
// files under their partial names (package outfile) and says so.
//
// Nothing is created before the run's first frame: Plan.Check refuses
// collisions, inputs and existing files first, and the sinks create
// their files with the first frame.
package outputs

import (
	"errors"
	"io"
	"time"

	"gocv.io/x/gocv"

	"github.com/livecam/livecam/detect"
	"github.com/livecam/livecam/events"
	"github.com/livecam/livecam/pipeline"
	"github.com/livecam/livecam/prom"
	"github.com/livecam/livecam/sink/clips"
	"github.com/livecam/livecam/sink/jsonl"
	"github.com/livecam/livecam/sink/outfile"
	"github.com/livecam/livecam/sink/snapshot"
	"github.com/livecam/livecam/sink/video"
	"github.com/livecam/livecam/timeline"
	"github.com/livecam/livecam/track"
)

// Plan names one source's output files; "" leaves one out, "-" is
// standard output.
type Plan struct {
	Video, Results, Events, Report string
	// Encoding is the video's codec and quality.
	Encoding video.Encoding
	// Overwrite allows replacing existing files (never an input).
	Overwrite bool
	// Inputs are every input of the run (sources, model files, labels):
	// never an output, Overwrite or not.
	Inputs []string
}

// targets are the plan's files, named by their flags.
func (p Plan) targets() []outfile.Target {
	var ts []outfile.Target
	for _, t := range []outfile.Target{{Path: p.Video, Flag: "-out"}, {Path: p.Results, Flag: "-results"}, {Path: p.Events, Flag: "-events"}, {Path: p.Report, Flag: "-report"}} {
		if t.Path != "" && t.Path != "-" {
			ts = append(ts, t)
		}
	}
	return ts
}

// Check refuses outputs that collide with each other, that are inputs,
// or that exist without Overwrite (outfile.Check), before anything is
// created.
func (p Plan) Check() error {
	return outfile.Check(p.Inputs, p.targets(), p.Overwrite)
}

// Publisher is a broker's publisher for this source.
type Publisher struct {
	pipeline.Publisher
	// Results: every frame's result is published too.
	Results bool
}

// Options are the parts of a source's outputs that Open does not make.
type Options struct {
	// Camera names the source in events and snapshots.
	Camera string
	// Name is the camera's name in a run of several cameras, "" for a
	// lone source: it heads the summary.
	Name string
	// Publishers take the frames and events (and per-object events, when
	// one is a pipeline.ObjectPublisher).
	Publishers []Publisher
	// Detector: per-object events (track) instead of label events, and
	// a story of objects.
	Detector bool
	// Snapshots, or nil, writes each tracked object's best frame.
	Snapshots *snapshot.Writer
	// SnapshotDir is the folder Snapshots writes into: an object's leave
	// event names its snapshot there (Snapshot), relative to Root.
	SnapshotDir string
	// Root is the folder the events' clips and snapshots are named
	// relative to (the run's out-dir); "" names them as they are.
	Root string
	// Story builds the story of what was seen, and the report's segments
	// (MinDuration merges, MinScore is the threshold).
	Story timeline.Options
	// Summary takes the end summary of what was seen; nil: none.
	Summary io.Writer
	// Logf takes warnings and what became of the outputs (nil: none).
	Logf func(format string, args ...any)
	// Hint, when not nil, rewrites the errors of outputs that could not
	// be created (an existing file: the flag that allows replacing it).
	Hint func(error) error
}

// Set is one source's outputs, open.
type Set struct {
	plan     Plan
	opts     Options
	group    *outfile.Group
	vid      *video.Sink
	sinks    []pipeline.Sink
	send     []func(events.Event) // the label events' takers
	clips    Clips
	objects  *objectEvents
	story    *timeline.Builder
	objStory *timeline.Objects
	objFrame []timeline.Object // objStory's input, reused
	last     time.Duration     // the PTS of the last frame delivered
	first    time.Duration     // the PTS of the first frame delivered
	frames   int64             // the frames delivered
}

// Open makes the sinks of plan p: files appear with the first frame,
// under partial names until Finish. Call Plan.Check first.
func Open(p Plan, o Options) (*Set, error) {
	if o.Logf == nil {
		o.Logf = func(string, ...any) {}
	}
	if o.Hint == nil {
		o.Hint = func(err error) error { return err }
	}
	s := &Set{plan: p, opts: o, group: &outfile.Group{}}
	if err := s.openFiles(); err != nil {
		s.Close()
		return nil, o.Hint(err)
	}
	s.story = timeline.New(o.Story)
	if o.Detector {
		s.objStory = timeline.NewObjects(timeline.Options{MinDuration: o.Story.MinDuration})
	}
	s.sinks = append(s.sinks, storySink{s})
	return s, nil
}

// publisherSink feeds a publisher the frames and a live source's signal
// (pipeline.SignalSink: a camera offline, its label cleared); the
// publisher's connection is closed by its owner, not by the pipeline.
type publisherSink struct{ pub pipeline.Publisher }

func (p publisherSink) Write(o *pipeline.Output) error { return p.pub.Write(o) }
func (p publisherSink) Close() error                   { return nil }
func (p publisherSink) TakesI420() bool                { return pipeline.TakesI420(p.pub) }
func (p publisherSink) Signal(sig pipeline.Signal) {
	if ss, ok := p.pub.(pipeline.SignalSink); ok {
		ss.Signal(sig)
	}
}

// publisherResults sends a publisher every frame's result.
type publisherResults struct{ pub pipeline.Publisher }

func (p publisherResults) Write(o *pipeline.Output) error { return p.pub.Result(o) }
func (p publisherResults) Close() error                   { return nil }
func (p publisherResults) TakesI420() bool                { return pipeline.TakesI420(p.pub) }

// storySink tells the story of the run each frame, and a live source's
// lost signal (a "no signal" segment, not the last label stretched
// across the outage).
type storySink struct{ s *Set }

func (t storySink) Write(o *pipeline.Output) error { return t.s.tell(o) }
func (t storySink) Close() error                   { return nil }
func (t storySink) TakesI420() bool                { return true }
func (t storySink) Signal(sig pipeline.Signal) {
	if sig.Lost {
		t.s.story.Lost()
	}
}

// openFiles makes the video, results and events sinks and the
// publishers' sinks, in that order.
func (s *Set) openFiles() error {
	p, o := s.plan, s.opts
	fileOpts := outfile.Options{Overwrite: p.Overwrite, Group: s.group}
	var err error
	if p.Video != "" {
		if s.vid, err = video.CreateWith(p.Video, p.Encoding, fileOpts); err != nil {
			return err
		}
		s.sinks = append(s.sinks, s.vid)
	}
	if p.Results != "" {
		w, err := jsonl.Create(p.Results, fileOpts)
		if err != nil {
			return err
		}
		s.sinks = append(s.sinks, jsonl.NewResults(w))
	}
	var send []func(events.Event)
	for _, pub := range o.Publishers {
		s.sinks = append(s.sinks, publisherSink{pub.Publisher})
		send = append(send, pub.Event)
		if pub.Results {
			s.sinks = append(s.sinks, publisherResults{pub.Publisher})
		}
	}
	if o.Detector {
		return s.openObjectEvents(fileOpts) // a detector's events are per object
	}
	if p.Events != "" {
		w, err := jsonl.Create(p.Events, fileOpts)
		if err != nil {
			return err
		}
		ev := &labelEvents{w: w, logf: o.Logf}
		send = append(send, ev.event)
		s.sinks = append(s.sinks, ev) // closed after the run's last event
	}
	s.send = send
	return nil
}

// event sends a label event to its takers, its clip named first.
func (s *Set) event(e events.Event) {
	if s.clips != nil {
		e = s.clips.Event(e)
	}
	for _, f := range s.send {
		f(e)
	}
}

// openObjectEvents makes the per-object events' fan-out and its file.
func (s *Set) openObjectEvents(fileOpts outfile.Options) error {
	e := &objectEvents{camera: s.opts.Camera, logf: s.opts.Logf, snaps: s.opts.Snapshots, snapDir: s.opts.SnapshotDir, root: s.opts.Root}
	for _, p := range s.opts.Publishers {
		if op, ok := p.Publisher.(pipeline.ObjectPublisher); ok {
			e.pubs = append(e.pubs, op)
		}
	}
	s.objects = e
	if s.plan.Events != "" {
		var err error
		if e.w, err = jsonl.Create(s.plan.Events, fileOpts); err != nil {
			return err
		}
	}
	s.sinks = append(s.sinks, e) // closed after the run's last event
	return nil
}

// tell adds a frame to the story of the run.
func (s *Set) tell(o *pipeline.Output) error {
	if s.frames == 0 {
		s.first = o.Result.PTS
	}
	s.frames++
	s.last = o.Result.PTS
	if o.Result.Detection() {
		// A detector's story: what was in view, label by label.
		s.objFrame = s.objFrame[:0]
		for _, ob := range o.Result.Objects() {
			s.objFrame = append(s.objFrame, timeline.Object{ID: ob.ID, Class: ob.Class, Label: ob.Label, Score: ob.Score})
		}
		s.objStory.Add(o.Result.PTS, s.objFrame)
		return nil
	}
	if top := o.Result.Top(); len(top) > 0 {
		s.story.Add(o.Result.PTS, top[0].Class, top[0].Label, top[0].Score)
	} else {
		s.story.Add(o.Result.PTS, timeline.Unsure, "", 0)
	}
	return nil
}

// Sinks are the set's sinks, for pipeline.Config.Sinks, in order: the
// video, the results, the publishers, the events, the story.
func (s *Set) Sinks() []pipeline.Sink { return s.sinks }

// OnEvent is the label events' fan-out (the clips, the events file,
// the publishers), for pipeline.Config.OnEvent; nil when nobody takes
// them.
func (s *Set) OnEvent() func(events.Event) {
	if len(s.send) == 0 && s.clips == nil {
		return nil
	}
	return s.event
}

// Clips names the clip and snapshot of each stay in its leave event and
// has them made: a live camera's *clips.Clipper, a file run's
// *clips.File.
type Clips interface {
	Event(events.Event) events.Event
	ObjectEvent(track.Event) track.Event
}

var (
	_ Clips = (*clips.Clipper)(nil)
	_ Clips = (*clips.File)(nil)
)

// SetClips has c cut a clip of each stay, and take a snapshot of its
// best frame, and name them in the leave events (package clips). Call
// it before OnEvent and the run. A *clips.File's clips are cut by
// Finish once the video is in place (or dropped, with a warning, when
// the run is not whole).
func (s *Set) SetClips(c Clips) {
	s.clips = c
	if s.objects != nil {
		s.objects.clips = c
	}
}

// OnObjectEvent is the per-object events' fan-out (the events file, the
// publishers, the snapshots, the metrics), for
// pipeline.Config.OnObjectEvent; nil without Options.Detector.
func (s *Set) OnObjectEvent() func(track.Event) {
	if s.objects == nil {
		return nil
	}
	return s.objects.event
}

// OnBestFrame feeds the snapshots, for pipeline.Config.OnBestFrame; nil
// without Options.Snapshots.
func (s *Set) OnBestFrame() func(detect.Object, gocv.Mat) {
	if s.opts.Snapshots == nil {
		return nil
	}
	return s.opts.Snapshots.BestFrame
}

// SetMetrics counts the per-object events in Prometheus too.
func (s *Set) SetMetrics(m *prom.ObjectMetrics) {
	if s.objects != nil {
		s.objects.metrics = m
	}
}

// Story is the story of a classifier's run: the best label of each frame.
func (s *Set) Story() *timeline.Builder { return s.story }

// Objects is the story of a detector's run, or nil.
func (s *Set) Objects() *timeline.Objects { return s.objStory }

// Last is the time, on the source's clock, of the last frame delivered.
func (s *Set) Last() time.Duration { return s.last }

// Frames is the number of frames delivered (the results file's lines).
func (s *Set) Frames() int64 { return s.frames }

// Duration is the time of the source the frames delivered cover: from
// the first frame to one frame interval (their mean) after the last.
func (s *Set) Duration() time.Duration {
	if s.frames < 2 {
		return 0
	}
	span := s.last - s.first
	return s.last + span/time.Duration(s.frames-1)
}

// Seen is the label in view the longest: a classifier's best label by
// time (stretches of low scores left out), a detector's label by time in
// view; "" when nothing was seen.
func (s *Set) Seen() string {
	if b := s.objStory; b != nil {
		if rows := timeline.ByLabel(b.Spans()); len(rows) > 0 {
			return rows[0].Label
		}
		return ""
	}
	byLabel := map[string]time.Duration{}
	best, most := "", time.Duration(0)
	for _, seg := range s.story.Segments() {
		if seg.Class == timeline.Unsure || seg.Label == "" {
			continue
		}
		byLabel[seg.Label] += seg.Duration()
		if d := byLabel[seg.Label]; d > most || d == most && seg.Label < best {
			best, most = seg.Label, d
		}
	}
	return best
}

// Close closes the outputs of a pipeline that never ran.
func (s *Set) Close() error {
	var errs []error
	for _, k := range s.sinks {
		errs = append(errs, k.Close())
	}
	return errors.Join(errs...)
}
