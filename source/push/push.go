// Package push is the source for frames the application has in hand: a
// robot's camera driver, a decoder of its own, a test. Each push carries
// the caller's timestamp, which results and events keep; within a run the
// timestamps must increase (a push that does not is refused with a
// *pipeline.TimestampError naming both times).
//
// A Source runs in one of two modes, MediaPipe's VIDEO and LIVE_STREAM
// in Go's terms (the third, a single image, is package classify's and
// package detect's):
//
//   - Live (New): the pipeline runs live. A push never waits: a frame the
//     pipeline has not read when the next one arrives is replaced (the
//     newest wins) and counted in Replaced. For a camera that delivers
//     frames whether or not anyone keeps up.
//   - VIDEO (NewVideo): the pipeline runs in file mode and processes every
//     frame pushed, in order. A push waits until the pipeline has room
//     for the frame, or until the run stops (it returns ErrStopped) or
//     the source is closed (ErrClosed); nothing is dropped or replaced.
//     For recordings, and for loops that want every frame looked at.
//
// A pipeline whose Config.Mode is set explicitly sets the source's mode
// to match (SetLive): a live Source under pipeline.File runs as VIDEO.
//
// For a result back in the caller's own loop, one call per frame and no
// source at all, see pipeline.Video.
package push

import (
	"errors"
	"fmt"
	"image"
	"io"
	"sync"
	"time"

	"gocv.io/x/gocv"

	"github.com/livecam/livecam/internal/bgr"
	"github.com/livecam/livecam/pipeline"
)

// Source is a pipeline.Source fed by the application, live (New) or
// VIDEO (NewVideo): see the package documentation. Push methods copy the
// frame (converting it to BGR). Read waits until a frame arrives, the
// source is closed or Interrupt is called. Its methods are safe for
// concurrent use (frames pushed from several goroutines at once go in the
// order they get in, and each must still be later than the one before),
// and after the first push of each kind they allocate nothing.
type Source struct {
	mu   sync.Mutex
	cond *sync.Cond          // a frame was pushed or read, or the source stopped
	info pipeline.SourceInfo // Live is live's value at New: see Info
	live bool
	// frame holds the newest frame; push converts into it under mu.
	frame       gocv.Mat
	has         bool
	closed      bool
	interrupted bool
	pts         time.Duration
	at          time.Time
	stamped     bool          // a frame was accepted: last is its time
	last        time.Duration // the timestamp of the last frame accepted
	replaced    int64
	waiting     int      // Reads waiting for a frame
	pushing     int      // VIDEO pushes waiting for room
	yuv         gocv.Mat // NV12 and I420 input, converted by OpenCV
	freed       bool     // frame and yuv are closed (see release)
	// waitRoom, when set (by a test), replaces p.cond.Wait for a VIDEO
	// push stamped pts waiting for room: called with p.mu held, it must
	// return with p.mu held (it may unlock and lock again, as Wait does).
	waitRoom func(pts time.Duration)
}

// ErrClosed is returned when pushing to a closed Source.
var ErrClosed = errors.New("push: source closed")

// ErrStopped is returned by a push to a VIDEO Source once the pipeline
// has stopped reading it (its run was cancelled or failed): the frame
// was not taken.
var ErrStopped = errors.New("push: the pipeline stopped reading the source")

// ErrFrame reports a pushed frame of the wrong size or layout.
var ErrFrame = errors.New("push: frame does not fit the source")

// New returns a live Source for frames of the given size: the newest
// frame wins. fps is informational (0 if unknown).
func New(name string, width, height int, fps float64) (*Source, error) {
	if width <= 0 || height <= 0 || width > pipeline.MaxFrameSide || height > pipeline.MaxFrameSide {
		return nil, fmt.Errorf("push: frame size %dx%d is outside 1x1..%dx%d", width, height, pipeline.MaxFrameSide, pipeline.MaxFrameSide)
	}
	p := &Source{info: pipeline.SourceInfo{Name: name, Width: width, Height: height, FPS: fps, Live: true}, live: true,
		frame: gocv.NewMatWithSize(height, width, gocv.MatTypeCV8UC3), yuv: gocv.NewMat()}
	p.cond = sync.NewCond(&p.mu)
	return p, nil
}

