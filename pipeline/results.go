package pipeline

import (
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/livecam/livecam/pipeline/outfile"
)

// ErrOutputEnded marks a Sink error that ends that output only: its reader
// went away (a closed pipe) or stopped reading. The pipeline reports it,
// stops writing to that sink and goes on with the others.
var ErrOutputEnded = errors.New("output ended")

// FileOptions adjust how a sink creates its file.
type FileOptions struct {
	// Overwrite lets the sink replace an existing file when it finishes.
	// Without it an existing file is an error at creation, and one that
	// appears during the run is left alone (the output stays under its
	// partial name).
	Overwrite bool
}

// ResultsSink writes one JSON object per frame, a line each:
//
//	{"frame":12,"pts_ms":400.0,"top":[{"class":281,"label":"tabby, tabby cat","score":0.87}],"inferred":true,"latency_ms":9.8,"dropped":0}
//
// pts_ms is the frame's time in the container (files) or since the source
// opened (live sources). A frame whose own size differs from the source's
// (a stream that changed resolution) adds "size":[width,height].
//
// Lines are built in a reused buffer (nothing is allocated per frame) and
// handed to a writer goroutine that writes whole lines only, at least
// every FlushEvery, so that a reader following the output, or a file left
// by a crash, holds only complete lines, none older than that.
//
// A file is created (under a partial name, see package outfile) on the
// first line and renamed into place by Close; a run that writes nothing
// creates nothing. A pipe or FIFO whose reader goes away, or takes nothing
// for StallTimeout, ends this output with an error wrapping
// ErrOutputEnded; the stop is never held up by a reader for longer than
// CloseTimeout.
type ResultsSink struct {
	name  string
	open  func() (io.Writer, error) // called on the first line
	file  *outfile.File             // set by open for a file
	close func() error              // set by open for what else is to be closed

	mu      sync.Mutex
	cond    *sync.Cond // signalled when pending is taken or the writer ends
	pending []byte     // complete lines not yet written
	spare   []byte     // the writer goroutine's buffer
	line    []byte
	w       io.Writer
	ended   error // why the output ended (reported once by Write)
	told    bool
	closing bool // Close has begun: writes must end by closeBy
	closeBy time.Time
	kick    chan struct{}
	stop    chan struct{}
	stopped chan struct{}
}

// FlushEvery is how long a complete line may wait before it is written.
const FlushEvery = 500 * time.Millisecond

// StallTimeout ends a pipe output whose reader takes nothing for this long.
const StallTimeout = 5 * time.Second

// CloseTimeout bounds how long Close waits for a pipe's reader.
const CloseTimeout = time.Second

// maxPending is how much Write buffers before it waits for the writer.
const maxPending = 4 << 20

// NewResultsSink writes results to w, named name in messages. w is not
// closed: it belongs to the caller.
func NewResultsSink(w io.Writer, name string) *ResultsSink {
	return newResultsSink(name, func() (io.Writer, error) { return w, nil })
}

// CreateResultsFile returns a sink for path ("-" is standard output). The
// path is checked at once (its folder must be writable, an existing file
// needs opts.Overwrite), but the file is created only with the first line.
func CreateResultsFile(path string, opts FileOptions) (*ResultsSink, error) {
	if path == "-" {
		r := newResultsSink("standard output", nil)
		r.open = func() (io.Writer, error) {
			w, closer := openStdout()
			r.close = closer
			return w, nil
		}
		return r, nil
	}
	if err := outfile.Check(nil, []outfile.Target{{Path: path, Flag: "results"}}, opts.Overwrite); err != nil {
		return nil, err
	}
	r := newResultsSink(path, nil)
	r.open = func() (io.Writer, error) {
		f, err := outfile.Create(path, opts.Overwrite)
		if err != nil {
			return nil, err
		}
		r.file = f
		return f, nil
	}
	return r, nil
}

func newResultsSink(name string, open func() (io.Writer, error)) *ResultsSink {
	r := &ResultsSink{name: name, open: open, line: make([]byte, 0, 512),
		pending: make([]byte, 0, 64<<10), spare: make([]byte, 0, 64<<10),
		kick: make(chan struct{}, 1), stop: make(chan struct{}), stopped: make(chan struct{})}
	r.cond = sync.NewCond(&r.mu)
	return r
}

// openStdout returns standard output; when it is a pipe, a non-blocking
// copy of it (and the function that closes the copy), so that a reader
// that stops reading cannot hold livecam.
func openStdout() (io.Writer, func() error) {
	st, err := os.Stdout.Stat()
	if err != nil || st.Mode()&os.ModeNamedPipe == 0 {
		return os.Stdout, nil
	}
	fd, err := syscall.Dup(int(os.Stdout.Fd()))
	if err != nil {
		return os.Stdout, nil
	}
	syscall.CloseOnExec(fd)
	if err := syscall.SetNonblock(fd, true); err != nil {
		syscall.Close(fd)
		return os.Stdout, nil
	}
	f := os.NewFile(uintptr(fd), "standard output")
	return f, f.Close
}

