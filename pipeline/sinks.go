package pipeline

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"unicode/utf8"

	"gocv.io/x/gocv"
)

// VideoSink writes the frames it receives to a video file of the source's
// size and frame rate. The codec follows the file's extension: .mp4, .m4v
// and .mov get MPEG-4 Part 2 ("mp4v"), .avi Motion JPEG, .mkv XVID.
//
// OpenCV's writer reports no write errors, so the sink watches the free
// space of the file's filesystem itself: when it falls below what the
// next frames and the file's index need, Write fails with ErrDiskFull
// before the disk is full, and Close can still finish a playable file.
type VideoSink struct {
	path   string
	w      *gocv.VideoWriter
	frames int
	// size of the file when space was last checked, and the largest
	// growth seen between checks.
	lastSize, maxGrowth int64
}

// ErrDiskFull reports an output whose filesystem is about to run out of
// space.
var ErrDiskFull = errors.New("disk (nearly) full")

// spaceCheckEvery is how many frames pass between free-space checks.
const spaceCheckEvery = 10

// NewVideoSink checks that path can be written (its folder exists, the file
// can be created) and returns a sink that opens the writer on the first
// frame, when the size is known.
func NewVideoSink(path string) (*VideoSink, error) {
	codec := codecFor(path)
	if codec == "" {
		return nil, fmt.Errorf("%s: unknown video extension (use .mp4, .avi, .mkv, .mov or .m4v)", path)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return nil, fmt.Errorf("cannot write the output video: %w", err)
	}
	f.Close()
	return &VideoSink{path: path}, nil
}

func codecFor(path string) string {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".mp4", ".m4v", ".mov":
		return "mp4v"
	case ".avi":
		return "MJPG"
	case ".mkv":
		return "XVID"
	}
	return ""
}

// Write appends one frame.
func (v *VideoSink) Write(o *Output) error {
	if v.w == nil {
		fps := o.Source.FPS
		if fps <= 0 {
			fps = 30
		}
		w, err := gocv.VideoWriterFile(v.path, codecFor(v.path), fps, o.Image.Cols(), o.Image.Rows(), true)
		if err != nil || !w.IsOpened() {
			if w != nil {
				w.Close()
			}
			return fmt.Errorf("%s: cannot open a video writer (%s, %dx%d at %.3g fps)", v.path, codecFor(v.path), o.Image.Cols(), o.Image.Rows(), fps)
		}
		v.w = w
	}
	if v.frames%spaceCheckEvery == 0 {
		if err := v.checkSpace(); err != nil {
			return err
		}
	}
	if err := v.w.Write(o.Image); err != nil {
		return fmt.Errorf("%s: %w", v.path, err)
	}
	v.frames++
	return nil
}

// checkSpace fails when the free space is less than twice the largest
// growth of the file between two checks, plus room for the index that
// Close writes: 1 MiB and 32 bytes a frame (an MP4 index holds a few
// entries per frame).
func (v *VideoSink) checkSpace() error {
	if st, err := os.Stat(v.path); err == nil {
		v.maxGrowth = max(v.maxGrowth, st.Size()-v.lastSize)
		v.lastSize = st.Size()
	}
	free, err := freeBytes(filepath.Dir(v.path))
	if err != nil {
		return nil // no way to tell: carry on
	}
	if need := 2*v.maxGrowth + 1<<20 + 32*int64(v.frames); free < need {
		return fmt.Errorf("%s: %w: %d KiB free, the next frames need about %d KiB; stopping with %d frames written",
			v.path, ErrDiskFull, free>>10, need>>10, v.frames)
	}
	return nil
}

// Frames returns the number of frames written.
func (v *VideoSink) Frames() int { return v.frames }

// Close finalises the file (writes its index), so that it stays playable.
func (v *VideoSink) Close() error {
	if v.w == nil {
		return nil
	}
	err := v.w.Close()
	v.w = nil
	if err != nil {
		return fmt.Errorf("%s: %w", v.path, err)
	}
	return nil
}

// ResultsSink writes one JSON object per frame, a line each:
//
//	{"frame":12,"pts_ms":400.0,"top":[{"class":281,"label":"tabby, tabby cat","score":0.87}],"latency_ms":9.8,"dropped":0}
//
// Lines are built in a reused buffer (nothing is allocated per frame) and
// written whole; with Flush set every line is flushed at once, for a
// reader that follows the stream live.
type ResultsSink struct {
	w      *bufio.Writer
	closer io.Closer
	buf    []byte
	// Flush writes each line through at once instead of buffering.
	Flush bool
	name  string
}

// NewResultsSink writes results to w; closer (may be nil) is closed with
// the sink.
func NewResultsSink(w io.Writer, closer io.Closer, name string) *ResultsSink {
	return &ResultsSink{w: bufio.NewWriterSize(w, 64<<10), closer: closer, buf: make([]byte, 0, 512), name: name}
}

// CreateResultsFile creates path ("-" is standard output) for a
// ResultsSink.
func CreateResultsFile(path string) (*ResultsSink, error) {
	if path == "-" {
		s := NewResultsSink(os.Stdout, nil, "standard output")
		s.Flush = true
		return s, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("cannot write the results file: %w", err)
	}
	return NewResultsSink(f, f, path), nil
}

// Write appends the frame's line.
func (r *ResultsSink) Write(o *Output) error {
	res := o.Result
	b := append(r.buf[:0], `{"frame":`...)
	b = strconv.AppendInt(b, res.Frame, 10)
	b = append(b, `,"pts_ms":`...)
	b = strconv.AppendFloat(b, float64(res.PTS.Microseconds())/1000, 'f', 1, 64)
	b = append(b, `,"top":[`...)
	for i, t := range res.Top() {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"class":`...)
		b = strconv.AppendInt(b, int64(t.Class), 10)
		b = append(b, `,"label":`...)
		b = appendJSONString(b, t.Label)
		b = append(b, `,"score":`...)
		b = strconv.AppendFloat(b, float64(t.Score), 'f', 4, 32)
		b = append(b, '}')
	}
	b = append(b, `],"inferred":`...)
	b = strconv.AppendBool(b, res.Inferred)
	b = append(b, `,"latency_ms":`...)
	b = strconv.AppendFloat(b, float64(res.Latency.Microseconds())/1000, 'f', 1, 64)
	b = append(b, `,"dropped":`...)
	b = strconv.AppendInt(b, res.Dropped, 10)
	b = append(b, "}\n"...)
	r.buf = b
	if _, err := r.w.Write(b); err != nil {
		return fmt.Errorf("%s: %w", r.name, err)
	}
	if r.Flush {
		if err := r.w.Flush(); err != nil {
			return fmt.Errorf("%s: %w", r.name, err)
		}
	}
	return nil
}

// Close flushes the lines still buffered and closes the file.
func (r *ResultsSink) Close() error {
	err := r.w.Flush()
	if r.closer != nil {
		err = errors.Join(err, r.closer.Close())
	}
	if err != nil {
		return fmt.Errorf("%s: %w", r.name, err)
	}
	return nil
}

// appendJSONString appends s as a JSON string literal.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c < 0x20:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&15])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			b = append(b, `\ufffd`...)
		} else {
			b = append(b, s[i:i+n]...)
		}
		i += n
	}
	return append(b, '"')
}

// SinkFunc adapts a function to a Sink with nothing to close.
type SinkFunc func(o *Output) error

// Write calls f.
func (f SinkFunc) Write(o *Output) error { return f(o) }

// Close does nothing.
func (f SinkFunc) Close() error { return nil }
