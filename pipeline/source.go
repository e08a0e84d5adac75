package pipeline

import (
	"errors"
	"fmt"
	"image"
	"io"
	"io/fs"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"gocv.io/x/gocv"
)

// SourceInfo describes a source.
type SourceInfo struct {
	// Name identifies the source in messages: a path, URL or "camera 0".
	Name string
	// Width, Height and FPS are the frame size and rate; FPS is 0 when
	// unknown. Frames is the frame count a file announces (0 if none).
	Width, Height int
	FPS           float64
	Frames        int
	// Live is true for sources that produce frames in real time whether
	// or not they are read (cameras, streams, pushed frames): the
	// pipeline then drops stale frames rather than fall behind.
	Live bool
}

// Source produces frames. Read fills dst, reusing its memory, with the
// next 8-bit BGR frame and returns its presentation time; it returns
// io.EOF after the last frame. Read and Close are called from one
// goroutine; a live source's Read may block until a frame arrives.
type Source interface {
	Info() SourceInfo
	Read(dst *gocv.Mat) (pts time.Duration, err error)
	Close() error
}

// Pacer is implemented by sources that play a recording at its own frame
// rate. The pipeline calls Wait before each Read, outside the time it
// records for reading and decoding.
type Pacer interface {
	Wait()
}

// SourceError is the error for a source that cannot be opened or read.
type SourceError struct {
	Source string
	Err    error
}

// Error returns "source: problem".
func (e *SourceError) Error() string { return e.Source + ": " + e.Err.Error() }

// Unwrap returns the underlying problem.
func (e *SourceError) Unwrap() error { return e.Err }

// ErrTruncated reports a file that ended before the frame count in its
// header: the frames before the damage were delivered.
var ErrTruncated = errors.New("video ended early: file truncated or damaged")

// Open opens a source from its command-line spelling:
//
//	a path that exists     a video file (whatever its name looks like)
//	0, 1, ...              a camera by index
//	rtsp://..., http://... a network stream (OpenCV's FFmpeg backend)
//	"... ! appsink"        a GStreamer pipeline (live; its end ends the run)
//
// An existing file always wins: a file named "2024" or "Wow!.mp4" is read
// as a file. A spelling that is none of these is an error saying so.
//
// Cameras, streams and GStreamer pipelines are live; files are not
// unless realtime is set, in which case reads are paced at the file's
// frame rate as a camera would deliver them.
func Open(spec string, realtime bool) (Source, error) {
	return OpenWith(spec, OpenOptions{Realtime: realtime})
}

// OpenOptions adjust OpenWith.
type OpenOptions struct {
	// Realtime paces a file at its frame rate and makes it live.
	Realtime bool
	// Loop plays a file again from the start when it ends, for ever (for
	// demonstrations and soak tests). Frame numbers and times continue.
	Loop bool
}

