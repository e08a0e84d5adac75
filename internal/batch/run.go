package batch

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/livecam/livecam/internal/escape"
	"github.com/livecam/livecam/internal/runctl"
	"github.com/livecam/livecam/sink/jsonl"
	"github.com/livecam/livecam/timeline"
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
	// Resume skips the jobs that are done (Inspect) and refuses those
	// whose outputs exist but are not done, naming the file and why,
	// without running them; it says what it skipped before the batch
	// ("4 already done, 1 new"). false runs every job (-overwrite
	// redoes everything; the run function decides about existing
	// files).
	Resume bool
	// Hint is the advice of a refusal under Resume (default "pass
	// -overwrite to replace it").
	Hint string
	// Redo is the flag that redoes the jobs done before, named where
	// Resume skips one whose source ended early (default "-overwrite").
	Redo string
	// Table, when not nil, takes the end table (WriteTable): a row per
	// source, in the jobs' order.
	Table io.Writer
}

// ErrCutShort is Run's error when some source ended before its end
// without a signal (a damaged file), and none failed or was stopped:
// in this run, or, for a job Options.Resume skipped, in the run that did
// it (its closing line says so), so that a batch run again every night
// keeps saying it. Its ExitStatus is CutShortStatus.
var ErrCutShort error = cutShortError{}

// CutShortStatus is the exit status of a batch in which a source did not
// finish whole (ErrCutShort).
const CutShortStatus = 3

// cutShortError is ErrCutShort's type: an error with an exit status.
type cutShortError struct{}

// Error says that some sources ended early.
func (cutShortError) Error() string { return "some sources ended before their end" }

// ExitStatus is CutShortStatus.
func (cutShortError) ExitStatus() int { return CutShortStatus }

// EndedEarly is the error of a run of one source, outside a batch, that
// ended early (e, as Summary.Ended has it): it says where and why
// ("corrupt.mp4 ended early at 0:04.9 of 0:24.0: damaged file"), is
// ErrCutShort (errors.Is) and has its exit status, so that one damaged
// file ends as it does in a batch. It is nil for a whole source.
func EndedEarly(src string, e jsonl.Ending) error {
	if !e.Early {
		return nil
	}
	return endedEarlyError(Printable(src) + " " + strings.Replace(e.String(), "ended ", "ended early ", 1))
}

// endedEarlyError is EndedEarly's error: its message.
type endedEarlyError string

// Error says where and why the source ended.
func (e endedEarlyError) Error() string { return string(e) }

// ExitStatus is CutShortStatus.
func (endedEarlyError) ExitStatus() int { return CutShortStatus }

// Is reports ErrCutShort as its kind.
func (endedEarlyError) Is(target error) bool { return target == ErrCutShort }

// Summary is what one source's run tells the batch, for its row of the
// end table (RunEach).
type Summary struct {
	// Frames is the number of frames processed.
	Frames int64
	// Duration is the time of the source they cover.
	Duration time.Duration
	// Seen is the label in view the longest, "" when none.
	Seen string
	// Ended says whether the source ended before its end without a
	// signal, where and why ("ended at 0:04.9 of 0:24.0: damaged
	// file"); its zero value is a whole run. With a nil error, a source
	// that ended early is "cut short", not done.
	Ended jsonl.Ending
}

// Run runs each job in turn with run, printing a line per source; a
// source that fails is reported and the next one starts. A stop signal
// ends the batch: the source in hand stops (run returns a
// *runctl.StopError, its outputs keeping their partial names: nothing
// cut short passes for whole, and a rerun does it again) and no other
// starts; Run then returns a *runctl.StopError. A full disk
// (runctl.IsDiskFull) ends the batch as well: no source is started after
// it, and Run returns ErrDiskFull. Otherwise Run returns ErrFailed when a
// source failed, nil when every one was done. It is RunEach for a run
// function that returns no Summary.
func Run(jobs []Job, run func(Job) error, o Options) error {
	return RunEach(jobs, func(j Job) (Summary, error) { return Summary{}, run(j) }, o)
}

