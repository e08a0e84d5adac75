package main

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/livecam/livecam/pipeline"
)

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// progress is the one-line progress bar: percentage, frames per second
// and time left for a file whose frame count is known; frames and time
// so far otherwise. It is a pipeline.Sink that counts the frames out. A
// nil *progress does nothing.
type progress struct {
	bar *progressbar.ProgressBar
	w   io.Writer
}

// newProgress returns a bar for a run of source info on w, or nil when
// show is false.
func newProgress(show bool, w io.Writer, info pipeline.SourceInfo) *progress {
	if !show {
		return nil
	}
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
	return &progress{bar: bar, w: w}
}

// Write counts one frame.
func (p *progress) Write(*pipeline.Output) error {
	p.bar.Add64(1)
	return nil
}

// Close does nothing: finish ends the bar after the run.
func (p *progress) Close() error { return nil }

// clear wipes the bar off the line, so that a message prints on its own.
func (p *progress) clear() {
	if p != nil {
		p.bar.Clear()
	}
}

// finish leaves the bar's last state on its line at the end of the run:
// full when the source was read to its end, as far as it got otherwise.
func (p *progress) finish(complete bool) {
	if p == nil {
		return
	}
	if complete {
		p.bar.Finish()
	} else {
		p.bar.Exit()
	}
	fmt.Fprintln(p.w)
}
