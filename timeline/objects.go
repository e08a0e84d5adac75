package timeline

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/livecam/livecam/internal/escape"
)

// Object is one object a detector reported in one frame, as a detector's
// timeline needs it.
type Object struct {
	ID    int // the object's track id; 0 when not tracked
	Class int
	Label string
	Score float32
}

// Objects builds a detector's timeline: the stay of every tracked
// object (Tracks) and, for each label, the stretches during which
// objects of it were in view (Spans). Frames must come in time order.
// It keeps one Segment per track and per stretch, not frames.
type Objects struct {
	opts Options
	last time.Duration
	step time.Duration
	n    int

	tracks  map[int]*runScore
	order   []int // track ids in the order they came
	labels  map[string]*labelRun
	lorder  []string
	present map[string]presence // this frame's labels, reused
}

// runScore is a Segment with the sum of its scores.
type runScore struct {
	Segment
	sum float64
}

// add counts one frame's score.
func (r *runScore) add(score float32) {
	r.Frames++
	r.sum += float64(score)
	r.MeanScore = float32(r.sum / float64(r.Frames))
	r.PeakScore = max(r.PeakScore, score)
}

// labelRun is a label's stretches so far, each ending (End) at the last
// frame it was in; the last one goes on while the label is in view.
type labelRun struct {
	spans    []runScore
	lastSeen time.Duration
	mostAt   int // the most objects of the label in one frame
}

// presence is one label in one frame: its class, best score and count.
type presence struct {
	class int
	score float32
	n     int
}

// NewObjects returns an empty detector's timeline. Options.MinScore
// leaves out objects scoring below it; Options.MinDuration bridges a
// label's absences shorter than it (a missed detection, default 1 s;
// negative: none); it does not touch tracks.
func NewObjects(opts Options) *Objects {
	if opts.MinDuration == 0 {
		opts.MinDuration = time.Second
	}
	return &Objects{opts: opts, tracks: map[int]*runScore{}, labels: map[string]*labelRun{}, present: map[string]presence{}}
}

// Add records one frame: its time on the source's clock and its objects.
func (b *Objects) Add(pts time.Duration, objs []Object) {
	prev, first := b.last, b.n == 0
	if !first && pts > b.last {
		b.step = pts - b.last
	}
	b.n++
	b.last = pts
	clear(b.present)
	for _, o := range objs {
		if o.Score < b.opts.MinScore || o.Score != o.Score {
			continue
		}
		p, ok := b.present[o.Label]
		if !ok {
			p.class = o.Class
		}
		p.n++
		p.score = max(p.score, o.Score)
		b.present[o.Label] = p
		if o.ID == 0 {
			continue
		}
		t := b.tracks[o.ID]
		if t == nil {
			t = &runScore{Segment: Segment{ID: o.ID, Start: pts, Class: o.Class, Label: o.Label}}
			b.tracks[o.ID] = t
			b.order = append(b.order, o.ID)
		}
		t.End = pts
		t.add(o.Score)
	}
	for label, p := range b.present {
		l := b.labels[label]
		if l == nil {
			l = &labelRun{}
			b.labels[label] = l
			b.lorder = append(b.lorder, label)
		}
		l.mostAt = max(l.mostAt, p.n)
		k := len(l.spans) - 1
		// The label goes on from its last stretch when it was in the
		// frame before, or away for less than MinDuration.
		goesOn := k >= 0 && (l.lastSeen == prev || b.opts.MinDuration > 0 && pts-l.lastSeen-b.step < b.opts.MinDuration)
		if !goesOn {
			l.spans = append(l.spans, runScore{Segment: Segment{Start: pts, Class: p.class, Label: label}})
			k++
		}
		l.spans[k].End = pts
		l.spans[k].add(p.score)
		l.lastSeen = pts
	}
}

// Frames returns the number of frames added.
func (b *Objects) Frames() int { return b.n }

// Tracked reports whether any object had a track id.
func (b *Objects) Tracked() bool { return len(b.tracks) > 0 }

// Tracks returns one Segment per tracked object (ID its track id), in
// order of their start (then id): from the first to the last frame the
// object was reported in, End one frame interval after that last frame;
// the mean and peak of its scores and the frames it was reported in.
func (b *Objects) Tracks() []Segment {
	out := make([]Segment, 0, len(b.order))
	for _, id := range b.order {
		s := b.tracks[id].Segment
		s.End += b.step
		out = append(out, s)
	}
	slices.SortStableFunc(out, func(x, y Segment) int { return cmp.Or(cmp.Compare(x.Start, y.Start), cmp.Compare(x.ID, y.ID)) })
	return out
}