// NewVideo returns a Source in VIDEO mode for frames of the given size:
// every frame pushed is processed, in order, and a push waits for room.
// fps is informational (0 if unknown).
func NewVideo(name string, width, height int, fps float64) (*Source, error) {
	p, err := New(name, width, height, fps)
	if err != nil {
		return nil, err
	}
	p.info.Live, p.live = false, false
	return p, nil
}

// Info describes the source; Live says its mode.
func (p *Source) Info() pipeline.SourceInfo {
	p.mu.Lock()
	defer p.mu.Unlock()
	info := p.info
	info.Live = p.live
	return info
}

// SetLive switches the source to live mode (true: the newest frame wins)
// or to VIDEO mode (false: every frame, a push waits for room). The
// pipeline calls it with the mode it runs in (see pipeline.LiveSetter).
func (p *Source) SetLive(live bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.live = live
	p.cond.Broadcast() // a push waiting for room need not wait any more
}

// PushMat pushes a copy of an 8-bit BGR Mat of the source's size, taken at
// pts on the caller's clock.
func (p *Source) PushMat(m gocv.Mat, pts time.Duration) error {
	if m.Cols() != p.info.Width || m.Rows() != p.info.Height || m.Type() != gocv.MatTypeCV8UC3 {
		return fmt.Errorf("%w: pushed %dx%d type %v, source is %dx%d BGR", ErrFrame, m.Cols(), m.Rows(), m.Type(), p.info.Width, p.info.Height)
	}
	return p.push(pts, func() error { m.CopyTo(&p.frame); return nil })
}

// PushRGB pushes packed 8-bit RGB pixels (width*height*3 bytes,
// row-major), taken at pts on the caller's clock.
func (p *Source) PushRGB(rgb []byte, pts time.Duration) error {
	w, h := p.info.Width, p.info.Height
	if len(rgb) != w*h*3 {
		return fmt.Errorf("%w: %d bytes of RGB for a %dx%d source", ErrFrame, len(rgb), w, h)
	}
	return p.push(pts, func() error {
		dst, err := p.frame.DataPtrUint8()
		if err != nil {
			return err
		}
		for i := 0; i+2 < len(rgb); i += 3 { // RGB to BGR
			dst[i], dst[i+1], dst[i+2] = rgb[i+2], rgb[i+1], rgb[i]
		}
		return nil
	})
}

// PushImage pushes an image of the source's size, taken at pts on the
// caller's clock. *image.YCbCr (what image/jpeg decodes and most camera
// libraries hand out: 4:2:0, 4:2:2, 4:4:4), *image.RGBA, *image.NRGBA and
// *image.Gray are converted directly; any other image through At. A nil
// image is refused with ErrFrame.
func (p *Source) PushImage(img image.Image, pts time.Duration) error {
	if bgr.Nil(img) {
		return fmt.Errorf("%w: pushed a nil image", ErrFrame)
	}
	b := img.Bounds()
	if b.Dx() != p.info.Width || b.Dy() != p.info.Height {
		return fmt.Errorf("%w: pushed a %dx%d image to a %dx%d source", ErrFrame, b.Dx(), b.Dy(), p.info.Width, p.info.Height)
	}
	return p.push(pts, func() error {
		dst, err := p.frame.DataPtrUint8()
		if err != nil {
			return err
		}
		return bgr.FromImage(dst, img)
	})
}

// PushNV12 pushes a frame in NV12 (a full-size Y plane, then interleaved
// U and V at half resolution: width*height*3/2 bytes), as V4L2 cameras and
// hardware decoders deliver it, taken at pts. The conversion is OpenCV's
// (BT.601, video range).
func (p *Source) PushNV12(yuv []byte, pts time.Duration) error {
	return p.pushYUV(yuv, pts, gocv.ColorYUVToBGRNV12, "NV12")
}

// PushI420 pushes a frame in I420 (planar Y, U, V, the chroma planes at
// half resolution: width*height*3/2 bytes), taken at pts.
func (p *Source) PushI420(yuv []byte, pts time.Duration) error {
	return p.pushYUV(yuv, pts, gocv.ColorYUVToBGRIYUV, "I420")
}

