package timeline

import (
	"fmt"
	"io"
	"time"

	"github.com/livecam/livecam/internal/escape"
)

// WriteSummary prints a run's end summary of what was seen, as segments
// (the best label; changes shorter than merge merged), at most max of
// them (max <= 0: all) and a line counting the rest. camera, when not
// "", names the camera (escaped: no name rewrites the terminal).
func WriteSummary(w io.Writer, camera string, segs []Segment, merge time.Duration, max int) error {
	fmt.Fprintf(w, "livecam: %swhat was seen (best label; changes shorter than %v merged):\n", cameraPrefix(camera), merge)
	shown := segs
	if max > 0 && len(shown) > max {
		shown = shown[:max]
	}
	if err := Write(w, shown); err != nil {
		return err
	}
	if len(segs) > len(shown) {
		_, err := fmt.Fprintf(w, "  ... and %d more segments (-report FILE lists them all)\n", len(segs)-len(shown))
		return err
	}
	return nil
}

// WriteObjectSummary prints what a detector saw: per label, its tracks
// (or, untracked, its stretches) and how long it was in view; at most
// max labels (max <= 0: all).
func WriteObjectSummary(w io.Writer, camera string, b *Objects, max int) error {
	segs := b.Spans()
	if b.Tracked() {
		segs = b.Tracks()
	}
	rows := ByLabel(segs)
	if _, err := fmt.Fprintf(w, "livecam: %swhat was seen (%d labels):\n", cameraPrefix(camera), len(rows)); err != nil {
		return err
	}
	if max > 0 && len(rows) > max {
		rows = rows[:max]
	}
	return WriteRows(w, rows, b.Tracked())
}

// cameraPrefix is "NAME: " for a named camera, "" otherwise.
func cameraPrefix(camera string) string {
	if camera == "" {
		return ""
	}
	return escape.Control(camera) + ": "
}