// Write appends the frame's line.
func (r *ResultsSink) Write(o *Output) error {
	if r.w == nil && r.ended == nil {
		w, err := r.open()
		if err != nil {
			return r.openFailed(err)
		}
		r.w = w
		go r.writer()
	}
	r.line = AppendResultJSON(r.line[:0], o.Result)
	r.mu.Lock()
	defer r.mu.Unlock()
	for len(r.pending) > maxPending && r.ended == nil {
		r.cond.Wait() // the reader is slow: wait for it (not longer than StallTimeout)
	}
	if r.ended != nil {
		if r.told {
			return nil
		}
		r.told = true
		return r.ended
	}
	r.pending = append(r.pending, r.line...)
	if len(r.pending) >= 64<<10 {
		select {
		case r.kick <- struct{}{}:
		default:
		}
	}
	return nil
}

func (r *ResultsSink) openFailed(err error) error {
	if errors.Is(err, syscall.ENXIO) { // a FIFO nobody has open for reading
		r.ended = fmt.Errorf("%s: nobody is reading this FIFO: %w", r.name, ErrOutputEnded)
		r.told = true
		return r.ended
	}
	return fmt.Errorf("cannot write the results file: %w", err)
}

// AppendResultJSON appends res as one JSON line (with its newline) to b.
// Scores that are not finite are written as null, so the line stays JSON.
func AppendResultJSON(b []byte, res *Result) []byte {
	b = append(b, `{"frame":`...)
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
		if s := float64(t.Score); math.IsNaN(s) || math.IsInf(s, 0) {
			b = append(b, "null"...)
		} else {
			b = strconv.AppendFloat(b, s, 'f', 4, 32)
		}
		b = append(b, '}')
	}
	b = append(b, `],"inferred":`...)
	b = strconv.AppendBool(b, res.Inferred)
	b = append(b, `,"latency_ms":`...)
	b = strconv.AppendFloat(b, float64(res.Latency.Microseconds())/1000, 'f', 1, 64)
	b = append(b, `,"dropped":`...)
	b = strconv.AppendInt(b, res.Dropped, 10)
	if res.Width > 0 {
		b = append(b, `,"size":[`...)
		b = strconv.AppendInt(b, int64(res.Width), 10)
		b = append(b, ',')
		b = strconv.AppendInt(b, int64(res.Height), 10)
		b = append(b, ']')
	}
	return append(b, "}\n"...)
}

// writer writes the pending lines every FlushEvery, sooner when much is
// pending, until Close.
func (r *ResultsSink) writer() {
	defer close(r.stopped)
	tick := time.NewTicker(FlushEvery)
	defer tick.Stop()
	for {
		select {
		case <-r.stop:
			return
		case <-tick.C:
		case <-r.kick:
		}
		if !r.flush(StallTimeout) {
			return
		}
	}
}

// flush writes what is pending, giving a pipe's reader until timeout; it
// returns false once the output has ended.
func (r *ResultsSink) flush(timeout time.Duration) bool {
	r.mu.Lock()
	if r.ended != nil {
		r.mu.Unlock()
		return false
	}
	r.pending, r.spare = r.spare[:0], r.pending
	r.cond.Broadcast()
	// The deadline is set under the lock, so that Close's shorter one
	// cannot be overtaken by this one.
	dl := time.Now().Add(timeout)
	if r.closing {
		dl = r.closeBy
	}
	setWriteDeadline(r.w, dl)
	r.mu.Unlock()
	if len(r.spare) == 0 {
		return true
	}
	_, err := r.w.Write(r.spare)
	if err == nil {
		return true
	}
	switch {
	case errors.Is(err, syscall.EPIPE):
		err = fmt.Errorf("%s: the reader closed it: %w", r.name, ErrOutputEnded)
	case errors.Is(err, os.ErrDeadlineExceeded):
		err = fmt.Errorf("%s: the reader took nothing for %v: %w", r.name, timeout, ErrOutputEnded)
	default:
		err = fmt.Errorf("%s: %w", r.name, err)
	}
	r.mu.Lock()
	r.ended = err
	r.cond.Broadcast()
	r.mu.Unlock()
	return false
}

// setWriteDeadline sets w's write deadline when it has one (pipes and
// FIFOs do, regular files do not: their writes do not stall).
func setWriteDeadline(w io.Writer, t time.Time) {
	if d, ok := w.(interface{ SetWriteDeadline(time.Time) error }); ok {
		d.SetWriteDeadline(t)
	}
}

// writeAll writes b, within timeout when w supports write deadlines.
func writeAll(w io.Writer, b []byte, timeout time.Duration) error {
	setWriteDeadline(w, time.Now().Add(timeout))
	_, err := w.Write(b)
	return err
}

// Close writes the lines still pending (waiting at most CloseTimeout for a
// pipe's reader) and finishes the file: it is renamed into place, or kept
// under its partial name when that is not possible.
func (r *ResultsSink) Close() error {
	if r.w == nil {
		return nil
	}
	// A write stuck on a reader that does not read gives up by closeBy.
	r.mu.Lock()
	r.closing, r.closeBy = true, time.Now().Add(CloseTimeout)
	setWriteDeadline(r.w, r.closeBy)
	r.mu.Unlock()
	close(r.stop)
	<-r.stopped
	r.flush(CloseTimeout)
	var err error
	r.mu.Lock()
	if r.ended != nil && !r.told {
		err = r.ended
	}
	r.mu.Unlock()
	if r.file != nil {
		err = errors.Join(err, r.file.Commit())
	}
	if r.close != nil {
		r.close()
	}
	r.w = nil
	if errors.Is(err, ErrOutputEnded) {
		return nil // reported, or a reader that left at the very end
	}
	return err
}
