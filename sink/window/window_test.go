package window_test

import (
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"gocv.io/x/gocv"

	"github.com/livecam/livecam/internal/testrig/shareddata"
	"github.com/livecam/livecam/pipeline"
	"github.com/livecam/livecam/sink/window"
)

// xvfb starts a virtual X display for the test (Xvfb picks a free
// display number and says which on a pipe) and points $DISPLAY at it.
func xvfb(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("Xvfb"); err != nil {
		shareddata.Need(t, "no Xvfb (apt-get install xvfb)")
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	cmd := exec.Command("Xvfb", "-displayfd", "3", "-screen", "0", "640x480x24", "-nolisten", "tcp")
	cmd.ExtraFiles = []*os.File{w}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	// SIGTERM, so that Xvfb removes its socket and lock file.
	t.Cleanup(func() { cmd.Process.Signal(syscall.SIGTERM); cmd.Wait() })
	r.SetReadDeadline(time.Now().Add(10 * time.Second))
	var n int
	if _, err := fmt.Fscan(r, &n); err != nil {
		t.Fatalf("Xvfb did not say which display it took: %v", err)
	}
	t.Setenv("DISPLAY", fmt.Sprintf(":%d", n))
	t.Setenv("WAYLAND_DISPLAY", "")
}

// TestWindowShowsFrames opens the window on a virtual display, shows
// frames from a goroutine of its own and closes it, and checks that the
// goroutine was let go of its OS thread: had Close not unlocked it, the
// runtime would end that thread when the goroutine exits.
func TestWindowShowsFrames(t *testing.T) {
	xvfb(t)
	w, err := window.New("test")
	if err != nil {
		t.Fatal(err)
	}
	img := gocv.NewMatWithSize(120, 160, gocv.MatTypeCV8UC3)
	defer img.Close()
	var res pipeline.Result
	errs := make(chan error, 1)
	tids := make(chan int, 1)
	go func() {
		for range 5 {
			if err := w.Write(&pipeline.Output{Image: img, Result: &res}); err != nil {
				errs <- err
				return
			}
		}
		errs <- w.Close()
		tids <- syscall.Gettid()
		// The goroutine ends here: one that ends locked to its thread
		// takes the thread with it.
	}()
	if err := <-errs; err != nil {
		t.Fatal(err)
	}
	task := fmt.Sprintf("/proc/self/task/%d", <-tids)
	for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
		if _, err := os.Stat(task); err != nil {
			t.Fatalf("the writing goroutine's thread ended with it (%v): it was still locked to the thread after Close", err)
		}
	}
}
