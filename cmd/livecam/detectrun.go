package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"gocv.io/x/gocv"

	"github.com/livecam/livecam/classify"
	"github.com/livecam/livecam/detect"
	"github.com/livecam/livecam/events"
	"github.com/livecam/livecam/internal/escape"
	"github.com/livecam/livecam/internal/topicname"
	"github.com/livecam/livecam/pipeline"
	"github.com/livecam/livecam/prom"
	"github.com/livecam/livecam/sink/jsonl"
	"github.com/livecam/livecam/timeline"
	"github.com/livecam/livecam/track"
	"github.com/livecam/livecam/wire"
)

// The main job's detector flags (the detector's model comes from -model).
type detectFlags struct {
	zones     []string
	minArea   int
	snapshots string
	noTrack   bool
	maxLost   int
	minHits   int
}

// define declares the detector's flags in fs.
func (d *detectFlags) define(fs *flagSet) {
	fs.multi("zone", "with a detector, a named zone `NAME=x1,y1,x2,y2,x3,y3,...` in pixels, or fractions of the frame when every value is within 0-1; an object is in it when its box's bottom centre is (repeatable)", func(v string) error {
		if _, err := track.ParseZone(v); err != nil {
			return errors.New(strings.TrimPrefix(err.Error(), "track: "))
		}
		d.zones = append(d.zones, v)
		return nil
	})
	fs.IntVar(&d.minArea, "min-area", 0, "with a detector, leave out objects whose box is smaller than N pixels²")
	fs.StringVar(&d.snapshots, "snapshots", "", "with a detector, write a JPEG of each tracked object's best frame into `DIR` (CAMERA-RUN-ID-LABEL.jpg, RUN the run's start) when it leaves")
	fs.BoolVar(&d.noTrack, "no-track", false, "with a detector, do not track objects: no ids, no enter and leave events")
	fs.IntVar(&d.maxLost, "track-max-lost", 15, "with a detector, inferred frames a track may go unseen before its object leaves")
	fs.IntVar(&d.minHits, "track-min-hits", 3, "with a detector, inferred frames an object must be seen before it enters and gets an id")
}

// detectFlagNames are the detector's flags, for -h's groups.
var detectFlagNames = []string{"zone", "min-area", "snapshots", "no-track", "track-max-lost", "track-min-hits"}

// validate checks the detector's flags.
func (d *detectFlags) validate() error {
	err := firstError(intIn("min-area", d.minArea, 0, 1<<30), intIn("track-max-lost", d.maxLost, 1, 100_000),
		intIn("track-min-hits", d.minHits, 1, 1000))
	if err == nil && d.noTrack && (d.snapshots != "" || len(d.zones) > 0) {
		err = errors.New("-no-track: -snapshots and -zone need tracking (each object's best frame, each object's zones)")
	}
	return err
}

// onlyWithDetector refuses the detector's flags in a classifier's run.
func onlyWithDetector(fs *flagSet) error {
	for _, name := range detectFlagNames {
		if isSet(fs, name) {
			return fmt.Errorf("%w: -%s is for a detection model (-model %s); this run classifies", errUsage, name, defaultDetector)
		}
	}
	return nil
}

// objectFilter is a run's (or a camera's) detect.Filter: -min-score,
// -min-area, -allow and -deny by label name.
func objectFilter(f *runFlags) detect.Filter {
	return detect.Filter{MinScore: float32(f.minScore), MinArea: f.det.minArea, Allow: f.allow, Deny: f.deny}
}

// trackConfig is a run's tracking: nil with -no-track.
func trackConfig(f *runFlags) (*track.Config, error) {
	if f.det.noTrack {
		return nil, nil
	}
	cfg := &track.Config{MaxLost: f.det.maxLost, MinHits: f.det.minHits}
	for _, spec := range f.det.zones {
		z, err := track.ParseZone(spec)
		if err != nil {
			return nil, err
		}
		cfg.Zones = append(cfg.Zones, z)
	}
	return cfg, nil
}

// objectEvents fans a run's per-object events out to its outputs: the
// events file, brokers.
type objectEvents struct {
	camera  string
	w       *jsonl.Writer
	line    []byte
	logf    func(format string, args ...any)
	ended   bool
	pubs    []pipeline.ObjectPublisher
	snaps   *snapshots
	metrics *prom.ObjectMetrics // Prometheus's objects per label, or nil
}