// OpenWith is Open with options.
func OpenWith(spec string, opts OpenOptions) (Source, error) {
	realtime := opts.Realtime
	st, statErr := os.Stat(spec)
	switch {
	case spec == "":
		return nil, &SourceError{Source: "(none)", Err: errors.New("no source given")}
	case statErr == nil || !errors.Is(statErr, fs.ErrNotExist):
		// A file (or one we may not read): files win over every
		// other spelling.
	case isIndex(spec):
		idx, _ := strconv.Atoi(spec)
		vc, err := gocv.VideoCaptureDevice(idx)
		if err != nil || !vc.IsOpened() {
			closeCapture(vc)
			return nil, &SourceError{Source: "camera " + spec, Err: fmt.Errorf("no such camera, or it cannot be opened (and there is no file named %s)", spec)}
		}
		c := newCapture(vc, "camera "+spec, true, false)
		c.reopen = func() (*gocv.VideoCapture, error) { return gocv.VideoCaptureDevice(idx) }
		return c, nil
	case strings.Contains(spec, "://"):
		setStreamTimeout()
		vc, err := gocv.VideoCaptureFileWithAPI(spec, gocv.VideoCaptureFFmpeg)
		if err != nil || !vc.IsOpened() {
			closeCapture(vc)
			return nil, &SourceError{Source: RedactURL(spec), Err: errors.New("cannot open the stream")}
		}
		c := newCapture(vc, RedactURL(spec), true, false)
		c.reopen = func() (*gocv.VideoCapture, error) { return gocv.VideoCaptureFileWithAPI(spec, gocv.VideoCaptureFFmpeg) }
		return c, nil
	case strings.Contains(spec, "!"):
		vc, err := gocv.VideoCaptureFileWithAPI(spec, gocv.VideoCaptureGstreamer)
		if err != nil || !vc.IsOpened() {
			closeCapture(vc)
			return nil, &SourceError{Source: spec, Err: errors.New("no such file, and not a GStreamer pipeline that can be started")}
		}
		// A GStreamer pipeline may be finite (a file, num-buffers): its
		// end is the end of the source, not a lost camera.
		c := newCapture(vc, "gstreamer", true, false)
		c.endIsEOF = true
		return c, nil
	default:
		return nil, &SourceError{Source: spec, Err: errors.New("no such file (nor a camera index, stream URL or GStreamer pipeline)")}
	}
	if statErr != nil {
		return nil, &SourceError{Source: spec, Err: pathCause(statErr)}
	}
	if st.IsDir() {
		return nil, &SourceError{Source: spec, Err: errors.New("is a directory, not a video file")}
	}
	if !st.Mode().IsRegular() && st.Mode()&fs.ModeDevice == 0 {
		return nil, &SourceError{Source: spec, Err: fmt.Errorf("not a regular file (%v)", st.Mode().Type())}
	}
	// The decoders say only "cannot open": find out whether we may read it.
	f, err := os.Open(spec)
	if err != nil {
		return nil, &SourceError{Source: spec, Err: pathCause(err)}
	}
	f.Close()
	if st.Mode().IsRegular() && haveFFmpeg() {
		f, err := openFile(spec, realtime, opts.Loop)
		if err != nil {
			return nil, err
		}
		return f, nil
	}
	// Without ffmpeg, OpenCV reads the file (it cannot follow a change
	// of frame size, and times frames as n/fps).
	vc, err := gocv.VideoCaptureFileWithAPI(spec, gocv.VideoCaptureFFmpeg)
	if err != nil || !vc.IsOpened() {
		closeCapture(vc)
		return nil, &SourceError{Source: spec, Err: errors.New("not a video OpenCV can open (unknown container or codec, or damaged)")}
	}
	c := newCapture(vc, spec, realtime, realtime)
	if c.info.Width <= 0 || c.info.Height <= 0 {
		c.Close()
		return nil, &SourceError{Source: spec, Err: errors.New("no video stream")}
	}
	if err := checkFrameSize(c.info.Width, c.info.Height); err != nil {
		c.Close()
		return nil, &SourceError{Source: spec, Err: err}
	}
	if opts.Loop {
		c.loop = func() (*gocv.VideoCapture, error) { return gocv.VideoCaptureFileWithAPI(spec, gocv.VideoCaptureFFmpeg) }
	}
	return c, nil
}

// StreamTimeout is how long a network stream may send nothing before a
// read fails, so that a lost camera is noticed (FFmpeg's rw_timeout).
const StreamTimeout = 1200 * time.Millisecond

// setStreamTimeout gives FFmpeg reads of network streams a timeout through
// OPENCV_FFMPEG_CAPTURE_OPTIONS, unless the user has set that variable.
func setStreamTimeout() {
	if _, ok := os.LookupEnv("OPENCV_FFMPEG_CAPTURE_OPTIONS"); !ok {
		os.Setenv("OPENCV_FFMPEG_CAPTURE_OPTIONS", "rw_timeout;"+strconv.FormatInt(StreamTimeout.Microseconds(), 10))
	}
}

func isIndex(s string) bool {
	_, err := strconv.Atoi(s)
	return err == nil && !strings.HasPrefix(s, "-")
}

func closeCapture(vc *gocv.VideoCapture) {
	if vc != nil {
		vc.Close()
	}
}

// Reconnecter is implemented by live sources that can be opened again
// after they stop delivering (a camera unplugged, a stream dropped).
type Reconnecter interface {
	Reconnect() error
}

// capture is a Source backed by a gocv.VideoCapture.
type capture struct {
	vc     *gocv.VideoCapture
	info   SourceInfo
	pace   bool // sleep until each frame's time, as a camera would
	start  time.Time
	n      int
	file   bool
	reopen func() (*gocv.VideoCapture, error) // live sources only
	loop   func() (*gocv.VideoCapture, error) // files played in a loop
	base   int                                // frames played in earlier loops
	// endIsEOF: a live source whose failed read means it ended (GStreamer).
	endIsEOF bool
	size     [2]int // of the last frame read
}

// ErrNotReconnectable is returned by Reconnect for sources that cannot be
// opened again (files).
var ErrNotReconnectable = errors.New("source cannot be reopened")

