// Package progress draws a run's one-line progress bar on a terminal (or
// any writer): percentage, frames per second and time left for a file
// whose frame count is known; a spinner with the frames and the time so
// far otherwise. A Bar is a pipeline.Sink that counts the frames out.
package progress

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/livecam/livecam/pipeline"
)

// IsTerminal reports whether w is a terminal: where a bar is drawn
// unless asked otherwise.
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// Bar is the progress bar of one run. Every method of a nil *Bar does
// nothing, so that a run without a bar needs no test of its own.
type Bar struct {
	bar *progressbar.ProgressBar
	w   io.Writer
}

// New returns the bar of a run of the source info describes, drawn on w
// at most five times a second: a bar towards info.Frames for a file, a
// spinner for a live source or an unknown frame count.
func New(w io.Writer, info pipeline.SourceInfo) *Bar {
	total := int64(info.Frames)
	if info.Live || total <= 0 {
		total = -1 // a spinner with the count
	}
	bar := progressbar.NewOptions64(total,
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetWidth(30),
		progressbar.OptionShowCount(),
		progressbar.OptionShowIts(),
		progressbar.OptionSetItsString("frames"),
		progressbar.OptionSetPredictTime(total > 0),
		progressbar.OptionSetElapsedTime(true),
		progressbar.OptionThrottle(200*time.Millisecond),
		progressbar.OptionSpinnerType(14),
	)
	return &Bar{bar: bar, w: w}
}

// TakesI420 is true: the bar counts frames, whatever their format
// (pipeline.I420Sink).
func (b *Bar) TakesI420() bool { return true }

// Write counts one frame; it allocates nothing between two draws.
func (b *Bar) Write(*pipeline.Output) error {
	if b != nil {
		b.bar.Add64(1)
	}
	return nil
}

// Close does nothing: Finish ends the bar after the run.
func (b *Bar) Close() error { return nil }

// Clear wipes the bar off its line, so that a message prints on a line
// of its own; the next frame draws it again.
func (b *Bar) Clear() {
	if b != nil {
		b.bar.Clear()
	}
}

// Finish leaves the bar's last state on its line at the end of the run:
// full when the source was read to its end (complete), as far as it got
// otherwise; the next output starts on a new line.
func (b *Bar) Finish(complete bool) {
	if b == nil {
		return
	}
	if complete {
		b.bar.Finish()
	} else {
		b.bar.Exit()
	}
	fmt.Fprintln(b.w)
}
