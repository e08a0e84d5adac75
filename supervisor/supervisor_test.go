package supervisor_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/livecam/livecam/supervisor"
)

const ms = time.Millisecond

// runner is a fake camera run: it records that it ran, waits for its
// context when block is set, and returns err.
type runner struct {
	err   error
	block bool
	ran   atomic.Bool
}

func (r *runner) Run(ctx context.Context) error {
	r.ran.Store(true)
	if r.block {
		<-ctx.Done()
	}
	return r.err
}

// opens returns an Open that fails with fail's first n errors, then
// returns r.
func opens(r *runner, n int, fail func(i int) error) func() (*runner, error) {
	var calls atomic.Int32
	return func() (*runner, error) {
		if i := int(calls.Add(1)); i <= n {
			return nil, fail(i)
		}
		return r, nil
	}
}

func failing(msg string) func(int) error {
	return func(i int) error { return fmt.Errorf("%s (%d)", msg, i) }
}

// logs collects Logf lines from any goroutine.
type logs struct {
	mu    sync.Mutex
	lines []string
}

func (l *logs) logf(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, fmt.Sprintf(format, args...))
}

func (l *logs) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
}

// clock is a fake After whose waits pass at once; it records each wait
// asked for.
type clock struct {
	mu    sync.Mutex
	asked []time.Duration
}

func (c *clock) after(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	c.asked = append(c.asked, d)
	c.mu.Unlock()
	fired := make(chan time.Time, 1)
	fired <- time.Time{}
	return fired
}

// TestOneFailsOthersRun: a camera that cannot be opened, and a live one
// with retries off, fail for good at Start; the others run, each with its
// own outcome, the error of one not touching the other.
func TestOneFailsOthersRun(t *testing.T) {
	a, c := &runner{}, &runner{err: errors.New("encoder died")}
	s, err := supervisor.Start([]supervisor.Camera[*runner]{
		{Name: "a", Open: opens(a, 0, nil)},
		{Name: "broken", Open: opens(nil, 99, failing("garbage.mp4: cannot decode"))},
		{Name: "c", Open: opens(c, 0, nil)},
		{Name: "door", Live: true, Open: opens(nil, 99, failing("rtsp://door: refused"))},
	}, supervisor.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var failed []string
	for _, o := range s.Failed() {
		failed = append(failed, fmt.Sprintf("%s %v %v %d", o.Name, o.Opened, o.Err, o.Attempts))
	}
	if want := []string{"broken false garbage.mp4: cannot decode (1) 1", "door false rtsp://door: refused (1) 1"}; !slices.Equal(failed, want) {
		t.Errorf("Failed %q, want %q", failed, want)
	}
	outs := s.Run(context.Background())
	if len(outs) != 2 || outs[0].Name != "a" || outs[1].Name != "c" {
		t.Fatalf("outcomes %+v, want a and c", outs)
	}
	if o := outs[0]; !o.Opened || o.Runner != a || o.Err != nil || o.Attempts != 1 || !a.ran.Load() {
		t.Errorf("a: %+v, ran %v", o, a.ran.Load())
	}
	if o := outs[1]; !o.Opened || o.Runner != c || o.Err == nil || o.Err.Error() != "encoder died" || !c.ran.Load() {
		t.Errorf("c: %+v, ran %v", o, c.ran.Load())
	}
	if again := s.Run(context.Background()); len(again) != 2 || again[1].Err != outs[1].Err {
		t.Errorf("a second Run: %+v", again)
	}
}

// TestNoCamera: with nothing opened and nothing to try again, Start says
// so and Failed says why; a camera that will be tried again is enough to
// go on; a Camera without Open is an error, not a panic.
func TestNoCamera(t *testing.T) {
	s, err := supervisor.Start([]supervisor.Camera[*runner]{
		{Name: "a", Open: opens(nil, 9, failing("no such file"))},
		{Name: "b"},
	}, supervisor.Options{Reconnect: time.Second})
	if !errors.Is(err, supervisor.ErrNoCamera) || len(s.Failed()) != 2 || !strings.Contains(s.Failed()[1].Err.Error(), "camera b has no Open") {
		t.Errorf("Start: %v, failed %+v", err, s.Failed())
	}
	if _, err := supervisor.Start[*runner](nil, supervisor.Options{}); !errors.Is(err, supervisor.ErrNoCamera) {
		t.Errorf("Start of no camera: %v", err)
	}
	s, err = supervisor.Start([]supervisor.Camera[*runner]{
		{Name: "a", Open: opens(nil, 9, failing("no such file"))},
		{Name: "door", Live: true, Open: opens(nil, 9, failing("refused"))},
	}, supervisor.Options{Reconnect: time.Second})
	if err != nil || len(s.Failed()) != 1 {
		t.Errorf("Start with a camera to try again: %v, failed %+v", err, s.Failed())
	}
}

// TestRetrySchedule: cameras away at the start are tried again after
// 250 ms, then twice the last wait up to the cap (as a pipeline
// reconnecting), each attempt logged, until they open and run; several
// retry at once (make test runs this under -race).
func TestRetrySchedule(t *testing.T) {
	var l logs
	clocks := map[string]*clock{"door": {}, "yard": {}, "gate": {}}
	var cams []supervisor.Camera[*runner]
	runners := map[string]*runner{}
	for _, name := range []string{"door", "yard", "gate"} {
		runners[name] = &runner{}
		cams = append(cams, supervisor.Camera[*runner]{Name: name, Live: true, Open: opens(runners[name], 5, failing("connection refused"))})
	}
	// A supervisor per camera, so that each has its own clock and its
	// waits are told apart; the three run at once.
	var wg sync.WaitGroup
	outs := make([][]supervisor.Outcome[*runner], len(cams))
	for i, c := range cams {
		s, err := supervisor.Start([]supervisor.Camera[*runner]{c}, supervisor.Options{Reconnect: 2 * time.Second, Logf: l.logf, After: clocks[c.Name].after})
		if err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			outs[i] = s.Run(context.Background())
		}()
	}
	wg.Wait()
	want := []time.Duration{250 * ms, 500 * ms, time.Second, 2 * time.Second, 2 * time.Second}
	for i, c := range cams {
		if got := clocks[c.Name].asked; !slices.Equal(got, want) {
			t.Errorf("%s waited %v, want %v", c.Name, got, want)
		}
		if o := outs[i]; len(o) != 1 || !o[0].Opened || o[0].Attempts != 6 || o[0].Err != nil || !runners[c.Name].ran.Load() {
			t.Errorf("%s: %+v", c.Name, o)
		}
	}
	log := l.String()
	for _, line := range []string{
		"door: cannot open yet: connection refused (1); trying again, backing off up to 2s",
		"door: still cannot open (attempt 2): connection refused (2)",
		"door: still cannot open (attempt 5): connection refused (5)",
		"door: opened (attempt 6)",
	} {
		if !strings.Contains(log, line+"\n") && !strings.HasSuffix(log, line) {
			t.Errorf("no %q in the log:\n%s", line, log)
		}
	}
}

