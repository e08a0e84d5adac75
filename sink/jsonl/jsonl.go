// Package jsonl writes livecam's results and events as JSON lines, one
// object per line, to a file, a pipe or standard output, without ever
// leaving half a line behind (see Writer): Results is the pipeline.Sink
// for per-frame results. The objects are package wire's messages (a
// classifier's "top" classes or a detector's "objects" per frame,
// events), each followed by a newline: an events file's line is
// append(wire.AppendEvent(line[:0], e), '\n') (wire.AppendObjectEvent
// for a detector's objects).
//
// A whole run's results file ends with a closing line, written last, just
// before the file moves into place (WriteEnd):
// {"end":{"frames":N,"duration_ms":D,"complete":true,"source":"...","seen":"..."}}.
// No per-frame line has the key "end": readers skip the closing line
// (IsEnd), and a file without one is not a finished run's (ReadEnd).
package jsonl

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"syscall"
	"time"

	"github.com/livecam/livecam/pipeline"
	"github.com/livecam/livecam/sink/outfile"
)

// Writer writes JSON lines to a file, a pipe or standard output, safely:
// lines are handed to a writer goroutine that writes whole lines only, at
// least every FlushEvery, so that a reader following the output, or a file
// left by a crash, holds only complete lines, none older than that.
//
// A file is created (under a partial name, see package outfile) with the
// first line and renamed into place by Close; a run that writes nothing
// creates nothing. A pipe or FIFO whose reader goes away, or takes nothing
// for StallTimeout, ends the output with an error wrapping
// pipeline.ErrOutputEnded; Close is never held up by a reader for longer
// than CloseTimeout. A Writer is used from one goroutine at a time.
type Writer struct {
	name  string
	open  func() (io.Writer, error) // called on the first line
	file  *outfile.File             // set by open for a file
	close func() error              // set by open for what else is to be closed

	mu      sync.Mutex
	cond    *sync.Cond // signalled when pending is taken or the writer ends
	pending []byte     // complete lines not yet written
	spare   []byte     // the writer goroutine's buffer
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

// NewWriter writes lines to w, named name in messages. w is not closed:
// it belongs to the caller.
func NewWriter(w io.Writer, name string) *Writer {
	return newWriter(name, func() (io.Writer, error) { return w, nil })
}

// Create returns a Writer for path ("-" is standard output). The path is
// checked at once (its folder must be writable, an existing file needs
// opts.Overwrite), but the file is created only with the first line.
func Create(path string, opts outfile.Options) (*Writer, error) {
	if path == "-" {
		r := newWriter("standard output", nil)
		r.open = func() (io.Writer, error) {
			w, closer := openStdout()
			r.close = closer
			return w, nil
		}
		return r, nil
	}
	if err := outfile.Check(nil, []outfile.Target{{Path: path}}, opts.Overwrite); err != nil {
		return nil, err
	}
	r := newWriter(path, nil)
	r.open = func() (io.Writer, error) {
		f, err := outfile.CreateWith(path, opts)
		if err != nil {
			return nil, err
		}
		r.file = f
		return f, nil
	}
	return r, nil
}

func newWriter(name string, open func() (io.Writer, error)) *Writer {
	r := &Writer{name: name, open: open,
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

// WriteLine queues one line, which must end with its newline. Once the
// output has ended it returns the reason once (an error wrapping
// pipeline.ErrOutputEnded for a reader that went away), then nil.
func (r *Writer) WriteLine(line []byte) error {
	if r.w == nil && r.ended == nil {
		w, err := r.open()
		if err != nil {
			return r.openFailed(err)
		}
		r.w = w
		go r.writer()
	}
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
	r.pending = append(r.pending, line...)
	if len(r.pending) >= 64<<10 {
		select {
		case r.kick <- struct{}{}:
		default:
		}
	}
	return nil
}

func (r *Writer) openFailed(err error) error {
	if errors.Is(err, syscall.ENXIO) { // a FIFO nobody has open for reading
		r.ended = fmt.Errorf("%s: nobody is reading this FIFO: %w", r.name, pipeline.ErrOutputEnded)
		r.told = true
		return r.ended
	}
	return fmt.Errorf("cannot write the results file: %w", err)
}

// writer writes the pending lines every FlushEvery, sooner when much is
// pending, until Close.
func (r *Writer) writer() {
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
func (r *Writer) flush(timeout time.Duration) bool {
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
	began := time.Now()
	_, err := r.w.Write(r.spare)
	if err == nil {
		return true
	}
	switch {
	case errors.Is(err, syscall.EPIPE):
		err = fmt.Errorf("%s: the reader closed it: %w", r.name, pipeline.ErrOutputEnded)
	case errors.Is(err, os.ErrDeadlineExceeded):
		err = fmt.Errorf("%s: the reader took nothing for %v: %w", r.name, time.Since(began).Round(time.Second), pipeline.ErrOutputEnded)
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

// Close writes the lines still pending (waiting at most CloseTimeout for a
// pipe's reader) and finishes the file: it is renamed into place, or kept
// under its partial name when that is not possible; with an
// outfile.Group in the options, the group decides (see outfile.Group).
func (r *Writer) Close() error {
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
	// An output that ended without WriteLine having said so (a reader
	// that stalled or left during the last lines) is reported here, as
	// an error wrapping pipeline.ErrOutputEnded: lines were lost.
	return err
}
