// Package runctl is the stop and exit policy of a livecam command-line run:
//
//   - the first stop signal (Ctrl-C, kill, a closed terminal or ssh
//     session, Ctrl-\) cancels the run's context, so that the pipeline
//     finishes the frames already read and completes its outputs;
//   - a second one quits at once, with status 130;
//   - a signal after the run, while its reports are written, lets them
//     finish and counts as a stop (Control.Finishing);
//   - a file source that a signal cut short ends with a *StopError
//     (status 130): its outputs keep their partial names;
//   - a full disk (IsDiskFull, by the errors' identity) ends a batch;
//   - a video that ends early because it is damaged, after some of its
//     frames were processed, is a warning, not a failure.
package runctl

import (
	"context"
	"errors"
	"os"
	"os/signal"
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/livecam/livecam/pipeline"
)

// StopSignals stop a run cleanly: Ctrl-C, kill, a closed terminal or ssh
// session, and Ctrl-\ (which would otherwise print a goroutine dump).
var StopSignals = []os.Signal{os.Interrupt, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT}

// QuitStatus is the exit status after a second stop signal.
const QuitStatus = 130

// Options adjust Start. Every field may be left zero.
type Options struct {
	// Signals stop the run (default StopSignals).
	Signals []os.Signal
	// Logf reports what happens (default: nothing).
	Logf func(format string, args ...any)
	// Exit ends the process after a second signal (default os.Exit).
	Exit func(status int)
}

// Control listens for stop signals during one run.
type Control struct {
	opts        Options
	sigs        chan os.Signal
	interrupted atomic.Bool
	done        chan struct{}
	wg          sync.WaitGroup
}

// Start listens for the stop signals and returns a context that the first
// one cancels. Call Stop when the run is over.
func Start(parent context.Context, opts Options) (context.Context, *Control) {
	if opts.Signals == nil {
		opts.Signals = StopSignals
	}
	if opts.Logf == nil {
		opts.Logf = func(string, ...any) {}
	}
	if opts.Exit == nil {
		opts.Exit = os.Exit
	}
	ctx, cancel := context.WithCancel(parent)
	c := &Control{opts: opts, sigs: make(chan os.Signal, 2), done: make(chan struct{})}
	signal.Notify(c.sigs, opts.Signals...)
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		defer cancel()
		select {
		case sig := <-c.sigs:
			c.interrupted.Store(true)
			opts.Logf("%v: stopping: finishing the frames already read (interrupt again to quit at once)", sig)
			cancel()
		case <-c.done:
			return
		}
		select {
		case <-c.sigs:
			c.quit()
		case <-c.done:
		}
	}()
	return ctx, c
}

func (c *Control) quit() {
	c.opts.Logf("interrupted twice, quitting")
	c.opts.Exit(QuitStatus)
}

// Interrupted reports whether a stop signal arrived.
func (c *Control) Interrupted() bool { return c.interrupted.Load() }

// Stop stops listening. A second signal that arrived while the run was
// finishing still quits.
func (c *Control) Stop() {
	signal.Stop(c.sigs)
	close(c.done)
	c.wg.Wait()
	if c.interrupted.Load() {
		select {
		case <-c.sigs:
			c.quit()
		default:
		}
	}
}

// Outcome decides what a run's error means for the user: a source that
// ended early (pipeline.ErrTruncated) after frames were written is a
// warning (returned as such) and the run succeeds; anything else is
// returned as the error.
func Outcome(err error, framesOut int64) (warning, failure error) {
	if err != nil && framesOut > 0 && onlyTruncated(err) {
		return err, nil
	}
	return nil, err
}

// onlyTruncated reports whether err, and every error joined in it, is a
// source that ended early.
func onlyTruncated(err error) bool {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range j.Unwrap() {
			if !onlyTruncated(e) {
				return false
			}
		}
		return true
	}
	var se *pipeline.SourceError
	return errors.As(err, &se) && errors.Is(err, pipeline.ErrTruncated)
}