func (p *Source) pushYUV(yuv []byte, pts time.Duration, code gocv.ColorConversionCode, name string) error {
	w, h := p.info.Width, p.info.Height
	if w%2 != 0 || h%2 != 0 {
		return fmt.Errorf("%w: %s needs an even width and height, the source is %dx%d", ErrFrame, name, w, h)
	}
	if len(yuv) != w*h*3/2 {
		return fmt.Errorf("%w: %d bytes of %s for a %dx%d source (want %d)", ErrFrame, len(yuv), name, w, h, w*h*3/2)
	}
	return p.push(pts, func() error {
		if p.yuv.Rows() != h*3/2 || p.yuv.Cols() != w {
			p.yuv.Close()
			p.yuv = gocv.NewMatWithSize(h*3/2, w, gocv.MatTypeCV8UC1)
		}
		buf, err := p.yuv.DataPtrUint8()
		if err != nil {
			return err
		}
		copy(buf, yuv)
		gocv.CvtColor(p.yuv, &p.frame, code)
		return nil
	})
}

// push stores a frame with fill, under the lock: at once in live mode
// (replacing a frame not yet read), once the last frame was read in VIDEO
// mode. pts must be after the last accepted frame's.
func (p *Source) push(pts time.Duration, fill func() error) error {
	at := time.Now()
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return ErrClosed
	}
	if err := p.checkTime(pts); err != nil {
		return err // at once, not after waiting for room
	}
	for p.has && !p.live && !p.closed && !p.interrupted {
		p.pushing++
		if p.waitRoom != nil {
			p.waitRoom(pts)
		} else {
			p.cond.Wait()
		}
		p.pushing--
	}
	switch {
	case p.closed:
		return ErrClosed
	case p.interrupted && !p.live:
		return ErrStopped
	}
	if err := p.checkTime(pts); err != nil {
		return err // another push got in while this one waited
	}
	if err := fill(); err != nil {
		return err
	}
	if p.has {
		p.replaced++
	}
	p.has, p.pts, p.at = true, pts, at
	p.stamped, p.last = true, pts
	p.cond.Broadcast()
	return nil
}

// checkTime returns a *pipeline.TimestampError when pts is not after the
// last accepted frame's time; p.mu is held.
func (p *Source) checkTime(pts time.Duration) error {
	if p.stamped && pts <= p.last {
		return fmt.Errorf("push: %w", &pipeline.TimestampError{Source: p.info.Name, PTS: pts, Previous: p.last})
	}
	return nil
}

// Replaced returns how many pushed frames were replaced before being
// read (always 0 in VIDEO mode).
func (p *Source) Replaced() int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.replaced
}

var errInterrupted = errors.New("push: read interrupted")

// Read waits for the next pushed frame and copies it into dst. Its Frame
// carries the caller's timestamp and the wall-clock time of the push.
func (p *Source) Read(dst *gocv.Mat) (pipeline.Frame, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for !p.has && !p.closed && !p.interrupted {
		p.waiting++
		p.cond.Wait()
		p.waiting--
	}
	if !p.has {
		if p.interrupted && !p.closed {
			return pipeline.Frame{}, errInterrupted
		}
		return pipeline.Frame{}, io.EOF
	}
	p.frame.CopyTo(dst)
	p.has = false
	p.cond.Broadcast() // room for a VIDEO push
	if p.closed {
		p.release()
	}
	return pipeline.Frame{PTS: p.pts, Time: p.at}, nil
}

// Interrupt makes a waiting Read return at once, and every later one
// that finds no frame pending. In live mode pushes still succeed until
// Close; in VIDEO mode a waiting push, and every later one, returns
// ErrStopped. The pipeline calls it when its run stops (cancelled, failed
// or done), then Close.
func (p *Source) Interrupt() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.interrupted = true
	p.cond.Broadcast()
	if p.closed {
		p.release() // nothing will read the frame still pending
	}
}

// Close ends the source: Read returns the frame still pending, if any,
// then io.EOF, and pushes fail with ErrClosed. Close is safe to call more
// than once and from any goroutine; the pipeline calls it when it stops.
// The frame memory is freed at once when nothing is pending or Read was
// interrupted (the pipeline stopped reading: a frame still pending is
// dropped, and Read returns io.EOF), otherwise by the Read that takes
// the last frame.
func (p *Source) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil
	}
	p.closed = true
	p.cond.Broadcast()
	if !p.has || p.interrupted {
		p.release()
	}
	return nil
}

// release frees the frame memory, dropping a frame still pending; p.mu
// is held and the source is closed.
func (p *Source) release() {
	if p.freed {
		return
	}
	p.frame.Close()
	p.yuv.Close()
	p.freed, p.has = true, false
}
