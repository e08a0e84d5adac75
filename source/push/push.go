// Package push is the source for frames the application has in hand: a
// robot's camera driver, a decoder of its own, a test. Each push carries
// the caller's timestamp, which results and events keep.
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

// Source is a live pipeline.Source fed by the application. Push methods
// copy the frame (converting it to BGR) and never wait for the pipeline; a
// frame not yet read when the next arrives is replaced (the newest wins)
// and counted in Replaced. Read waits until a frame arrives, the source
// is closed or Interrupt is called. Its methods are safe for concurrent
// use, and after the first push of each kind they allocate nothing.
type Source struct {
	info pipeline.SourceInfo
	mu   sync.Mutex
	cond *sync.Cond
	// frame holds the newest frame; push converts into it under mu.
	frame       gocv.Mat
	has         bool
	closed      bool
	interrupted bool
	pts         time.Duration
	at          time.Time
	replaced    int64
	yuv         gocv.Mat // NV12 and I420 input, converted by OpenCV
}

// ErrClosed is returned when pushing to a closed Source.
var ErrClosed = errors.New("push: source closed")

// ErrFrame reports a pushed frame of the wrong size or layout.
var ErrFrame = errors.New("push: frame does not fit the source")

// New returns a Source for frames of the given size; fps is informational
// (0 if unknown).
func New(name string, width, height int, fps float64) (*Source, error) {
	if width <= 0 || height <= 0 || width > pipeline.MaxFrameSide || height > pipeline.MaxFrameSide {
		return nil, fmt.Errorf("push: frame size %dx%d is outside 1x1..%dx%d", width, height, pipeline.MaxFrameSide, pipeline.MaxFrameSide)
	}
	p := &Source{info: pipeline.SourceInfo{Name: name, Width: width, Height: height, FPS: fps, Live: true},
		frame: gocv.NewMatWithSize(height, width, gocv.MatTypeCV8UC3), yuv: gocv.NewMat()}
	p.cond = sync.NewCond(&p.mu)
	return p, nil
}

// Info describes the source.
func (p *Source) Info() pipeline.SourceInfo { return p.info }

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
// *image.Gray are converted directly; any other image through At.
func (p *Source) PushImage(img image.Image, pts time.Duration) error {
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

// push stores a frame with fill, under the lock.
func (p *Source) push(pts time.Duration, fill func() error) error {
	at := time.Now()
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return ErrClosed
	}
	if err := fill(); err != nil {
		return err
	}
	if p.has {
		p.replaced++
	}
	p.has, p.pts, p.at = true, pts, at
	p.cond.Signal()
	return nil
}

// Replaced returns how many pushed frames were replaced before being read.
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
		p.cond.Wait()
	}
	if !p.has {
		if p.interrupted && !p.closed {
			return pipeline.Frame{}, errInterrupted
		}
		return pipeline.Frame{}, io.EOF
	}
	p.frame.CopyTo(dst)
	p.has = false
	if p.closed {
		p.frame.Close()
		p.yuv.Close()
	}
	return pipeline.Frame{PTS: p.pts, Time: p.at}, nil
}

// Interrupt makes a waiting Read return at once, and every later one;
// pushes still succeed until Close. The pipeline calls it when it is
// cancelled.
func (p *Source) Interrupt() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.interrupted = true
	p.cond.Broadcast()
}

// Close ends the source: Read returns the frame still pending, if any,
// then io.EOF, and pushes fail with ErrClosed. Close is safe to call more
// than once and from any goroutine; the pipeline calls it when it stops.
// The frame memory is freed once nothing is pending.
func (p *Source) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil
	}
	p.closed = true
	p.cond.Broadcast()
	if !p.has {
		p.frame.Close()
		p.yuv.Close()
	}
	return nil
}