// RunEach is Run for a run function that says what it did (Summary),
// for the end table (Options.Table); with Options.Resume the jobs that
// are done are skipped. A source whose Summary says it ended early is
// "cut short": when no source failed or was stopped, RunEach returns
// ErrCutShort, and so it does when a job it skipped had ended early.
func RunEach(jobs []Job, run func(Job) (Summary, error), o Options) error {
	o = o.withDefaults()
	if o.Signals == nil {
		sigs := make(chan os.Signal, 1)
		signal.Notify(sigs, runctl.StopSignals...)
		defer signal.Stop(sigs)
		o.Signals = sigs
	}
	t := tally{o: o, start: o.Now(), rows: make([]Row, len(jobs)), skipped: Skipped{Redo: o.Redo}}
	todo := t.resume(jobs)
	t.total = len(todo)
	for n, i := range todo {
		j := jobs[i]
		if t.ended(len(todo) - n) {
			for _, k := range todo[n:] {
				t.rows[k] = Row{Source: Printable(jobs[k].Source), Status: "not started"}
			}
			break
		}
		t0 := o.Now()
		o.Logf("[%d/%d] %s", n+1, len(todo), Printable(j.Source))
		var sum Summary
		var err error
		if t.refused[i] != nil {
			err = t.refused[i]
		} else {
			sum, err = run(j)
		}
		t.record(n, i, j, sum, err, o.Now().Sub(t0))
	}
	// A signal while the last source finished: a stop too, when not
	// every source was done.
	t.interrupted = t.interrupted || runctl.StopRequested(o.Signals)
	if o.Table != nil {
		WriteTable(o.Table, t.rows)
	}
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
	if o.Hint == "" {
		o.Hint = "pass -overwrite to replace it"
	}
	if o.Redo == "" {
		o.Redo = "-overwrite"
	}
	return o
}

// tally counts how a batch's sources ended.
type tally struct {
	o                     Options
	total                 int // the jobs to run
	start                 time.Time
	done, failed, stopped int
	short                 int
	skipped               Skipped // the jobs done before (Options.Resume)
	interrupted, diskFull bool
	rows                  []Row
	refused               map[int]error // jobs whose outputs stand in the way
}

