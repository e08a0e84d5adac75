// Package capture reads frames through OpenCV's VideoCapture: cameras by
// index, network streams (rtsp://, http://) through its FFmpeg backend,
// GStreamer pipelines, and video files where ffmpeg is not installed.
//
// OpenCV's reads cannot be cut short, so each source reads on a goroutine
// of its own and hands frames over by swapping Mats: Interrupt makes a
// waiting Read return at once, and Close returns at once too; a read still
// stuck in OpenCV finishes in the background, and that goroutine then
// releases the device.
package capture

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"gocv.io/x/gocv"

	"github.com/livecam/livecam/pipeline"
	"github.com/livecam/livecam/source/internal/pace"
)

// Source is a pipeline.Source backed by a gocv.VideoCapture.
type Source struct {
	info   pipeline.SourceInfo
	pace   bool // sleep until each frame's time, as a camera would
	start  time.Time
	n      int
	file   bool
	reopen func() (*gocv.VideoCapture, error) // live sources only
	loop   func() (*gocv.VideoCapture, error) // files played in a loop
	base   int                                // frames played in earlier loops
	// endIsEOF: a live source whose failed read means it ended (GStreamer).
	endIsEOF bool

	// The reading goroutine and what it owns.
	mu          sync.Mutex
	vc          *gocv.VideoCapture
	buf         gocv.Mat // the reader fills it; Read swaps it with dst
	busy        bool     // a read is under way
	closed      bool
	interrupted bool
	req         chan *gocv.VideoCapture
	res         chan bool
	stop        chan struct{} // closed by Interrupt and Close
}

var errInterrupted = errors.New("capture: read interrupted")

// Camera opens camera idx (/dev/videoN on Linux). It is live, and can be
// reopened after it stops delivering (a cable pulled).
func Camera(idx int) (*Source, error) {
	name := "camera " + strconv.Itoa(idx)
	vc, err := gocv.VideoCaptureDevice(idx)
	if err != nil || !vc.IsOpened() {
		closeCapture(vc)
		return nil, &pipeline.SourceError{Source: name, Err: errors.New("no such camera, or it cannot be opened")}
	}
	c := newSource(vc, name, true, false)
	c.reopen = func() (*gocv.VideoCapture, error) { return gocv.VideoCaptureDevice(idx) }
	return c, nil
}

// Stream opens a network stream URL through OpenCV's FFmpeg backend; name
// is how messages call it (the URL without its password). A stream that
// sends nothing for StreamTimeout fails its read, so that a lost camera is
// noticed; it can be reopened.
func Stream(url, name string) (*Source, error) {
	setStreamTimeout()
	vc, err := gocv.VideoCaptureFileWithAPI(url, gocv.VideoCaptureFFmpeg)
	if err != nil || !vc.IsOpened() {
		closeCapture(vc)
		return nil, &pipeline.SourceError{Source: name, Err: errors.New("cannot open the stream")}
	}
	c := newSource(vc, name, true, false)
	c.info.ColorAssumed = colorAssumed(vc)
	c.reopen = func() (*gocv.VideoCapture, error) { return gocv.VideoCaptureFileWithAPI(url, gocv.VideoCaptureFFmpeg) }
	return c, nil
}

// GStreamer starts a GStreamer pipeline ending in appsink. It is live; a
// finite pipeline (a file, num-buffers) ends the source when it ends.
func GStreamer(desc string) (*Source, error) {
	vc, err := gocv.VideoCaptureFileWithAPI(desc, gocv.VideoCaptureGstreamer)
	if err != nil || !vc.IsOpened() {
		closeCapture(vc)
		return nil, &pipeline.SourceError{Source: desc, Err: errors.New("no such file, and not a GStreamer pipeline that can be started")}
	}
	c := newSource(vc, "gstreamer", true, false)
	c.endIsEOF = true
	return c, nil
}

// FileOptions adjust File.
type FileOptions struct {
	// Realtime paces the file at its frame rate and makes it live.
	Realtime bool
	// Loop plays the file again from the start when it ends.
	Loop bool
}