// Spans returns, for every label, the stretches during which objects of
// it were in view (tracked or not), as Segments (ID 0), in order of
// their start: each ends one frame interval after the last frame the
// label was in; its scores are the label's best in each frame.
func (b *Objects) Spans() []Segment {
	var out []Segment
	for _, label := range b.lorder {
		l := b.labels[label]
		for _, s := range l.spans {
			s.End += b.step
			out = append(out, s.Segment)
		}
	}
	slices.SortFunc(out, func(x, y Segment) int { return cmp.Or(cmp.Compare(x.Start, y.Start), cmp.Compare(x.Label, y.Label)) })
	return out
}

// MostAtOnce returns the most objects of label seen in one frame.
func (b *Objects) MostAtOnce(label string) int {
	if l := b.labels[label]; l != nil {
		return l.mostAt
	}
	return 0
}

// Span is a stretch of time, End exclusive.
type Span struct{ Start, End time.Duration }

// Row is one label's line of a detector's timeline (see ByLabel).
type Row struct {
	Label string
	Class int
	// Spans are when the label was in view: the union of its segments,
	// in time order, none overlapping or touching another.
	Spans []Span
	// Segments counts the label's segments: its tracks, when the
	// segments are a detector's tracks.
	Segments int
	// InView is the total length of Spans.
	InView time.Duration
	// PeakScore is the best of its segments'.
	PeakScore float32
}

// ByLabel groups segments (a detector's tracks, or its spans, which may
// overlap in time) by label: one Row per label, the longest in view
// first (then by label), each with the union of its segments' times.
func ByLabel(segs []Segment) []Row {
	idx := map[string]int{}
	var rows []Row
	var spans [][]Span
	for _, s := range segs {
		i, ok := idx[s.Label]
		if !ok {
			i = len(rows)
			idx[s.Label] = i
			rows = append(rows, Row{Label: s.Label, Class: s.Class})
			spans = append(spans, nil)
		}
		rows[i].Segments++
		rows[i].PeakScore = max(rows[i].PeakScore, s.PeakScore)
		spans[i] = append(spans[i], Span{s.Start, s.End})
	}
	for i := range rows {
		sp := spans[i]
		slices.SortFunc(sp, func(x, y Span) int { return cmp.Compare(x.Start, y.Start) })
		var u []Span
		for _, s := range sp {
			if k := len(u) - 1; k >= 0 && s.Start <= u[k].End {
				u[k].End = max(u[k].End, s.End)
				continue
			}
			u = append(u, s)
		}
		rows[i].Spans = u
		for _, s := range u {
			rows[i].InView += s.End - s.Start
		}
	}
	slices.SortStableFunc(rows, func(x, y Row) int { return cmp.Or(cmp.Compare(y.InView, x.InView), cmp.Compare(x.Label, y.Label)) })
	return rows
}

// WriteRows prints a detector's rows (ByLabel), one line each: the
// label, its tracks when tracked is set (its rows were made from
// Objects.Tracks), how long it was in view, and from when to when:
//
//	person  2 tracks  in view 0:03.6  0:00.0 - 0:03.6
//	dog     1 track   in view 0:01.2  0:02.8 - 0:04.0
//
// A label's control characters are escaped (escape.Control).
func WriteRows(w io.Writer, rows []Row, tracked bool) error {
	width, digits := 0, 0
	for _, r := range rows {
		width = max(width, len([]rune(escape.Control(r.Label))))
		digits = max(digits, len(fmt.Sprint(r.Segments)))
	}
	for _, r := range rows {
		name := escape.Control(r.Label)
		line := "  " + name + strings.Repeat(" ", width-len([]rune(name)))
		if tracked {
			word := "tracks"
			if r.Segments == 1 {
				word = "track "
			}
			line += fmt.Sprintf("  %*d %s", digits, r.Segments, word)
		}
		line += "  in view " + Clock(r.InView)
		if len(r.Spans) > 0 {
			line += "  " + Clock(r.Spans[0].Start) + " - " + Clock(r.Spans[len(r.Spans)-1].End)
		}
		line += "\n"
		if _, err := io.WriteString(w, line); err != nil {
			return err
		}
	}
	return nil
}
