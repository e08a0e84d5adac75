package batch

import (
	"cmp"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"github.com/livecam/livecam/net/mobilenet"
	"github.com/livecam/livecam/timeline"
)

// TableWidth is the most columns the end table takes: longer sources,
// statuses and labels are shortened in the middle ("beach…day.mp4").
const TableWidth = 100

// Row is one source's line of the end table.
type Row struct {
	// Source is the source as messages show it (Printable).
	Source string
	// Frames and Duration are what the run processed, and the time of
	// the source they cover; Took is the run's wall-clock time (0 for
	// a source that was not run).
	Frames   int64
	Duration time.Duration
	Took     time.Duration
	// Status is how it ended: "done", "skipped: already done",
	// "failed: REASON", "stopped at 0:04.9 of 0:24.0", "damaged file at
	// 0:04.9 of 0:24.0" (ended early), "skipped: damaged file at 0:04.9
	// of 0:24.0" (ended early in the run that did it), "not started".
	Status string
	// Seen is the label in view the longest, "" when none.
	Seen string
}

// header names the table's columns.
var header = []string{"source", "frames", "duration", "frames/s", "status", "seen most"}

// shrinks are the steps that fit a table into TableWidth, in order: a
// column (source 0, status 4, seen 5) is made narrower, down to least.
var shrinks = []struct{ col, least int }{{5, 16}, {0, 24}, {4, 34}, {0, 16}, {4, 24}, {5, 8}, {0, 12}, {4, 16}}

const (
	colGap   = 2
	noValue  = "-"
	ellipsis = "…"
)

// WriteTable prints rows as an aligned table of at most TableWidth
// columns, a header first: source, frames, duration, frames/s, status,
// what was seen most. Cells are taken as they are (escape them first);
// what was seen (its first name: mobilenet.ShortLabel), then source, then status are shortened in the middle
// until the table fits.
func WriteTable(w io.Writer, rows []Row) error {
	cells := [][]string{header}
	for _, r := range rows {
		frames, dur, fps := noValue, noValue, noValue
		if r.Frames > 0 || r.Status == "done" {
			frames = fmt.Sprint(r.Frames)
		}
		if r.Duration > 0 {
			dur = timeline.Clock(r.Duration)
		}
		if r.Frames > 0 && r.Took > 0 {
			fps = fmt.Sprintf("%.1f", float64(r.Frames)/r.Took.Seconds())
		}
		cells = append(cells, []string{r.Source, frames, dur, fps, r.Status, cmp.Or(mobilenet.ShortLabel(r.Seen), noValue)})
	}
	widths := make([]int, len(header))
	for _, row := range cells {
		for i, c := range row {
			widths[i] = max(widths[i], utf8.RuneCountInString(c))
		}
	}
	for _, c := range shrinks {
		if excess := total(widths) - TableWidth; excess > 0 && widths[c.col] > c.least {
			widths[c.col] = max(c.least, widths[c.col]-excess)
		}
	}
	tw := tabwriter.NewWriter(w, 0, 0, colGap, ' ', 0)
	for _, row := range cells {
		for i, c := range row {
			row[i] = middle(c, widths[i])
		}
		fmt.Fprintln(tw, strings.Join(row, "\t"))
	}
	return tw.Flush()
}

// total is the width of a table of columns widths.
func total(widths []int) int {
	n := colGap * (len(widths) - 1)
	for _, w := range widths {
		n += w
	}
	return n
}

// middle shortens s to n characters by cutting out its middle.
func middle(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	if n <= 1 {
		return string(r[:n])
	}
	tail := (n - 1) / 2
	head := n - 1 - tail
	return string(r[:head]) + ellipsis + string(r[len(r)-tail:])
}
