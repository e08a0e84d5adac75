package runctl

import (
	"context"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// drainLog records what Drain says.
type drainLog struct {
	mu    sync.Mutex
	lines []string
}

func (l *drainLog) logf(format string, a ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, format)
}

func (l *drainLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
}

// startDrain listens for SIGUSR1 (so that the test process's own Ctrl-C
// still works).
func startDrain(t *testing.T) (context.Context, <-chan struct{}, func(), *drainLog) {
	t.Helper()
	log := &drainLog{}
	ctx, stop, end := Drain(context.Background(), Options{Signals: []os.Signal{syscall.SIGUSR1}, Logf: log.logf})
	t.Cleanup(end)
	return ctx, stop, end, log
}

func signalSelf(t *testing.T) {
	t.Helper()
	if err := syscall.Kill(os.Getpid(), syscall.SIGUSR1); err != nil {
		t.Fatal(err)
	}
}

// TestDrainFirstSignalStops: the first signal closes stop and says so,
// and leaves ctx alone (the job in hand is finished); a second cancels
// ctx (the job in hand is handed back).
func TestDrainFirstSignalStops(t *testing.T) {
	ctx, stop, _, log := startDrain(t)
	signalSelf(t)
	select {
	case <-stop:
	case <-time.After(2 * time.Second):
		t.Fatal("the first signal did not close stop")
	}
	if !strings.Contains(log.String(), "stopping after the job in hand") {
		t.Errorf("log: %q", log)
	}
	select {
	case <-ctx.Done():
		t.Fatal("the first signal cancelled ctx")
	case <-time.After(100 * time.Millisecond):
	}
	signalSelf(t)
	select {
	case <-ctx.Done():
	case <-time.After(2 * time.Second):
		t.Fatal("the second signal did not cancel ctx")
	}
}

// TestDrainEnd: without a signal, stop stays open; end cancels ctx, stops
// listening, and may be called again.
func TestDrainEnd(t *testing.T) {
	ctx, stop, end, log := startDrain(t)
	if ctx.Err() != nil {
		t.Fatal("ctx cancelled at start")
	}
	end()
	end()
	if ctx.Err() == nil {
		t.Error("end did not cancel ctx")
	}
	select {
	case <-stop:
		t.Error("stop closed without a signal")
	default:
	}
	if log.String() != "" {
		t.Errorf("log: %q", log)
	}
}
