package clips

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/livecam/livecam/events"
	"github.com/livecam/livecam/internal/topicname"
	"github.com/livecam/livecam/net/mobilenet"
	"github.com/livecam/livecam/pipeline"
	"github.com/livecam/livecam/sink/segment"
	"github.com/livecam/livecam/track"
)

// DefaultFlushDelay is Options.FlushDelay's default: a segment's
// fragment (2 s of video) and a second for the encoder and the pipe.
const DefaultFlushDelay = 3 * time.Second

// DefaultTimeout is Options.Timeout's default.
const DefaultTimeout = 2 * time.Minute

// Options configure a Clipper.
type Options struct {
	// Recorder records the camera; the Clipper passes it the frames and
	// closes it.
	Recorder *segment.Recorder
	// Root is the folder the clips' names in the events are relative to
	// (the run's out-dir, the Recorder's Dir's parent).
	Root string
	// Around is how much the clip holds before the stay's start and
	// after its end; it must be positive.
	Around time.Duration
	// FlushDelay is how far the recording must have gone past a clip's
	// end (on the source's clock) before it is cut; 0 is
	// DefaultFlushDelay.
	FlushDelay time.Duration
	// FFmpeg is the ffmpeg program; "" is "ffmpeg" from $PATH. The
	// ffprobe beside it (or from $PATH) reads the key frames.
	FFmpeg string
	// Timeout bounds the cutting of one clip; 0 is DefaultTimeout.
	Timeout time.Duration
	// Now is the clock that dates a frame given no capture time; nil is
	// time.Now.
	Now func() time.Time
	// Logf takes the warnings of clips that could not be cut; nil:
	// none.
	Logf func(format string, args ...any)
	// Done, when not nil, is called by the cutter after each clip with
	// its name (as the event gives it) and nil, or why it was not cut.
	Done func(clip string, err error)
}

// Clipper is a pipeline.Sink that records a camera's frames through its
// Recorder and cuts a clip of each event from the recording (see the
// package documentation). Write and Close are called from one goroutine;
// Event and ObjectEvent may be called from any.
type Clipper struct {
	opts Options
	rec  *segment.Recorder
	dir  string // the clips' folder: Recorder.Dir()/clips

	mu       sync.Mutex
	segs     []*seg // this run's segments, oldest first
	cur      *seg   // the one frames go to
	lastPTS  time.Duration
	lastTime time.Time
	seen     bool
	jobs     []job
	nextDue  time.Duration // the earliest due of jobs
	names    map[string]bool
	closing  bool // Close was called: every job is due
	exited   bool // the cutter has returned: no job is taken any more

	wake chan struct{}
	done chan struct{}
}

var _ pipeline.Sink = (*Clipper)(nil)

// anchor ties a frame's PTS to its time in its segment's file: the
// first frame of a segment, and the first after each jump the encoder
// made.
type anchor struct{ pts, file time.Duration }

// seg is one segment of the run, as the Clipper saw its frames go in.
type seg struct {
	dir, stem   string
	fps         float64
	first, last time.Duration // PTS of its first and last frames
	frames      int           // frames in the file (the encoder's count)
	anchors     []anchor
}

// maxDrift is how far a frame's place in its file may be from what its
// PTS says (repeated frames, frames left out: a frame's worth) before it
// is taken for a jump over a gap.
const maxDrift = 500 * time.Millisecond

// job is a clip to cut, and its snapshot to take.
type job struct {
	rel, path string        // its name for messages, its file
	snapRel   string        // its snapshot's name for messages
	snap      string        // its snapshot's file
	what      string        // the event, for messages
	from, to  time.Duration // on the source's clock
	peak      time.Duration // the snapshot's frame, on the source's clock
	due       time.Duration // cut once a frame this late was recorded
}

// New returns a Clipper recording through opts.Recorder, and starts its
// cutter.
func New(opts Options) (*Clipper, error) {
	switch {
	case opts.Recorder == nil:
		return nil, errors.New("clips: no recording to cut clips from")
	case opts.Around <= 0:
		return nil, fmt.Errorf("clips: %v before and after each event: must be positive", opts.Around)
	}
	if opts.FlushDelay == 0 {
		opts.FlushDelay = DefaultFlushDelay
	}
	if opts.FFmpeg == "" {
		opts.FFmpeg = "ffmpeg"
	}
	if opts.Timeout == 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logf == nil {
		opts.Logf = func(string, ...any) {}
	}
	c := &Clipper{opts: opts, rec: opts.Recorder, dir: filepath.Join(opts.Recorder.Dir(), segment.ClipsDir),
		names: map[string]bool{}, wake: make(chan struct{}, 1), done: make(chan struct{})}
	go c.run()
	return c, nil
}

