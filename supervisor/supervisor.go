// Package supervisor runs many cameras at once. Start opens each camera
// once; Run runs those that opened, each on its own goroutine, and keeps
// trying the live ones that did not (a network camera away when the
// program starts), waiting longer each time, as a pipeline does for a
// camera lost while running (250 ms, doubling up to Options.Reconnect),
// until they open or the run ends. A camera that fails does not stop the
// others; Run says how each one went.
//
// The runner is anything with Run(ctx) error, a *pipeline.Pipeline for
// one: Camera and Outcome are generic in it, so a program gets its own
// type back, with what it needs to report on the run, without type
// assertions.
package supervisor

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/livecam/livecam/internal/backoff"
	"github.com/livecam/livecam/internal/escape"
	"github.com/livecam/livecam/internal/redact"
)

// Runner is what an opened camera runs until ctx ends or it fails; a
// *pipeline.Pipeline is one.
type Runner interface {
	Run(ctx context.Context) error
}

// Camera is one camera the supervisor keeps.
type Camera[R Runner] struct {
	// Name names the camera in messages and in its Outcome.
	Name string
	// Live says a failed open may succeed later (a camera, a stream:
	// see source.IsLive): with Options.Reconnect set, it is tried again.
	Live bool
	// Open prepares the camera's run. It is called once by Start, then
	// again after each wait while a live camera cannot be opened, from
	// one goroutine at a time for a given camera (different cameras'
	// Opens and Runs may run at once).
	Open func() (R, error)
}

// Options adjust Start and Run; the zero value tries nothing again and
// logs nothing.
type Options struct {
	// Reconnect is the most time between two attempts to open a live
	// camera: 250 ms after the first, doubling up to Reconnect. 0 tries
	// nothing again.
	Reconnect time.Duration
	// Logf, when set, hears of cameras not open yet and of each attempt:
	// "door: still cannot open (attempt 3): ...". Errors in these
	// messages have the credentials of URLs redacted, and names and
	// errors their control characters escaped.
	Logf func(format string, args ...any)
	// After is the clock that times the waits (nil: time.After); tests
	// pass a fake one.
	After func(time.Duration) <-chan time.Time
}

// Outcome is how one camera's run went.
type Outcome[R Runner] struct {
	Name   string
	Runner R    // the camera's runner: the zero R when it never opened
	Opened bool // whether Open ever succeeded (and Runner ran)
	// Err is the error Runner.Run returned; for a camera that never
	// opened, the last error of Open.
	Err      error
	Took     time.Duration // how long Runner.Run ran
	Attempts int           // calls of Open
}

// ErrNoCamera is Start's error when no camera opened and none will be
// tried again.
var ErrNoCamera = errors.New("no camera could be opened")

// Supervisor holds the cameras of one run: those opened, those to try
// again, and those that failed for good.
type Supervisor[R Runner] struct {
	cams     []Camera[R]
	opts     Options
	schedule backoff.Schedule
	outs     []Outcome[R] // by camera; Run's goroutine i owns outs[i]
	retry    []bool       // by camera: Run tries it again
	failed   []Outcome[R] // failed for good at Start, in order
	once     sync.Once
	ran      []Outcome[R]
}

// Start opens each camera once, in order. A live camera that cannot be
// opened is logged ("door: cannot open yet: ...") and left for Run to try
// again; any other that cannot be opened has failed for good (Failed
// lists them). Start returns ErrNoCamera, with the Supervisor still
// usable to say why, when no camera opened and none will be tried again.
// A Camera without Open fails with an error saying so.
func Start[R Runner](cams []Camera[R], opts Options) (*Supervisor[R], error) {
	s := &Supervisor[R]{cams: cams, opts: opts, schedule: backoff.Reconnect(opts.Reconnect),
		outs: make([]Outcome[R], len(cams)), retry: make([]bool, len(cams))}
	for i, c := range cams {
		o := &s.outs[i]
		o.Name, o.Attempts = c.Name, 1
		r, err := open(c)
		switch {
		case err == nil:
			o.Runner, o.Opened = r, true
		case c.Live && opts.Reconnect > 0:
			o.Err, s.retry[i] = err, true
			s.logf("%s: cannot open yet: %s; trying again, backing off up to %v", escape.Control(c.Name), shown(err), opts.Reconnect)
		default:
			o.Err = err
			s.failed = append(s.failed, *o)
		}
	}
	if len(s.failed) == len(cams) {
		return s, ErrNoCamera
	}
	return s, nil
}

// Failed returns the cameras that failed for good at Start, in order,
// each with its error.
func (s *Supervisor[R]) Failed() []Outcome[R] { return s.failed }

// Run runs every camera Start opened and tries again those it left,
// waiting by the schedule of Options.Reconnect, until each has run and
// returned, or ctx ends (a camera not open by then is not tried again).
// It returns one Outcome per camera not in Failed, in order. Run runs the
// cameras once: a second call returns the same outcomes.
func (s *Supervisor[R]) Run(ctx context.Context) []Outcome[R] {
	s.once.Do(func() {
		var wg sync.WaitGroup
		for i := range s.outs {
			if !s.outs[i].Opened && !s.retry[i] {
				continue
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				if s.outs[i].Opened || s.reopen(ctx, i) {
					s.run(ctx, i)
				}
			}()
		}
		wg.Wait()
		for i, o := range s.outs {
			if o.Opened || s.retry[i] {
				s.ran = append(s.ran, o)
			}
		}
	})
	return s.ran
}

// reopen tries camera i again until it opens (true) or ctx ends.
func (s *Supervisor[R]) reopen(ctx context.Context, i int) bool {
	c, o := s.cams[i], &s.outs[i]
	for {
		// Attempt k (the first was Start's) waits Delay(k-1).
		if !backoff.Sleep(ctx, s.schedule.Delay(o.Attempts), s.opts.After) {
			return false
		}
		o.Attempts++
		r, err := open(c)
		if err == nil {
			o.Runner, o.Opened, o.Err = r, true, nil
			s.logf("%s: opened (attempt %d)", escape.Control(c.Name), o.Attempts)
			return true
		}
		o.Err = err
		s.logf("%s: still cannot open (attempt %d): %s", escape.Control(c.Name), o.Attempts, shown(err))
	}
}

// run runs camera i's runner and records how it went.
func (s *Supervisor[R]) run(ctx context.Context, i int) {
	o := &s.outs[i]
	start := time.Now()
	o.Err = o.Runner.Run(ctx)
	o.Took = time.Since(start)
}

// open calls c.Open, refusing a Camera without one.
func open[R Runner](c Camera[R]) (R, error) {
	if c.Open == nil {
		var none R
		return none, fmt.Errorf("supervisor: camera %s has no Open", c.Name)
	}
	return c.Open()
}

func (s *Supervisor[R]) logf(format string, args ...any) {
	if s.opts.Logf != nil {
		s.opts.Logf(format, args...)
	}
}

// shown is an error as messages show it: the credentials of any URL in
// it redacted, control characters escaped.
func shown(err error) string {
	return escape.Control(redact.Text(err.Error()))
}
