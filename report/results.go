// Package report writes the story of one labelled video as a single
// self-contained HTML page. For a classifier's results: the label
// timeline as a chart (bands of the best label over time and the best
// score as a curve), a table of the segments with a thumbnail each. For
// a detector's (lines with "objects"): the objects per label (tracks,
// the most in view at once, time in view), a timeline with one row per
// label (when objects of it were in view) and a table of the tracks
// (first and last seen, peak score) with a thumbnail each. Both end with
// the latency distribution and the run's settings. Charts are SVG drawn
// with gonum's plot; thumbnails are JPEG frames of the annotated video,
// extracted with ffmpeg and inlined. The page loads nothing from
// anywhere.
package report

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"time"

	"github.com/livecam/livecam/sink/jsonl/endline"
	"github.com/livecam/livecam/timeline"
)

// Frame is one result line: the frame's time and its best class (a
// classifier's) or its objects (a detector's).
type Frame struct {
	PTS       time.Duration
	Class     int // -1 when the line reported no class
	Label     string
	Score     float32 // NaN when not finite in the line
	Latency   time.Duration
	Inferred  bool
	Dropped   int64
	Frame     int64
	HasResult bool
	// Detection is true for a detector's line ("objects" in place of
	// "top"); Objects are its objects, in the line's order (a score
	// that is null is NaN).
	Detection bool
	Objects   []timeline.Object
}

// resultLine is the part of a results line (sink/jsonl's format) the
// report reads.
type resultLine struct {
	Frame *int64   `json:"frame"`
	PTSMS *float64 `json:"pts_ms"`
	Top   []struct {
		Class int      `json:"class"`
		Label string   `json:"label"`
		Score *float64 `json:"score"`
	} `json:"top"`
	Objects *[]struct {
		ID    int      `json:"id"`
		Class int      `json:"class"`
		Label string   `json:"label"`
		Score *float64 `json:"score"`
	} `json:"objects"`
	Inferred  bool    `json:"inferred"`
	LatencyMS float64 `json:"latency_ms"`
	Dropped   int64   `json:"dropped"`
}

// MaxLine is the longest results line ReadResults reads, in bytes (a
// line of livecam's is a few hundred bytes; 16 MiB is room for any
// labels file's names).
const MaxLine = 16 << 20

// ReadResults reads results lines (livecam -results) from r; name is the
// file's name for errors, which give the line number. Empty lines are
// skipped, and so is a whole run's closing line (endline.End); a line cut
// short at the very end (a run killed mid-write) is skipped too, and
// reported through the second result. A line longer
// than MaxLine is an error naming it, and nothing after it is used.
func ReadResults(r io.Reader, name string) (frames []Frame, cut error, err error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), MaxLine)
	var pending error
	n := 1
	for ; sc.Scan(); n++ {
		line := sc.Bytes()
		if len(line) == 0 {
			continue
		}
		if pending != nil { // a bad line followed by more lines
			return nil, nil, pending
		}
		if _, ok := endline.ParseEnd(line); ok {
			continue // a whole run's closing line: not a frame
		}
		var l resultLine
		if err := json.Unmarshal(line, &l); err != nil {
			pending = fmt.Errorf("%s:%d: not a results line: %v", name, n, err)
			continue
		}
		if l.Frame == nil || l.PTSMS == nil {
			return nil, nil, fmt.Errorf("%s:%d: not a results line (no \"frame\" or \"pts_ms\"; is this an -events file?)", name, n)
		}
		f := Frame{Frame: *l.Frame, PTS: time.Duration(*l.PTSMS * float64(time.Millisecond)), Class: -1, Score: float32(math.NaN()),
			Latency: time.Duration(l.LatencyMS * float64(time.Millisecond)), Inferred: l.Inferred, Dropped: l.Dropped}
		if len(l.Top) > 0 {
			f.Class, f.Label, f.HasResult = l.Top[0].Class, l.Top[0].Label, true
			if l.Top[0].Score != nil {
				f.Score = float32(*l.Top[0].Score)
			}
		}
		if l.Objects != nil {
			f.Detection = true
			f.Objects = make([]timeline.Object, len(*l.Objects))
			for i, o := range *l.Objects {
				f.Objects[i] = timeline.Object{ID: o.ID, Class: o.Class, Label: o.Label, Score: float32(math.NaN())}
				if o.Score != nil {
					f.Objects[i].Score = float32(*o.Score)
				}
			}
		}
		frames = append(frames, f)
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, nil, fmt.Errorf("%s:%d: a line longer than %d MiB: not a results file (livecam -results writes lines of a few hundred bytes)", name, n, MaxLine>>20)
		}
		return nil, nil, fmt.Errorf("%s:%d: %w", name, n, err)
	}
	if len(frames) == 0 {
		if pending != nil {
			return nil, nil, pending
		}
		return nil, nil, fmt.Errorf("%s: no results lines", name)
	}
	return frames, pending, nil
}

// errNoFrames is returned when there is nothing to report.
var errNoFrames = errors.New("no frames to report")