// Reconnect closes the capture and opens it again. A source that comes
// back at another frame size is followed: its frames are fitted into the
// first size downstream, and FrameSize reports their own.
func (c *capture) Reconnect() error {
	if c.reopen == nil {
		return &SourceError{Source: c.info.Name, Err: ErrNotReconnectable}
	}
	vc, err := c.reopen()
	if err != nil || !vc.IsOpened() {
		closeCapture(vc)
		return &SourceError{Source: c.info.Name, Err: errors.New("still unreachable")}
	}
	c.vc.Close()
	c.vc = vc
	return nil
}

// FrameSize returns the size of the frame last read.
func (c *capture) FrameSize() (int, int) { return c.size[0], c.size[1] }

func newCapture(vc *gocv.VideoCapture, name string, live, pace bool) *capture {
	c := &capture{vc: vc, pace: pace, file: !live || pace}
	c.info = SourceInfo{
		Name:   name,
		Width:  int(vc.Get(gocv.VideoCaptureFrameWidth)),
		Height: int(vc.Get(gocv.VideoCaptureFrameHeight)),
		FPS:    vc.Get(gocv.VideoCaptureFPS),
		Live:   live,
	}
	if c.file {
		c.info.Frames = int(vc.Get(gocv.VideoCaptureFrameCount))
	}
	if c.info.FPS <= 0 || c.info.FPS > 1000 {
		c.info.FPS = 0
	}
	return c
}

func (c *capture) Info() SourceInfo { return c.info }

// Wait sleeps until the next frame is due when the capture is paced.
func (c *capture) Wait() {
	if c.pace {
		paceFrame(&c.start, c.n, c.info.FPS)
	}
}

// paceFrame sleeps until frame n of a recording played at fps is due,
// counting from *start, which frame 0 sets.
func paceFrame(start *time.Time, n int, fps float64) {
	if fps <= 0 {
		return
	}
	if n == 0 {
		*start = time.Now()
	}
	due := start.Add(time.Duration(float64(n) / fps * float64(time.Second)))
	if d := time.Until(due); d > 0 {
		time.Sleep(d)
	}
}

func (c *capture) Read(dst *gocv.Mat) (time.Duration, error) {
	if !c.vc.Read(dst) || dst.Empty() {
		if c.loop != nil && c.n-c.base > 0 {
			vc, err := c.loop()
			if err == nil && vc.IsOpened() {
				c.vc.Close()
				c.vc = vc
				c.base = c.n
				return c.Read(dst)
			}
			closeCapture(vc)
		}
		if c.file && c.info.Frames > 0 && c.n-c.base < c.info.Frames-1 {
			return 0, &SourceError{Source: c.info.Name, Err: fmt.Errorf("%w after %d of %d frames", ErrTruncated, c.n-c.base, c.info.Frames)}
		}
		if !c.file && !c.endIsEOF {
			return 0, &SourceError{Source: c.info.Name, Err: errors.New("stopped delivering frames")}
		}
		return 0, io.EOF
	}
	c.size = [2]int{dst.Cols(), dst.Rows()}
	var pts time.Duration
	if c.file && c.info.FPS > 0 {
		pts = time.Duration(float64(c.n) / c.info.FPS * float64(time.Second))
	} else {
		if c.n == 0 && !c.pace {
			c.start = time.Now()
		}
		pts = time.Since(c.start)
	}
	c.n++
	return pts, nil
}

func (c *capture) Close() error { return c.vc.Close() }

// PushSource is a live Source fed by the application: a robot's camera
// driver, a decoder of its own, a test. Push methods copy the frame and
// never block; a frame not yet read when the next arrives is replaced (the
// newest wins) and counted in Replaced. Read blocks until a frame arrives
// or the source is closed. Its methods are safe for concurrent use.
type PushSource struct {
	info     SourceInfo
	mu       sync.Mutex
	cond     *sync.Cond
	frame    gocv.Mat
	has      bool
	closed   bool
	start    time.Time
	pts      time.Duration
	replaced int64
	// scratchMu guards scratch, PushImage's conversion buffer.
	scratchMu sync.Mutex
	scratch   []byte
}

// NewPushSource returns a PushSource for frames of the given size; fps is
// informational (0 if unknown).
func NewPushSource(name string, width, height int, fps float64) *PushSource {
	p := &PushSource{info: SourceInfo{Name: name, Width: width, Height: height, FPS: fps, Live: true},
		frame: gocv.NewMatWithSize(height, width, gocv.MatTypeCV8UC3), start: time.Now()}
	p.cond = sync.NewCond(&p.mu)
	return p
}