// TestRetriesShareOneSupervisor: cameras retried by one supervisor at
// once each follow the schedule from their own first attempt.
func TestRetriesShareOneSupervisor(t *testing.T) {
	var clk clock
	var cams []supervisor.Camera[*runner]
	for _, name := range []string{"a", "b", "c"} {
		cams = append(cams, supervisor.Camera[*runner]{Name: name, Live: true, Open: opens(&runner{}, 2, failing("refused"))})
	}
	s, err := supervisor.Start(cams, supervisor.Options{Reconnect: time.Minute, After: clk.after})
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range s.Run(context.Background()) {
		if !o.Opened || o.Attempts != 3 {
			t.Errorf("%+v", o)
		}
	}
	slices.Sort(clk.asked)
	if want := []time.Duration{250 * ms, 250 * ms, 250 * ms, 500 * ms, 500 * ms, 500 * ms}; !slices.Equal(clk.asked, want) {
		t.Errorf("waits %v, want %v", clk.asked, want)
	}
}

// TestCancelDuringWait: a stop while a camera waits for its next attempt
// ends Run at once; the camera never opened and keeps its last error,
// and the camera that ran returns as its context ends.
func TestCancelDuringWait(t *testing.T) {
	waiting := make(chan time.Duration, 1)
	never := func(d time.Duration) <-chan time.Time {
		waiting <- d
		return nil
	}
	open := &runner{block: true}
	s, err := supervisor.Start([]supervisor.Camera[*runner]{
		{Name: "door", Open: opens(open, 0, nil)},
		{Name: "yard", Live: true, Open: opens(nil, 99, failing("refused"))},
	}, supervisor.Options{Reconnect: time.Hour, After: never})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan []supervisor.Outcome[*runner])
	go func() { done <- s.Run(ctx) }()
	if d := <-waiting; d != 250*ms {
		t.Errorf("first wait %v", d)
	}
	cancel()
	select {
	case outs := <-done:
		if len(outs) != 2 || !outs[0].Opened || outs[0].Err != nil || !open.ran.Load() {
			t.Errorf("the camera that ran: %+v", outs)
		}
		if o := outs[1]; o.Opened || o.Attempts != 1 || o.Err == nil || o.Err.Error() != "refused (1)" {
			t.Errorf("the camera away: %+v", o)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return 10 s after its context ended")
	}
}

// TestLogShownSafely: a camera's errors in the log have no credentials
// and no control characters (which would rewrite the terminal); the
// Outcome keeps the error as it was, for the program.
func TestLogShownSafely(t *testing.T) {
	var l logs
	var clk clock
	secret := errors.New("http://admin:SECRET@127.0.0.1:1/cam.mjpg?usr=admin&pwd=SECRET: refused \x1b[2J")
	s, err := supervisor.Start([]supervisor.Camera[*runner]{
		{Name: "yard\x1b[2J", Live: true, Open: opens(nil, 2, func(int) error { return secret })},
	}, supervisor.Options{Reconnect: time.Second, Logf: l.logf, After: clk.after})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // after Start's attempt, no other
	outs := s.Run(ctx)
	s2, _ := supervisor.Start([]supervisor.Camera[*runner]{
		{Name: "gate", Live: true, Open: opens(&runner{}, 2, func(int) error { return secret })},
	}, supervisor.Options{Reconnect: time.Second, Logf: l.logf, After: clk.after})
	s2.Run(context.Background())
	log := l.String()
	if strings.Contains(log, "SECRET") || strings.Contains(log, "\x1b") {
		t.Errorf("the log shows a secret or a control character:\n%q", log)
	}
	if !strings.Contains(log, "gate: still cannot open (attempt 2): http://") || !strings.Contains(log, `yard\x1b[2J: cannot open yet`) {
		t.Errorf("the log:\n%s", log)
	}
	if len(outs) != 1 || outs[0].Err != secret {
		t.Errorf("the outcome's error: %+v", outs)
	}
}
