package pipeline

import (
	"errors"
	"fmt"
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
	// ColorAssumed is true when the frames were decoded from YUV whose
	// colour matrix was assumed (BT.601) rather than known: a file whose
	// stream does not say it, a network stream read through OpenCV,
	// which ignores what it says. A video made from such frames then
	// says nothing of its colour either, so that a player shows it as it
	// shows the source (a browser takes an unlabelled HD stream for
	// BT.709); otherwise it is labelled BT.601, which is what it holds.
	ColorAssumed bool
}

// Frame is what a Source says about a frame it read.
type Frame struct {
	// PTS is the frame's presentation time on the source's clock: the
	// container's timestamp for a file, the caller's for a pushed frame.
	PTS time.Duration
	// Time is the wall-clock time the frame was captured (pushed, read
	// from the camera); the zero value means "when Read returned".
	Time time.Time
	// Width and Height are the frame's own size when it differs from
	// the source's (a stream that changed resolution: the frame was
	// scaled into the source's size, with borders); 0 otherwise.
	Width, Height int
}

// Source produces frames. Read fills dst, reusing its memory, with the
// next 8-bit BGR frame of the source's size and describes it; it returns
// io.EOF after the last frame. Read and Close are called from one
// goroutine; a live source's Read may block until a frame arrives.
type Source interface {
	Info() SourceInfo
	Read(dst *gocv.Mat) (Frame, error)
	Close() error
}

// Interrupter is implemented by sources whose Read can be made to return
// at once from another goroutine (with any error): the pipeline calls
// Interrupt when it is cancelled, so that Run returns promptly even while
// a Read waits for a frame that may never come. Every source livecam
// provides implements it.
type Interrupter interface {
	Interrupt()
}

// Pacer is implemented by sources that play a recording at its own frame
// rate. The pipeline calls Wait before each Read, outside the time it
// records for reading and decoding.
type Pacer interface {
	Wait()
}

// LiveSetter is implemented by sources that can deliver frames either
// way, as package push's does: New calls SetLive with the mode the
// pipeline runs in. Live (true): a frame not yet read when the next one
// arrives is replaced, the newest wins. Not live (false, VIDEO mode, the
// pipeline's File mode): every frame is delivered, in order, and the
// producer waits for room.
type LiveSetter interface {
	SetLive(live bool)
}

// I420Source is implemented by sources that can deliver a frame as its
// YUV 4:2:0 planes instead of BGR: a video file whose stream is 8-bit
// 4:2:0 of an even size (package videofile). When the whole run takes
// planes (every stage and sink an I420Sink that says so, and no
// Config.OnBestFrame), the pipeline reads them with ReadI420 and spares
// the conversion to BGR and, in a video output, back.
type I420Source interface {
	// I420 reports whether ReadI420 delivers this source's frames; it
	// does not change while the source is open.
	I420() bool
	// ReadI420 is Read with dst filled with the frame's planes, I420:
	// one continuous 8-bit single-channel Mat of height×3/2 rows (the
	// luma, then U, then V at half the width and height), BT.601
	// limited range.
	ReadI420(dst *gocv.Mat) (Frame, error)
}

// Reconnecter is implemented by live sources that can be opened again
// after they stop delivering (a camera unplugged, a stream dropped).
type Reconnecter interface {
	Reconnect() error
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

// ErrNotReconnectable is returned by Reconnect for sources that cannot be
// opened again (files).
var ErrNotReconnectable = errors.New("source cannot be reopened")

// MaxFrameSide bounds a frame's width and height: a larger frame would
// take more than 192 MiB in each of the pipeline's buffers.
const MaxFrameSide = 8192

// TimestampError reports a frame whose timestamp is not after the
// previous frame's: within a run, the timestamps of the frames handed to
// a push source or to Video.Process must increase.
type TimestampError struct {
	// Source names the source (or the Video) the frame was given to.
	Source string
	// PTS is the frame's timestamp, Previous the previous frame's.
	PTS, Previous time.Duration
}

// Error returns "source: timestamp 5s is not after the previous frame's
// 10s".
func (e *TimestampError) Error() string {
	return fmt.Sprintf("%s: timestamp %v is not after the previous frame's %v", e.Source, e.PTS, e.Previous)
}