// File reads a video file with OpenCV's FFmpeg backend, for machines
// without the ffmpeg program. It cannot follow a change of frame size, and
// times frames as n/fps.
func File(path string, opts FileOptions) (*Source, error) {
	vc, err := gocv.VideoCaptureFileWithAPI(path, gocv.VideoCaptureFFmpeg)
	if err != nil || !vc.IsOpened() {
		closeCapture(vc)
		return nil, &pipeline.SourceError{Source: path, Err: errors.New("not a video OpenCV can open (unknown container or codec, or damaged)")}
	}
	c := newSource(vc, path, opts.Realtime, opts.Realtime)
	c.info.ColorAssumed = colorAssumed(vc)
	if c.info.Width <= 0 || c.info.Height <= 0 {
		c.Close()
		return nil, &pipeline.SourceError{Source: path, Err: errors.New("no video stream")}
	}
	if err := pace.CheckFrameSize(c.info.Width, c.info.Height); err != nil {
		c.Close()
		return nil, &pipeline.SourceError{Source: path, Err: err}
	}
	if opts.Loop {
		c.loop = func() (*gocv.VideoCapture, error) { return gocv.VideoCaptureFileWithAPI(path, gocv.VideoCaptureFFmpeg) }
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

// colorAssumed reports whether OpenCV's FFmpeg backend decodes vc's
// frames with an assumed colour matrix: it takes every video stream for
// BT.601 whatever the stream says (pipeline.SourceInfo.ColorAssumed),
// except Motion JPEG, which is BT.601 by definition (JFIF).
func colorAssumed(vc *gocv.VideoCapture) bool {
	codec := strings.ToLower(vc.CodecString())
	return codec != "mjpe" && codec != "mjpg"
}

func closeCapture(vc *gocv.VideoCapture) {
	if vc != nil {
		vc.Close()
	}
}

func newSource(vc *gocv.VideoCapture, name string, live, pace bool) *Source {
	c := &Source{vc: vc, pace: pace, file: !live || pace, buf: gocv.NewMat(),
		req: make(chan *gocv.VideoCapture), res: make(chan bool, 1), stop: make(chan struct{})}
	c.info = pipeline.SourceInfo{
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
	go c.reader()
	return c
}

// reader performs the reads Read asks for, one at a time, into c.buf.
// After Close it releases the capture and the buffer itself, once its
// last read has returned.
func (c *Source) reader() {
	for vc := range c.req {
		ok := vc.Read(&c.buf) && !c.buf.Empty()
		c.mu.Lock()
		c.busy = false
		closed := c.closed
		c.mu.Unlock()
		if closed {
			break
		}
		c.res <- ok
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.vc.Close()
	c.buf.Close()
}

// read asks the reader for a frame into dst; it returns errInterrupted
// at once when the source is interrupted.
func (c *Source) read(dst *gocv.Mat) (bool, error) {
	c.mu.Lock()
	if c.interrupted || c.closed {
		c.mu.Unlock()
		return false, errInterrupted
	}
	c.busy = true
	vc := c.vc
	c.mu.Unlock()
	c.req <- vc
	select {
	case ok := <-c.res:
		if ok {
			// The frame changes hands: dst's old memory becomes
			// the reader's next buffer.
			*dst, c.buf = c.buf, *dst
		}
		return ok, nil
	case <-c.stop:
		return false, errInterrupted
	}
}

// Info describes the source.
func (c *Source) Info() pipeline.SourceInfo { return c.info }

// Interrupt makes a waiting Read return at once, and every later one.
func (c *Source) Interrupt() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.interrupted && !c.closed {
		close(c.stop)
	}
	c.interrupted = true
}

// Reconnect closes the capture and opens it again. A source that comes
// back at another frame size is followed: its frames are fitted into the
// first size downstream, and Frame reports their own.
func (c *Source) Reconnect() error {
	if c.reopen == nil {
		return &pipeline.SourceError{Source: c.info.Name, Err: pipeline.ErrNotReconnectable}
	}
	vc, err := c.reopen()
	if err != nil || !vc.IsOpened() {
		closeCapture(vc)
		return &pipeline.SourceError{Source: c.info.Name, Err: errors.New("still unreachable")}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.busy || c.closed {
		vc.Close()
		return &pipeline.SourceError{Source: c.info.Name, Err: errors.New("a read is still under way")}
	}
	c.vc.Close()
	c.vc = vc
	return nil
}

// Wait sleeps until the next frame is due when the capture is paced.
func (c *Source) Wait() {
	if c.pace {
		pace.Frame(&c.start, c.n, c.info.FPS)
	}
}

// Read delivers the next frame.
func (c *Source) Read(dst *gocv.Mat) (pipeline.Frame, error) {
	ok, err := c.read(dst)
	if err != nil {
		return pipeline.Frame{}, err
	}
	if !ok {
		if c.loop != nil && c.n-c.base > 0 {
			vc, err := c.loop()
			if err == nil && vc.IsOpened() {
				c.mu.Lock()
				c.vc.Close()
				c.vc = vc
				c.mu.Unlock()
				c.base = c.n
				return c.Read(dst)
			}
			closeCapture(vc)
		}
		if c.file && c.info.Frames > 0 && c.n-c.base < c.info.Frames-1 {
			return pipeline.Frame{}, &pipeline.SourceError{Source: c.info.Name, Err: fmt.Errorf("%w after %d of %d frames", pipeline.ErrTruncated, c.n-c.base, c.info.Frames)}
		}
		if !c.file && !c.endIsEOF {
			return pipeline.Frame{}, &pipeline.SourceError{Source: c.info.Name, Err: errors.New("stopped delivering frames")}
		}
		return pipeline.Frame{}, io.EOF
	}
	fr := pipeline.Frame{Width: dst.Cols(), Height: dst.Rows()}
	if c.file && c.info.FPS > 0 {
		fr.PTS = time.Duration(float64(c.n) / c.info.FPS * float64(time.Second))
	} else {
		if c.n == 0 && !c.pace {
			c.start = time.Now()
		}
		fr.PTS = time.Since(c.start)
	}
	c.n++
	return fr, nil
}

// Close ends the source at once; a read still under way in OpenCV
// finishes in the background, and the capture is released after it.
func (c *Source) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil
	}
	if !c.interrupted {
		close(c.stop)
	}
	c.closed = true
	close(c.req) // the reader releases everything after its last read
	return nil
}
