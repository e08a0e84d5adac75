package segment

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"

	"github.com/livecam/livecam/pipeline"
	"github.com/livecam/livecam/sink/outfile"
	"github.com/livecam/livecam/sink/video"
)

// DefaultLength is the length of a segment when Options.Length is 0.
const DefaultLength = 10 * time.Minute

// Options configure a Recorder.
type Options struct {
	// Dir is the folder of all cameras' recordings; it must exist. The
	// camera's own folder is made in it.
	Dir string
	// Camera is the camera's name; its folder is Dir/Camera, made safe
	// for a path (see the package documentation).
	Camera string
	// Length is how long a segment lasts; 0 is DefaultLength.
	Length time.Duration
	// Keep deletes finished segments that started longer ago than this;
	// 0 keeps them whatever their age.
	Keep time.Duration
	// KeepBytes bounds the bytes the camera's segments take, the one being
	// written included; 0 is no bound.
	KeepBytes int64
	// Encoding is how the segments are compressed (their container is
	// always fragmented MP4).
	Encoding video.Encoding
	// Now is the clock that names and rotates the segments; nil is
	// time.Now.
	Now func() time.Time
	// Logf reports what the Recorder did on its own (segments kept from a
	// run that stopped, a budget smaller than a segment); nil is silent.
	Logf func(format string, args ...any)
	// Sidecars writes each segment's results and events beside it, as
	// JSON lines covering the same frames (see the package
	// documentation): every frame's result, and the events given to
	// Event and ObjectEvent.
	Sidecars bool
	// Source is the camera's source as the results sidecars' closing
	// lines name it: its credentials redacted by the caller.
	Source string
	// Threshold is the score a classifier's best class needs for its
	// frame to count for it in the closing lines' "seen" (the run's
	// -threshold, as in its summary); 0 counts every frame.
	Threshold float32
	// NoVideo records the sidecars alone (with Sidecars): for a camera
	// whose video goes elsewhere. The segments rotate at Length all the
	// same; Segments lists none (it lists videos).
	NoVideo bool
}

// Segment is one finished segment of a camera.
type Segment struct {
	// Path is the segment's video file.
	Path string
	// Results and Events are its sidecars, "" when it has none
	// (Options.Sidecars; a segment without events has no events file).
	Results, Events string
	// Start is the local time of its first frame, from its name.
	Start time.Time
	// Size is the bytes it takes: its video and its sidecars.
	Size int64
	// Cut says it was kept from a run that stopped while writing it (or
	// whose encoder failed): it plays up to its last fragment.
	Cut bool

	n    int  // its number within its second (the -N of its name)
	clip bool // an event's clip or snapshot (Path), for retention only
}

// Recorder is a pipeline.Sink that writes a camera's frames as rotating
// segments with retention (see the package documentation). It is not
// safe for concurrent use: one goroutine writes the frames and closes it.
type Recorder struct {
	opts   Options
	length time.Duration
	dir    string   // Dir/NAME
	lock   *os.File // Dir/NAME/.lock, flocked
	logf   func(string, ...any)

	// The segment being written.
	cur       *video.Sink
	group     *outfile.Group
	curDir    string // its date folder
	curStem   string // its name without extension
	curStart  time.Time
	curW      int
	curH      int
	curFile   *os.File // its partial file, opened to read its size
	st        unix.Stat_t
	lastSize  int64    // the segment's size at the last frame
	videoSize int64    // its video's, at the last fstat
	maxGrowth int64    // the largest growth of a segment between two frames
	side      sidecars // its results and events (Options.Sidecars)

	// Finished segments and the camera's clips and snapshots, oldest
	// first, and their total size; added is what Added was told since.
	segs     []Segment
	finished int64
	added    atomic.Int64
	warned   bool
	closed   bool // Finish was called
	released bool // Close was called
}

var _ pipeline.Sink = (*Recorder)(nil)

