package runctl

import (
	"os"
	"os/signal"
	"syscall"
	"testing"
	"time"
)

// delivered sends sig to the process and returns once the runtime has
// handed it to every channel that listens for it: an observer channel
// receives it, and signal.Stop, which waits for the delivery in hand,
// returns.
func delivered(t *testing.T, sig syscall.Signal) {
	t.Helper()
	seen := make(chan os.Signal, 1)
	signal.Notify(seen, sig)
	send(t, sig)
	select {
	case <-seen:
	case <-time.After(5 * time.Second):
		t.Fatalf("%v never arrived", sig)
	}
	signal.Stop(seen)
}

// TestFinishingCountsLateSignal: a stop signal after the run, while its
// reports are written, is caught (it does not kill the process) and
// counted as a stop; it does not quit.
func TestFinishingCountsLateSignal(t *testing.T) {
	_, c, exits := start(t)
	done := c.Finishing()
	delivered(t, syscall.SIGUSR2)
	if !done() {
		t.Error("a signal while finishing was not counted")
	}
	select {
	case s := <-exits:
		t.Errorf("a late signal exited with %d", s)
	default:
	}
}

func TestFinishingWithoutSignal(t *testing.T) {
	_, c, exits := start(t)
	if c.Finishing()() {
		t.Error("a stop without a signal")
	}
	if len(exits) > 0 {
		t.Error("exited without a signal")
	}
}

// TestFinishingAfterStop: a signal during the run counts as a stop once
// the run finishes, with no other signal.
func TestFinishingAfterStop(t *testing.T) {
	ctx, c, _ := start(t)
	send(t, syscall.SIGUSR1)
	select {
	case <-ctx.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("the signal did not cancel the run")
	}
	if !c.Finishing()() {
		t.Error("the run's signal was not counted")
	}
}