// Write records one frame and notes where it went.
func (c *Clipper) Write(o *pipeline.Output) error {
	err := c.rec.Write(o)
	dir, stem, frames := c.rec.Writing()
	pts := o.Result.PTS
	c.mu.Lock()
	c.lastPTS, c.lastTime, c.seen = pts, o.Result.Time, true
	if c.lastTime.IsZero() {
		c.lastTime = c.opts.Now()
	}
	if stem != "" && frames > 0 {
		s := c.cur
		if s == nil || s.stem != stem || s.dir != dir {
			s = &seg{dir: dir, stem: stem, fps: o.Source.FPS, first: pts}
			if s.fps <= 0 {
				s.fps = 30 // the video sink's default
			}
			c.segs = append(c.segs, s)
			c.cur = s
			c.forget(pts)
		}
		at := s.slot(frames)
		if n := len(s.anchors); n == 0 || (s.anchors[n-1].file+pts-s.anchors[n-1].pts-at).Abs() > maxDrift {
			s.anchors = append(s.anchors, anchor{pts: pts, file: at})
		}
		s.last, s.frames = pts, frames
	}
	due := len(c.jobs) > 0 && pts >= c.nextDue
	c.mu.Unlock()
	if due {
		c.poke()
	}
	return err
}

// MaxSpan bounds what the Clipper remembers of the recording: a clip
// holds at most the last MaxSpan of it.
const MaxSpan = 24 * time.Hour

// forget drops the segments that ended more than MaxSpan before pts.
func (c *Clipper) forget(pts time.Duration) {
	n := 0
	for n < len(c.segs) && c.segs[n].last < pts-MaxSpan {
		n++
	}
	if n > 0 {
		c.segs = slices.Delete(c.segs, 0, n)
	}
}

// slot is the time in the file of frame number frames (from 1).
func (s *seg) slot(frames int) time.Duration {
	return time.Duration(float64(frames-1) / s.fps * float64(time.Second))
}

// Close finishes the recording, cuts the clips still due, and closes
// the Recorder once they are cut, so that its retention counts them.
func (c *Clipper) Close() error {
	err := c.rec.Finish()
	c.mu.Lock()
	c.closing = true
	c.mu.Unlock()
	c.poke()
	<-c.done
	return errors.Join(err, c.rec.Close())
}

func (c *Clipper) poke() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// Event names the clip of a label's stay and its snapshot (the frame at
// PeakTime) in its Leave event (Clip, Snapshot) and has them made;
// other events are returned as they are.
func (c *Clipper) Event(e events.Event) events.Event {
	if e.Type == events.Leave {
		e.Clip, e.Snapshot = c.add(e.Label, 0, e.Start, e.End, e.PeakTime)
	}
	return e
}

// ObjectEvent names the clip of an object's stay in the view and its
// snapshot (the frame at PeakTime) in its Leave event (Clip, Snapshot:
// this snapshot replaces any other the event named) and has them made;
// other events (an enter, a zone's) are returned as they are.
func (c *Clipper) ObjectEvent(e track.Event) track.Event {
	if e.Type == track.Leave && e.Zone == "" {
		e.Clip, e.Snapshot = c.add(e.Label, e.ID, e.Start, e.End, e.PeakTime)
	}
	return e
}

// add names the clip of a stay from start to end, of label (and object
// id, when not 0), and its snapshot at peak, and queues them; it returns
// their names relative to Root, or "" when the Clipper has ended.
func (c *Clipper) add(label string, id int, start, end, peak time.Duration) (clip, snap string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.exited {
		return "", ""
	}
	wall := c.opts.Now()
	if c.seen {
		wall = c.lastTime.Add(start - c.lastPTS)
	}
	wall = wall.Local()
	base := wall.Format("15-04-05") + "." + fileLabel(label)
	what := label
	if id != 0 {
		base += "-" + strconv.Itoa(id)
		what += " " + strconv.Itoa(id)
	}
	path := c.free(filepath.Join(c.dir, wall.Format("2006-01-02")), base)
	j := job{rel: c.rel(path + ".mp4"), path: path + ".mp4", snapRel: c.rel(path + ".jpg"), snap: path + ".jpg",
		what: fmt.Sprintf("%s, %s to %s", what, clock(start), clock(end)),
		from: start - c.opts.Around, to: end + c.opts.Around, peak: min(max(peak, start), end)}
	j.due = j.to + c.opts.FlushDelay
	if len(c.jobs) == 0 || j.due < c.nextDue {
		c.nextDue = j.due
	}
	c.jobs = append(c.jobs, j)
	if c.seen && c.lastPTS >= j.due {
		c.poke()
	}
	return j.rel, j.snapRel
}

