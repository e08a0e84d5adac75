package runctl

import (
	"context"
	"errors"
	"fmt"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/livecam/livecam/pipeline"
)

// start listens for SIGUSR1 and SIGUSR2 (so that the test process's own
// Ctrl-C still works) and records exits instead of exiting.
func start(t *testing.T) (context.Context, *Control, chan int) {
	t.Helper()
	exits := make(chan int, 2)
	ctx, c := Start(context.Background(), Options{Signals: []os.Signal{syscall.SIGUSR1, syscall.SIGUSR2},
		Exit: func(status int) { exits <- status }, Logf: t.Logf})
	return ctx, c, exits
}

func send(t *testing.T, sig syscall.Signal) {
	t.Helper()
	if err := syscall.Kill(os.Getpid(), sig); err != nil {
		t.Fatal(err)
	}
}

func TestFirstSignalCancels(t *testing.T) {
	ctx, c, exits := start(t)
	send(t, syscall.SIGUSR1)
	select {
	case <-ctx.Done():
	case <-time.After(2 * time.Second):
		t.Fatal("the first signal did not cancel the run")
	}
	c.Stop()
	if !c.Interrupted() {
		t.Error("Interrupted is false after a signal")
	}
	select {
	case s := <-exits:
		t.Errorf("one signal exited with %d", s)
	default:
	}
}

func TestSecondSignalQuits(t *testing.T) {
	ctx, c, exits := start(t)
	send(t, syscall.SIGUSR1)
	select {
	case <-ctx.Done():
	case <-time.After(2 * time.Second):
		t.Fatal("the first signal did not cancel the run")
	}
	send(t, syscall.SIGUSR2)
	select {
	case s := <-exits:
		if s != QuitStatus {
			t.Errorf("exit status %d, want %d", s, QuitStatus)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("a second signal did not quit")
	}
	c.Stop()
}

func TestNoSignalNoCancel(t *testing.T) {
	ctx, c, _ := start(t)
	c.Stop()
	if c.Interrupted() {
		t.Error("Interrupted without a signal")
	}
	// Stop releases the context.
	select {
	case <-ctx.Done():
	case <-time.After(time.Second):
		t.Error("the context outlived Stop")
	}
}

func TestOutcome(t *testing.T) {
	truncated := &pipeline.SourceError{Source: "a.mp4", Err: fmt.Errorf("%w after 3 of 10 frames", pipeline.ErrTruncated)}
	other := errors.New("disk full")
	for _, tc := range []struct {
		err          error
		out          int64
		warn, failed bool
	}{
		{nil, 10, false, false},
		{truncated, 3, true, false},
		{truncated, 0, false, true}, // nothing was written: a failure
		{other, 10, false, true},
		{errors.Join(other, truncated), 3, false, true},
	} {
		w, f := Outcome(tc.err, tc.out)
		if (w != nil) != tc.warn || (f != nil) != tc.failed {
			t.Errorf("Outcome(%v, %d) = warning %v, failure %v", tc.err, tc.out, w, f)
		}
	}
}