// Info describes the source.
func (p *PushSource) Info() SourceInfo { return p.info }

// ErrClosed is returned when pushing to a closed PushSource.
var ErrClosed = errors.New("pipeline: source closed")

// PushMat pushes a copy of an 8-bit BGR Mat of the source's size.
func (p *PushSource) PushMat(m gocv.Mat) error {
	if m.Cols() != p.info.Width || m.Rows() != p.info.Height || m.Type() != gocv.MatTypeCV8UC3 {
		return fmt.Errorf("%w: pushed %dx%d type %v, source is %dx%d BGR", ErrFrame, m.Cols(), m.Rows(), m.Type(), p.info.Width, p.info.Height)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return ErrClosed
	}
	m.CopyTo(&p.frame)
	p.arrived()
	return nil
}

// PushRGB pushes packed 8-bit RGB pixels (width*height*3 bytes, row-major).
func (p *PushSource) PushRGB(rgb []byte) error {
	w, h := p.info.Width, p.info.Height
	if len(rgb) != w*h*3 {
		return fmt.Errorf("%w: %d bytes of RGB for a %dx%d source", ErrFrame, len(rgb), w, h)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return ErrClosed
	}
	dst, err := p.frame.DataPtrUint8()
	if err != nil {
		return err
	}
	for i := 0; i < len(rgb); i += 3 { // RGB to BGR
		dst[i], dst[i+1], dst[i+2] = rgb[i+2], rgb[i+1], rgb[i]
	}
	p.arrived()
	return nil
}

// PushImage pushes any image.Image of the source's size.
func (p *PushSource) PushImage(img image.Image) error {
	b := img.Bounds()
	if b.Dx() != p.info.Width || b.Dy() != p.info.Height {
		return fmt.Errorf("%w: pushed a %dx%d image to a %dx%d source", ErrFrame, b.Dx(), b.Dy(), p.info.Width, p.info.Height)
	}
	p.scratchMu.Lock()
	defer p.scratchMu.Unlock()
	if cap(p.scratch) < b.Dx()*b.Dy()*3 {
		p.scratch = make([]byte, b.Dx()*b.Dy()*3)
	}
	rgb := p.scratch[:b.Dx()*b.Dy()*3]
	i := 0
	if src, ok := img.(*image.RGBA); ok {
		for y := b.Min.Y; y < b.Max.Y; y++ {
			row := src.Pix[src.PixOffset(b.Min.X, y):]
			for x := 0; x < b.Dx(); x++ {
				rgb[i], rgb[i+1], rgb[i+2] = row[4*x], row[4*x+1], row[4*x+2]
				i += 3
			}
		}
	} else {
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for x := b.Min.X; x < b.Max.X; x++ {
				r, g, bl, _ := img.At(x, y).RGBA()
				rgb[i], rgb[i+1], rgb[i+2] = byte(r>>8), byte(g>>8), byte(bl>>8)
				i += 3
			}
		}
	}
	return p.PushRGB(rgb)
}

// arrived records a new frame; p.mu is held.
func (p *PushSource) arrived() {
	if p.has {
		p.replaced++
	}
	p.has = true
	p.pts = time.Since(p.start)
	p.cond.Signal()
}

// Replaced returns how many pushed frames were replaced before being read.
func (p *PushSource) Replaced() int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.replaced
}

// Read waits for the next pushed frame and copies it into dst.
func (p *PushSource) Read(dst *gocv.Mat) (time.Duration, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for !p.has && !p.closed {
		p.cond.Wait()
	}
	if !p.has {
		return 0, io.EOF
	}
	p.frame.CopyTo(dst)
	p.has = false
	if p.closed {
		p.frame.Close()
	}
	return p.pts, nil
}

// Close ends the source: Read returns the frame still pending, if any,
// then io.EOF, and pushes fail with ErrClosed. The frame memory is freed
// once nothing is pending. Close is safe to call more than once and from
// any goroutine; the pipeline calls it when it stops.
func (p *PushSource) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil
	}
	p.closed = true
	p.cond.Broadcast()
	if !p.has {
		p.frame.Close()
	}
	return nil
}

// RedactURL returns s with the password of a URL's user information
// replaced by "xxxxx", for messages, pages and logs; anything that is not
// such a URL is returned as it is.
func RedactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.User == nil {
		return s
	}
	return u.Redacted()
}

// pathCause strips the path from an *os.PathError: SourceError names the
// source already.
func pathCause(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
