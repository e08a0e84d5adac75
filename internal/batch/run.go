package batch

import (
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/livecam/livecam/internal/escape"
	"github.com/livecam/livecam/internal/runctl"
)

// ErrDiskFull is Run's error when the disk of the outputs filled up: no
// source was started after it.
var ErrDiskFull = errors.New("the disk of the outputs is full: the batch stopped")

// ErrFailed is Run's error when some sources failed: each was reported on
// its own line already.
var ErrFailed = errors.New("some sources failed")

// Options adjust Run. Every field may be left zero.
type Options struct {
	// Logf prints Run's lines, one per call: a source starting, how it
	// ended, the summary (default: nothing). Names and errors in them
	// are escaped already.
	Logf func(format string, args ...any)
	// Signals end the batch: a value received there is a stop, seen
	// before each source starts. nil: Run listens for
	// runctl.StopSignals itself for the whole batch, beside whatever
	// the run function listens for.
	Signals <-chan os.Signal
	// Explain adds the caller's advice to a failed source's error
	// ("pass -overwrite to replace it"); nil leaves errors as they are.
	Explain func(error) error
	// Now is the clock of the times Run prints (default time.Now).
	Now func() time.Time
}

// Run runs each job in turn with run, printing a line per source; a
// source that fails is reported and the next one starts. A stop signal
// ends the batch: the source in hand stops (run returns a
// *runctl.StopError, its outputs keeping their partial names: nothing
// cut short passes for whole, and a rerun does it again) and no other
// starts; Run then returns a *runctl.StopError. A full disk
// (runctl.IsDiskFull) ends the batch as well: no source is started after
// it, and Run returns ErrDiskFull. Otherwise Run returns ErrFailed when a
// source failed, nil when every one was done.
func Run(jobs []Job, run func(Job) error, o Options) error {
	o = o.withDefaults()
	if o.Signals == nil {
		sigs := make(chan os.Signal, 1)
		signal.Notify(sigs, runctl.StopSignals...)
		defer signal.Stop(sigs)
		o.Signals = sigs
	}
	t := tally{o: o, total: len(jobs), start: o.Now()}
	for i, j := range jobs {
		if t.ended(len(jobs) - i) {
			break
		}
		t0 := o.Now()
		o.Logf("[%d/%d] %s", i+1, len(jobs), Printable(j.Source))
		t.record(i, j, run(j), o.Now().Sub(t0))
	}
	// A signal while the last source finished: a stop too, when not
	// every source was done.
	t.interrupted = t.interrupted || runctl.StopRequested(o.Signals)
	t.summary()
	return t.err()
}

func (o Options) withDefaults() Options {
	if o.Logf == nil {
		o.Logf = func(string, ...any) {}
	}
	if o.Explain == nil {
		o.Explain = func(err error) error { return err }
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// tally counts how a batch's sources ended.
type tally struct {
	o                     Options
	total                 int
	start                 time.Time
	done, failed, stopped int
	interrupted, diskFull bool
}

// ended reports whether the batch ends before its next source: a stop
// signal came, or the disk is full. It says so, and how many sources
// were not started.
func (t *tally) ended(left int) bool {
	if runctl.StopRequested(t.o.Signals) {
		t.interrupted = true
	}
	if !t.interrupted && !t.diskFull {
		return false
	}
	why := "stopped by signal"
	if t.diskFull {
		why = "disk full"
	}
	t.o.Logf("%s; %d not started", why, left)
	return true
}

// record prints how job i ended, and counts it.
func (t *tally) record(i int, j Job, err error, took time.Duration) {
	at := fmt.Sprintf("[%d/%d] %s", i+1, t.total, Printable(j.Source))
	var se *runctl.StopError
	switch {
	case errors.As(err, &se):
		t.stopped++
		t.o.Logf("%s: stopped %s by a signal (not done: a rerun does it again)", at, se.At)
	case err != nil:
		t.failed++
		why := "FAILED"
		if runctl.IsDiskFull(err) {
			t.diskFull = true
			why = "FAILED (disk full)"
		}
		t.o.Logf("%s: %s: %s", at, why, escape.Control(t.o.Explain(err).Error()))
	default:
		t.done++
		t.o.Logf("%s: done in %.1fs -> %s", at, took.Seconds(), quotedList(j.Out, j.Results, j.Events, j.Report))
	}
}

// summary prints the batch's last line.
func (t *tally) summary() {
	var b strings.Builder
	fmt.Fprintf(&b, "%d of %d sources done in %.1fs", t.done, t.total, t.o.Now().Sub(t.start).Seconds())
	if t.stopped > 0 {
		fmt.Fprintf(&b, ", %d stopped by signal", t.stopped)
	}
	if t.failed > 0 {
		fmt.Fprintf(&b, ", %d failed", t.failed)
	}
	if rest := t.total - t.done - t.failed - t.stopped; rest > 0 {
		fmt.Fprintf(&b, ", %d not started", rest)
		if t.diskFull {
			b.WriteString(": disk full")
		}
	}
	t.o.Logf("%s", b.String())
}

// err is the batch's error (see Run).
func (t *tally) err() error {
	switch {
	case t.stopped > 0 || t.interrupted && t.done < t.total:
		return &runctl.StopError{}
	case t.diskFull:
		return ErrDiskFull
	case t.failed > 0:
		return ErrFailed
	}
	return nil
}

// quotedList lists a job's outputs for a message, "" left out, control
// characters escaped.
func quotedList(paths ...string) string {
	var q []string
	for _, p := range paths {
		if p != "" {
			q = append(q, escape.Control(p))
		}
	}
	return strings.Join(q, ", ")
}