// resume returns the indexes of the jobs to run: all of them, or with
// Options.Resume those not done (the others' rows say they were
// skipped); it says what it skipped, and notes the jobs whose outputs
// stand in the way (Inspect), which fail when their turn comes.
func (t *tally) resume(jobs []Job) []int {
	t.refused = map[int]error{}
	var todo []int
	for i, j := range jobs {
		if !t.o.Resume {
			todo = append(todo, i)
			continue
		}
		f, err := Inspect(j)
		switch {
		case err != nil:
			t.refused[i] = err
		case f.Done:
			t.skipped.Add(j, f)
			t.rows[i] = Row{Source: Printable(j.Source), Frames: f.End.Frames, Duration: f.End.Duration,
				Status: "skipped: already done", Seen: escape.Control(f.End.Seen)}
			if f.End.Ended.Early {
				t.rows[i].Status = "skipped: " + endedStatus(f.End.Ended)
			}
			continue
		case f.Unfinished != "":
			t.refused[i] = &unfinishedError{path: f.Unfinished, why: f.Why, hint: t.o.Hint}
		}
		todo = append(todo, i)
	}
	if t.skipped.N > 0 || len(t.refused) > 0 {
		line := fmt.Sprintf("%v, %d new", t.skipped, len(todo)-len(t.refused))
		if len(t.refused) > 0 {
			line += fmt.Sprintf(", %d in the way (their outputs exist, unfinished)", len(t.refused))
		}
		t.o.Logf("%s", line)
	}
	return todo
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

// record prints how the n-th job run, jobs[i], ended, counts it, and
// makes its row.
func (t *tally) record(n, i int, j Job, sum Summary, err error, took time.Duration) {
	at := fmt.Sprintf("[%d/%d] %s", n+1, t.total, Printable(j.Source))
	row := Row{Source: Printable(j.Source), Frames: sum.Frames, Duration: sum.Duration, Took: took, Seen: escape.Control(sum.Seen)}
	var se *runctl.StopError
	var ue *unfinishedError
	switch {
	case errors.As(err, &se):
		t.stopped++
		row.Status = strings.TrimSpace("stopped " + se.At)
		t.o.Logf("%s: stopped %s by a signal (not done: a rerun does it again)", at, se.At)
	case errors.As(err, &ue):
		t.failed++
		row.Status = "failed: exists, not finished"
		t.o.Logf("%s: FAILED: %s", at, escape.Control(err.Error())) // its own advice: not Explain's
	case err != nil:
		t.failed++
		why := "FAILED"
		row.Status = "failed: " + escape.Control(firstLine(strings.TrimPrefix(err.Error(), j.Source+": ")))
		if runctl.IsDiskFull(err) {
			t.diskFull = true
			why = "FAILED (disk full)"
			row.Status = "failed: disk full"
		}
		t.o.Logf("%s: %s: %s", at, why, escape.Control(t.o.Explain(err).Error()))
	case sum.Ended.Early:
		t.short++
		row.Status = endedStatus(sum.Ended)
		t.o.Logf("%s: CUT SHORT: %s (%.1fs) -> %s", at, escape.Control(sum.Ended.String()), took.Seconds(), quotedList(j.Out, j.Results, j.Events, j.Report))
	default:
		t.done++
		row.Status = "done"
		t.o.Logf("%s: done in %.1fs -> %s", at, took.Seconds(), quotedList(j.Out, j.Results, j.Events, j.Report))
	}
	t.rows[i] = row
}

// endedStatus is a source that ended early as the end table's status
// column says it, short enough to fit: why, then where ("damaged file
// at 0:04.9 of 0:24.0"); the time it covers is in the duration column.
func endedStatus(e jsonl.Ending) string {
	s := cmp.Or(e.Reason, "ended early") + " at " + timeline.Clock(e.At)
	if e.Of > 0 {
		s += " of " + timeline.Clock(e.Of)
	}
	return escape.Control(s)
}

// firstLine is s up to its first line break: a failure's reason for
// the table (its source's name taken off its front).
func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// summary prints the batch's last line.
func (t *tally) summary() {
	var b strings.Builder
	switch {
	case t.skipped.N > 0 && t.total == 0:
		fmt.Fprintf(&b, "nothing new: all %d sources were done already%s", t.skipped.N, t.skipped.early(" (", ")"))
	case t.skipped.N > 0:
		fmt.Fprintf(&b, "%d of %d new sources done in %.1fs (%d already done%s)", t.done, t.total, t.o.Now().Sub(t.start).Seconds(), t.skipped.N, t.skipped.early(", ", ""))
	default:
		fmt.Fprintf(&b, "%d of %d sources done in %.1fs", t.done, t.total, t.o.Now().Sub(t.start).Seconds())
	}
	if t.short > 0 {
		fmt.Fprintf(&b, ", %d cut short", t.short)
	}
	if t.stopped > 0 {
		fmt.Fprintf(&b, ", %d stopped by signal", t.stopped)
	}
	if t.failed > 0 {
		fmt.Fprintf(&b, ", %d failed", t.failed)
	}
	if rest := t.total - t.done - t.short - t.failed - t.stopped; rest > 0 {
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
	case t.stopped > 0 || t.interrupted && t.done+t.short < t.total:
		return &runctl.StopError{}
	case t.diskFull:
		return ErrDiskFull
	case t.failed > 0:
		return ErrFailed
	case t.short > 0 || len(t.skipped.Early) > 0:
		return ErrCutShort
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
