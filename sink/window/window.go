// Package window shows the pipeline's frames in a HighGUI window.
package window

import (
	"errors"
	"os"
	"runtime"

	"gocv.io/x/gocv"

	"github.com/livecam/livecam/pipeline"
)

// Sink shows frames in a HighGUI window. It needs a display ($DISPLAY or
// $WAYLAND_DISPLAY); closing the window or pressing q or Esc stops the
// pipeline with ErrClosed.
//
// HighGUI wants every call on one OS thread: from the first frame until
// Close, the goroutine that writes (the pipeline's output goroutine, which
// is Run's caller) is locked to its thread; Close unlocks it.
type Sink struct {
	name   string
	win    *gocv.Window
	locked bool
}

// ErrClosed is returned by Write when the user closes the window or
// presses q or Esc.
var ErrClosed = errors.New("window closed")

// ErrNoDisplay is returned by New where there is no display.
var ErrNoDisplay = errors.New("no display here ($DISPLAY and $WAYLAND_DISPLAY are unset)")

// New checks for a display; the window, titled name, opens on the first
// frame.
func New(name string) (*Sink, error) {
	if os.Getenv("DISPLAY") == "" && os.Getenv("WAYLAND_DISPLAY") == "" {
		return nil, ErrNoDisplay
	}
	return &Sink{name: name}, nil
}

// Write shows one frame.
func (d *Sink) Write(o *pipeline.Output) error {
	if d.win == nil {
		runtime.LockOSThread()
		d.locked = true
		d.win = gocv.NewWindow(d.name)
	}
	d.win.IMShow(o.Image)
	if k := d.win.WaitKey(1); k == 'q' || k == 27 {
		return ErrClosed
	}
	return nil
}

// Close closes the window and unlocks the goroutine from its thread.
func (d *Sink) Close() error {
	if d.win == nil {
		return nil
	}
	err := d.win.Close()
	d.win = nil
	if d.locked {
		d.locked = false
		runtime.UnlockOSThread()
	}
	return err
}
