package clips

import (
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/livecam/livecam/events"
	"github.com/livecam/livecam/pipeline"
	"github.com/livecam/livecam/track"
)

// FileOptions configure a File.
type FileOptions struct {
	// Video is the run's annotated video (its final name), which the
	// clips are cut from once it is finished.
	Video string
	// Root is the folder the clips' names in the events are relative to
	// (the run's out-dir).
	Root string
	// Around is how much a clip holds before the stay's start and after
	// its end; it must be positive.
	Around time.Duration
	// FFmpeg is the ffmpeg program; "" is "ffmpeg" from $PATH. The
	// ffprobe beside it (or from $PATH) reads the key frames.
	FFmpeg string
	// Timeout bounds the cutting of one clip; 0 is DefaultTimeout.
	Timeout time.Duration
	// Logf takes the warnings of clips that could not be cut; nil:
	// none.
	Logf func(format string, args ...any)
}

// File keeps a clip and a snapshot of each event of a run on a file,
// cut from the run's annotated video once it is finished (see the
// package documentation). It is a pipeline.Sink only to see the frames'
// times (the video's first frame); Write, Event and ObjectEvent may be
// called from any goroutine, Cut once the video is finished.
type File struct {
	c     *Clipper // the naming and cutting, without a recording
	video string
	dir   string // VIDEO's name without its extension, and ".clips"

	mu    sync.Mutex
	first time.Duration // the PTS of the video's first frame
	fps   float64
	seen  bool
}

var _ pipeline.Sink = (*File)(nil)

// NewFile returns a File for the clips of the annotated video
// opts.Video: VIDEO.clips/HH-MM-SS.LABEL[-ID].mp4 and .jpg beside it,
// HH-MM-SS the stay's start in the video.
func NewFile(opts FileOptions) (*File, error) {
	switch {
	case opts.Video == "":
		return nil, errors.New("clips: no video to cut clips from")
	case opts.Around <= 0:
		return nil, fmt.Errorf("clips: %v before and after each event: must be positive", opts.Around)
	}
	if opts.FFmpeg == "" {
		opts.FFmpeg = "ffmpeg"
	}
	if opts.Timeout == 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.Logf == nil {
		opts.Logf = func(string, ...any) {}
	}
	c := &Clipper{opts: Options{Root: opts.Root, Around: opts.Around, FFmpeg: opts.FFmpeg, Timeout: opts.Timeout, Logf: opts.Logf},
		names: map[string]bool{}}
	return &File{c: c, video: opts.Video, dir: strings.TrimSuffix(opts.Video, filepath.Ext(opts.Video)) + ".clips"}, nil
}

// TakesI420 is true: clips are cut from the finished video, not from
// the frames, so they may come in any format (pipeline.I420Sink).
func (f *File) TakesI420() bool { return true }

// Write notes the time of the video's first frame.
func (f *File) Write(o *pipeline.Output) error {
	f.mu.Lock()
	if !f.seen {
		f.first, f.fps, f.seen = o.Result.PTS, o.Source.FPS, true
		if f.fps <= 0 {
			f.fps = 30 // the video sink's default
		}
	}
	f.mu.Unlock()
	return nil
}

// Close does nothing: the clips are cut by Cut.
func (f *File) Close() error { return nil }

// Event names the clip of a label's stay and its snapshot in its Leave
// event (Clip, Snapshot), to be cut by Cut; other events are returned as
// they are.
func (f *File) Event(e events.Event) events.Event {
	if e.Type == events.Leave {
		e.Clip, e.Snapshot = f.add(e.Label, 0, e.Start, e.End, e.PeakTime)
	}
	return e
}

// ObjectEvent names the clip of an object's stay in the view and its
// snapshot in its Leave event (Clip, Snapshot: this snapshot replaces
// any other the event named), to be cut by Cut; other events are
// returned as they are.
func (f *File) ObjectEvent(e track.Event) track.Event {
	if e.Type == track.Leave && e.Zone == "" {
		e.Clip, e.Snapshot = f.add(e.Label, e.ID, e.Start, e.End, e.PeakTime)
	}
	return e
}

// add names and queues the clip of a stay, on the video's clock.
func (f *File) add(label string, id int, start, end, peak time.Duration) (clip, snap string) {
	f.mu.Lock()
	first := f.first
	f.mu.Unlock()
	at := max(0, start-first).Truncate(time.Second)
	base := fmt.Sprintf("%02d-%02d-%02d.%s", int(at/time.Hour), int(at/time.Minute%60), int(at/time.Second%60), fileLabel(label))
	what := label
	if id != 0 {
		base += "-" + strconv.Itoa(id)
		what += " " + strconv.Itoa(id)
	}
	c := f.c
	c.mu.Lock()
	defer c.mu.Unlock()
	path := c.free(f.dir, base)
	j := job{rel: c.rel(path + ".mp4"), path: path + ".mp4", snapRel: c.rel(path + ".jpg"), snap: path + ".jpg",
		what: fmt.Sprintf("%s, %s to %s", what, clock(start), clock(end)),
		from: start - c.opts.Around - first, to: end + c.opts.Around - first, peak: min(max(peak, start), end) - first}
	c.jobs = append(c.jobs, j)
	return j.rel, j.snapRel
}

// Cut cuts the clips and takes the snapshots named so far from the
// finished video, one after the other; a clip that cannot be cut is a
// warning through FileOptions.Logf. It returns how many were not.
func (f *File) Cut() (failed int) {
	c := f.c
	c.mu.Lock()
	jobs := c.jobs
	c.jobs = nil
	c.mu.Unlock()
	f.mu.Lock()
	fps := f.fps
	f.mu.Unlock()
	for _, j := range jobs {
		from := max(0, j.from)
		err := c.copySpan(j.path, f.video, []string{"-i", f.video}, from, j.to+time.Duration(float64(time.Second)/fps))
		serr := c.frameAt(j.snap, f.video, j.peak, fps)
		switch {
		case err != nil && serr != nil:
			c.opts.Logf("warning: clip %s (%s) was not cut: %v (nor its snapshot %s)", j.rel, j.what, err, filepath.Base(j.snap))
		case err != nil:
			c.opts.Logf("warning: clip %s (%s) was not cut: %v", j.rel, j.what, err)
		case serr != nil:
			c.opts.Logf("warning: snapshot %s (%s, its best frame at %s) was not taken: %v", j.snapRel, j.what, clock(j.peak), serr)
		}
		if err != nil || serr != nil {
			failed++
		}
	}
	return failed
}

// Drop forgets the clips named so far, saying through FileOptions.Logf
// why they are not cut (the video is not whole: why).
func (f *File) Drop(why string) {
	c := f.c
	c.mu.Lock()
	n := len(c.jobs)
	c.jobs = nil
	c.mu.Unlock()
	if n > 0 {
		c.opts.Logf("warning: the %d clips the events name were not cut: %s", n, why)
	}
}