func (e *objectEvents) event(ev track.Event) {
	if e.snaps != nil && ev.Type == track.Leave && ev.Zone == "" {
		e.snaps.write(ev)
	}
	for _, p := range e.pubs {
		p.ObjectEvent(ev)
	}
	if e.metrics != nil {
		e.metrics.Event(ev)
	}
	if e.w == nil || e.ended {
		return
	}
	e.line = append(wire.AppendObjectEvent(e.line[:0], e.camera, ev), '\n')
	if err := e.w.WriteLine(e.line); err != nil {
		e.ended = true
		e.logf("warning: %v; the run goes on without it", err)
	}
}

func (e *objectEvents) Write(*pipeline.Output) error { return nil }
func (e *objectEvents) Close() error {
	if e.w == nil {
		return nil
	}
	return e.w.Close()
}

// snapshots keeps the JPEG of each live track's best frame and writes it
// into a folder when the object leaves: CAMERA-RUN-ID-LABEL.jpg, RUN the
// run's start (20261201T220501.123), a new file (an existing one is never
// replaced).
type snapshots struct {
	dir, camera string
	run         string // the run's start, in the names: a rerun's ids start at 1 again
	logf        func(format string, args ...any)
	mu          sync.Mutex
	best        map[int][]byte // by track id
}

// frame encodes the best frame of object o so far.
func (s *snapshots) frame(o detect.Object, frame gocv.Mat) {
	buf, err := gocv.IMEncode(gocv.JPEGFileExt, frame)
	if err != nil {
		s.logf("warning: snapshot of object %d: %v", o.ID, err)
		return
	}
	defer buf.Close()
	s.mu.Lock()
	s.best[o.ID] = append(s.best[o.ID][:0], buf.GetBytes()...)
	s.mu.Unlock()
}

// write writes the snapshot of a track that left.
func (s *snapshots) write(ev track.Event) {
	s.mu.Lock()
	jpg := s.best[ev.ID]
	delete(s.best, ev.ID)
	s.mu.Unlock()
	if jpg == nil {
		return
	}
	label := topicname.Safe(ev.Label)
	if len(label) > 64 {
		label = label[:64]
	}
	name := fmt.Sprintf("%s-%s-%d-%s.jpg", s.camera, s.run, ev.ID, label)
	path := filepath.Join(s.dir, name)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err == nil {
		_, err = f.Write(jpg)
		err = errors.Join(err, f.Close())
	}
	if err != nil {
		s.logf("warning: snapshot: %v", err)
	}
}

// detectorConfig turns cfg, made for a classifier, into a detector run's
// with f's settings (a camera's own): its filter, tracking and zones, and
// the per-object events to ev.
func (r *runner) detectorConfig(cfg *pipeline.Config, f *runFlags, ev *objectEvents) error {
	cfg.ModelName = r.modelName
	cfg.Classes, cfg.OnEvent, cfg.Events = classify.Options{}, nil, events.Options{}
	cfg.Filter = objectFilter(f)
	if err := r.det.CheckFilter(cfg.Filter); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	tc, err := trackConfig(f)
	if err != nil || tc == nil {
		return err
	}
	cfg.Track = tc
	cfg.OnObjectEvent = ev.event
	if ev.snaps != nil {
		cfg.OnBestFrame = ev.snaps.frame
	}
	return nil
}

// objStoryFrame converts a frame's objects for the story; the slice is
// reused.
func (c *camRun) objStoryFrame(objs []detect.Object) []timeline.Object {
	c.objFrame = c.objFrame[:0]
	for _, o := range objs {
		c.objFrame = append(c.objFrame, timeline.Object{ID: o.ID, Class: o.Class, Label: o.Label, Score: o.Score})
	}
	return c.objFrame
}

// writeObjectStory prints what a detector saw: per label, its tracks (or,
// untracked, its stretches) and how long it was in view.
func writeObjectStory(w io.Writer, camera string, b *timeline.Objects) {
	if camera != "" {
		camera = escape.Control(camera) + ": "
	}
	segs := b.Spans()
	if b.Tracked() {
		segs = b.Tracks()
	}
	rows := timeline.ByLabel(segs)
	fmt.Fprintf(w, "livecam: %swhat was seen (%d labels):\n", camera, len(rows))
	if len(rows) > maxStoryLines {
		rows = rows[:maxStoryLines]
	}
	timeline.WriteRows(w, rows, b.Tracked())
}