// fileLabel is a label as a clip's name gives it: its short name (the
// one the events' messages give, mobilenet.ShortLabel: "sports car,
// sport car" is "sports car") made safe for a file name (topicname.Safe:
// "sports_car").
func fileLabel(label string) string {
	return topicname.Safe(strings.TrimSpace(mobilenet.ShortLabel(label)))
}

// rel is path relative to Root.
func (c *Clipper) rel(path string) string {
	rel, err := filepath.Rel(c.opts.Root, path)
	if err != nil {
		return path
	}
	return rel
}

// free returns the first of dir/base, dir/base-2... that no clip of the
// run took and for which no file has the clip's name (.mp4) or its
// snapshot's (.jpg); without the extension.
func (c *Clipper) free(dir, base string) string {
	for n := 1; ; n++ {
		name := base
		if n > 1 {
			name += "-" + strconv.Itoa(n)
		}
		path := filepath.Join(dir, name)
		_, err := os.Lstat(path + ".mp4")
		_, serr := os.Lstat(path + ".jpg")
		if c.names[path] || err == nil || serr == nil {
			continue
		}
		c.names[path] = true
		return path
	}
}

// clock writes a time on the source's clock as M:SS.s.
func clock(d time.Duration) string {
	d = d.Round(100 * time.Millisecond)
	return fmt.Sprintf("%d:%04.1f", int(d/time.Minute), (d % time.Minute).Seconds())
}

// run cuts the clips as they fall due, until Close.
func (c *Clipper) run() {
	defer close(c.done)
	for range c.wake {
		for {
			j, segs, ok := c.take()
			if !ok {
				break
			}
			err := c.cut(j, segs)
			if err == nil {
				c.added(j.path)
			}
			serr := c.snapshot(j, segs)
			if serr == nil {
				c.added(j.snap)
			}
			switch {
			case err != nil && serr != nil:
				c.opts.Logf("warning: clip %s (%s) was not cut: %v (nor its snapshot %s)", j.rel, j.what, err, filepath.Base(j.snap))
			case err != nil:
				c.opts.Logf("warning: clip %s (%s) was not cut: %v", j.rel, j.what, err)
			case serr != nil:
				c.opts.Logf("warning: snapshot %s (%s, its best frame at %s) was not taken: %v", j.snapRel, j.what, clock(j.peak), serr)
			}
			err = errors.Join(err, serr)
			c.mu.Lock()
			delete(c.names, strings.TrimSuffix(j.path, ".mp4")) // the files keep the name taken now
			c.mu.Unlock()
			if c.opts.Done != nil {
				c.opts.Done(j.rel, err)
			}
		}
		c.mu.Lock()
		if c.closing && len(c.jobs) == 0 {
			c.exited = true
			c.mu.Unlock()
			return
		}
		c.mu.Unlock()
	}
}

// take removes a job that is due (every one once closing) and returns
// it with a copy of the segments it spans.
func (c *Clipper) take() (job, []seg, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, j := range c.jobs {
		if !c.closing && (!c.seen || c.lastPTS < j.due) {
			continue
		}
		c.jobs = slices.Delete(c.jobs, i, i+1)
		c.nextDue = 0
		for k, o := range c.jobs {
			if k == 0 || o.due < c.nextDue {
				c.nextDue = o.due
			}
		}
		var segs []seg
		for _, s := range c.segs {
			if s.first <= j.to && s.last >= j.from {
				cp := *s
				cp.anchors = slices.Clone(s.anchors)
				segs = append(segs, cp)
			}
		}
		return j, segs, true
	}
	return job{}, nil, false
}

// added tells the Recorder's size budget of a file written.
func (c *Clipper) added(path string) {
	if st, err := os.Stat(path); err == nil {
		c.rec.Added(st.Size())
	}
}