// New checks the options, makes the camera's folder, takes its lock (one
// Recorder per camera folder, in any process), keeps the segments a
// stopped run left under partial names (see the package documentation)
// and applies the retention rules. Nothing is recorded before the first
// Write.
func New(opts Options) (*Recorder, error) {
	switch {
	case opts.Length < 0:
		return nil, fmt.Errorf("segment length %v: must be positive", opts.Length)
	case opts.Keep < 0:
		return nil, fmt.Errorf("keep %v: must be positive (0 keeps everything)", opts.Keep)
	case opts.KeepBytes < 0:
		return nil, fmt.Errorf("keep size %d: must be positive (0 is no limit)", opts.KeepBytes)
	case opts.NoVideo && !opts.Sidecars:
		return nil, fmt.Errorf("camera %q: no video and no sidecars: nothing to record", opts.Camera)
	}
	name, err := folderName(opts.Camera)
	if err != nil {
		return nil, err
	}
	st, err := os.Stat(opts.Dir)
	if err != nil {
		return nil, fmt.Errorf("recordings folder %s: %w", opts.Dir, unwrapPath(err))
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("recordings folder %s: is not a folder", opts.Dir)
	}
	r := &Recorder{opts: opts, length: opts.Length, dir: filepath.Join(opts.Dir, name), logf: opts.Logf}
	if r.length == 0 {
		r.length = DefaultLength
	}
	if r.opts.Now == nil {
		r.opts.Now = time.Now
	}
	if r.logf == nil {
		r.logf = func(string, ...any) {}
	}
	if name != opts.Camera {
		r.logf("camera %q records in %s (its name made safe for a folder)", opts.Camera, r.dir)
	}
	if err := os.Mkdir(r.dir, 0o755); err != nil && !os.IsExist(err) {
		return nil, fmt.Errorf("camera %q: cannot make its folder: %w", opts.Camera, err)
	}
	if st, err := os.Stat(r.dir); err != nil || !st.IsDir() {
		return nil, fmt.Errorf("camera %q: %s is not a folder", opts.Camera, r.dir)
	}
	// The encoding (and ffmpeg) is checked against a name that is never
	// created; that a file of that name exists does not matter.
	if !opts.NoVideo {
		if _, err := video.CreateWith(filepath.Join(r.dir, "check"+ext), opts.Encoding, outfile.Options{}); err != nil && !errors.Is(err, outfile.ErrExists) {
			return nil, fmt.Errorf("camera %q: %w", opts.Camera, err)
		}
	}
	lock, err := os.OpenFile(filepath.Join(r.dir, ".lock"), os.O_RDWR|os.O_CREATE|unix.O_NOFOLLOW, 0o644)
	if err != nil {
		return nil, fmt.Errorf("camera %q: %w", opts.Camera, err)
	}
	if err := unix.Flock(int(lock.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		lock.Close()
		if errors.Is(err, unix.EWOULDBLOCK) {
			return nil, fmt.Errorf("camera %q: %s is being recorded already (by another camera of the same folder name, or another livecam)", opts.Camera, r.dir)
		}
		return nil, fmt.Errorf("camera %q: cannot lock %s: %w", opts.Camera, r.dir, err)
	}
	r.lock = lock
	if err := r.keepStale(); err != nil {
		r.unlock()
		return nil, err
	}
	if err := r.prune(false); err != nil {
		r.unlock()
		return nil, err
	}
	return r, nil
}

// Dir returns the camera's folder, Dir/NAME.
func (r *Recorder) Dir() string { return r.dir }

// Write records one frame, starting a new segment first when the current
// one has reached its length or the frame's size differs from its own.
// It deletes the oldest finished segments when the size budget needs it.
func (r *Recorder) Write(o *pipeline.Output) error {
	if r.closed {
		return fmt.Errorf("%s: write after Close", r.dir)
	}
	now := r.opts.Now()
	if r.recording() && (now.Sub(r.curStart) >= r.length || !r.opts.NoVideo && (o.Image.Cols() != r.curW || o.Image.Rows() != r.curH)) {
		if err := r.rotate(); err != nil {
			return err
		}
	}
	if !r.recording() {
		if err := r.begin(now, o); err != nil {
			return err
		}
	}
	if r.cur != nil {
		if err := r.cur.Write(o); err != nil {
			return err
		}
	}
	if r.side.results != nil {
		if err := r.writeSidecars(o); err != nil {
			return err
		}
	}
	if r.curFile == nil && r.cur != nil {
		r.openPartial()
	}
	if r.opts.KeepBytes > 0 {
		return r.budget()
	}
	return nil
}

// begin starts a segment at now for frames of o's size.
func (r *Recorder) begin(now time.Time, o *pipeline.Output) error {
	dir := r.dayDir(now)
	if err := os.Mkdir(dir, 0o755); err != nil && !os.IsExist(err) {
		return fmt.Errorf("camera %q: %w", r.opts.Camera, err)
	}
	// Not through a link (or over a file): the segment would land outside
	// the camera's folder, where retention never looks.
	if st, err := os.Lstat(dir); err != nil || !st.IsDir() {
		return fmt.Errorf("camera %q: %s is not a folder (a link, or a file): no segment is written through it", r.opts.Camera, dir)
	}
	stem, err := freeStem(dir, now.Local().Format(timeLayout))
	if err != nil {
		return err
	}
	g := &outfile.Group{}
	var v *video.Sink
	if !r.opts.NoVideo {
		if v, err = video.CreateWith(filepath.Join(dir, stem+ext), r.opts.Encoding, outfile.Options{Group: g}); err != nil {
			return err
		}
	}
	if r.opts.Sidecars {
		if err := r.beginSidecars(dir, stem, g); err != nil {
			if v != nil {
				v.Close()
			}
			return err
		}
	}
	r.cur, r.group, r.curDir, r.curStem, r.curStart = v, g, dir, stem, now
	r.curW, r.curH = o.Image.Cols(), o.Image.Rows()
	r.lastSize, r.videoSize = 0, 0
	return nil
}

// openPartial opens the current segment's partial file, which the video
// sink made on its first frame, to watch its size.
func (r *Recorder) openPartial() {
	entries, err := os.ReadDir(r.curDir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if m := partialName.FindStringSubmatch(e.Name()); m != nil && m[1] == r.curStem && m[2] == "" {
			if f, err := os.Open(filepath.Join(r.curDir, e.Name())); err == nil {
				r.curFile = f
			}
			return
		}
	}
}

// curSize returns the size of the segment being written: its video's
// and what its sidecars were given.
func (r *Recorder) curSize() int64 {
	if r.curFile != nil && unix.Fstat(int(r.curFile.Fd()), &r.st) == nil {
		r.videoSize = r.st.Size
	}
	return r.videoSize + r.side.bytes
}

// recording reports whether a segment is being written.
func (r *Recorder) recording() bool { return r.group != nil }

// budget keeps the finished segments and the current one within
// KeepBytes, with room for the largest growth seen between two frames:
// the oldest finished segment goes first; when none is left, the current
// segment is closed early.
func (r *Recorder) budget() error {
	size := r.curSize()
	r.maxGrowth = max(r.maxGrowth, size-r.lastSize)
	r.lastSize = size
	for r.finished+r.added.Load()+size+r.maxGrowth > r.opts.KeepBytes && len(r.segs) > 0 {
		r.remove(r.segs[0])
		r.finished -= r.segs[0].Size
		r.segs = r.segs[1:]
	}
	if size+r.maxGrowth > r.opts.KeepBytes && size > 0 {
		if !r.warned {
			r.warned = true
			r.logf("camera %q: the size budget (%d bytes) holds less than one segment: segments are cut at about %d bytes", r.opts.Camera, r.opts.KeepBytes, size)
		}
		return r.rotate()
	}
	return nil
}

// rotate finishes the current segment and applies the retention rules.
func (r *Recorder) rotate() error {
	err := r.finish()
	if perr := r.prune(true); err == nil {
		err = perr
	}
	return err
}

// finish closes the current segment and its sidecars and moves them to
// their final names (all to the next free one when a name was taken
// meanwhile), or to cut names when the encoder failed.
func (r *Recorder) finish() error {
	if !r.recording() {
		return nil
	}
	var err error
	if r.cur != nil {
		err = r.cur.Close()
	}
	if r.curFile != nil {
		r.curFile.Close()
	}
	g, dir, stem := r.group, r.curDir, r.curStem
	sides, serr := r.finishSidecars(g, dir, stem)
	r.cur, r.group, r.curFile = nil, nil, nil
	var parts []part
	if p := g.Partial(filepath.Join(dir, stem+ext)); p != "" {
		parts = append(parts, part{p, ext})
	}
	parts = append(parts, sides...) // a video that could not be finished, or of no frame: its sidecars alone
	mark := ""
	if err != nil {
		mark = cutMark
	}
	_, merr := moveSet(dir, stem, mark, parts)
	return errors.Join(err, serr, merr)
}

// Finish finishes the segment being written and applies the retention
// rules, and keeps the camera's folder: files written into it after
// (the last clips, package clips) are counted by Close's retention.
// Write fails after it; a second Finish does nothing.
func (r *Recorder) Finish() error {
	if r.closed {
		return nil
	}
	r.flushEvents() // the events the run's end gave (those still in view leave)
	r.closed = true
	err := r.finish()
	if perr := r.prune(true); err == nil {
		err = perr
	}
	return err
}

// Close finishes the segment being written (Finish), applies the
// retention rules and releases the camera's folder.
func (r *Recorder) Close() error {
	if r.released {
		return nil
	}
	var err error
	if !r.closed {
		err = r.Finish()
	} else {
		err = r.prune(true)
	}
	r.released = true
	r.unlock()
	return err
}

func (r *Recorder) unlock() {
	if r.lock != nil {
		r.lock.Close() // releases the flock
		r.lock = nil
	}
}

// unwrapPath drops the path of a *PathError (the message names it).
func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
