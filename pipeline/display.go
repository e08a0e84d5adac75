package pipeline

import (
	"errors"
	"os"
	"runtime"

	"gocv.io/x/gocv"
)

// DisplaySink shows frames in a HighGUI window. It needs a display
// ($DISPLAY or $WAYLAND_DISPLAY); closing the window or pressing q or Esc
// stops the pipeline with ErrWindowClosed.
type DisplaySink struct {
	name string
	win  *gocv.Window
}

// ErrWindowClosed is returned by DisplaySink.Write when the user closes
// the window or presses q or Esc.
var ErrWindowClosed = errors.New("window closed")

// NewDisplaySink checks for a display; the window opens on the first frame.
func NewDisplaySink(name string) (*DisplaySink, error) {
	if os.Getenv("DISPLAY") == "" && os.Getenv("WAYLAND_DISPLAY") == "" {
		return nil, errors.New("-display: no display here ($DISPLAY is unset); use -out or -results instead")
	}
	return &DisplaySink{name: name}, nil
}

// Write shows one frame.
func (d *DisplaySink) Write(o *Output) error {
	if d.win == nil {
		// HighGUI wants every call on one OS thread: the output
		// goroutine stays on its thread from here on.
		runtime.LockOSThread()
		d.win = gocv.NewWindow(d.name)
	}
	d.win.IMShow(o.Image)
	if k := d.win.WaitKey(1); k == 'q' || k == 27 {
		return ErrWindowClosed
	}
	return nil
}

// Close closes the window.
func (d *DisplaySink) Close() error {
	if d.win == nil {
		return nil
	}
	return d.win.Close()
}
