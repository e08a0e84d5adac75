// Package timeline turns per-frame results into the story of a video:
// for a classifier (Builder), segments during which one label was the
// best, merged across short flickers, each with its start, end, mean and
// peak score; for a detector (Objects), each tracked object's stay and,
// per label, when objects of it were in view (ByLabel makes one row per
// label). It keeps runs, not frames, so a long video costs memory in
// proportion to how often the label changed, or to the objects seen.
package timeline

import (
	"container/heap"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/livecam/livecam/internal/escape"
	"github.com/livecam/livecam/net/mobilenet"
)

// Unsure is the Class of a segment whose frames' best score was below
// Options.MinScore: nothing was seen with confidence.
const Unsure = -1

// NoSignal is the Class of a stretch of a live camera's run when its
// frames had stopped (see Builder.Lost and Options.Gap): nothing was
// seen, not even nothing. Such a segment is never merged into its
// neighbours, nor they into it.
const NoSignal = -2

// Options adjust the merging.
type Options struct {
	// MinDuration: a segment shorter than this is a flicker, merged into
	// its neighbours (default 1 s; negative: no merging).
	MinDuration time.Duration
	// MinScore: frames whose best score is below it count as Unsure
	// (default 0: none).
	MinScore float32
	// Gap, when positive, makes a gap between two frames longer than it
	// a NoSignal segment (a live camera whose frames stopped: the stale
	// limit, pipeline.Config.StaleAfter), from one frame interval after
	// the last frame before it to the first frame after it. Zero: gaps
	// are not looked for (the run may still call Lost).
	Gap time.Duration
}

// Segment is a stretch of the video with one best label (a classifier's,
// see Builder), or one detected object's stay or one label's presence
// (a detector's, see Objects), which may overlap others.
type Segment struct {
	Start, End time.Duration // on the source's clock; End is exclusive
	Class      int           // Unsure for stretches of low scores
	Label      string
	// ID is the object's track id for a detector's track
	// (Objects.Tracks), 0 otherwise.
	ID int
	// MeanScore and PeakScore are over the frames whose best class was
	// Class (a merged flicker's frames count toward neither); Frames
	// counts them.
	MeanScore, PeakScore float32
	Frames               int
}

// Duration returns End - Start.
func (s Segment) Duration() time.Duration { return s.End - s.Start }

// Builder collects frames in order and makes the segments.
type Builder struct {
	opts Options
	runs []Segment
	sum  float64 // score sum of the last run
	last time.Duration
	step time.Duration // the latest gap between frames
	n    int
	lost bool // Lost was called since the last frame
}

// New returns an empty Builder.
func New(opts Options) *Builder {
	if opts.MinDuration == 0 {
		opts.MinDuration = time.Second
	}
	return &Builder{opts: opts}
}

// Add records one frame: its time on the source's clock and its best
// class, label and score. Frames must come in time order.
func (b *Builder) Add(pts time.Duration, class int, label string, score float32) {
	if score < b.opts.MinScore || !(score == score) {
		class, label = Unsure, ""
	}
	if b.n > 0 && b.opts.Gap > 0 && pts-b.last > b.opts.Gap {
		b.Lost()
	}
	if b.n > 0 && pts > b.last && !b.lost {
		b.step = pts - b.last
	}
	b.lost = false
	b.n++
	b.last = pts
	if k := len(b.runs) - 1; k >= 0 && b.runs[k].Class == class {
		r := &b.runs[k]
		r.End = pts
		r.Frames++
		b.addScore(r, score)
		return
	}
	if k := len(b.runs) - 1; k >= 0 {
		b.runs[k].End = pts
	}
	b.runs = append(b.runs, Segment{Start: pts, End: pts, Class: class, Label: label, Frames: 1})
	b.sum = 0
	b.addScore(&b.runs[len(b.runs)-1], score)
}

func (b *Builder) addScore(r *Segment, score float32) {
	if !(score == score) {
		return
	}
	b.sum += float64(score)
	r.MeanScore = float32(b.sum / float64(r.Frames))
	r.PeakScore = max(r.PeakScore, score)
}

// Lost records that the frames stopped after the last one (a live
// camera's signal lost, pipeline.Signal): the segment of the last frame
// ends one frame interval after it, and a NoSignal segment lasts from
// there to the next frame Add records. Twice in a row, or before any
// frame, it does nothing.
func (b *Builder) Lost() {
	k := len(b.runs) - 1
	if k < 0 || b.lost || b.runs[k].Class == NoSignal {
		return
	}
	b.lost = true
	end := b.last + b.step
	b.runs[k].End = end
	b.runs = append(b.runs, Segment{Start: end, End: end, Class: NoSignal})
}

// Frames returns the number of frames added.
func (b *Builder) Frames() int { return b.n }

// Segments returns the timeline so far: runs of one best class, with runs
// shorter than Options.MinDuration merged away (shortest first: into the
// neighbours when both have the same class, else into the longer one).
// The last segment ends one frame interval after the last frame.
func (b *Builder) Segments() []Segment {
	runs := append([]Segment(nil), b.runs...)
	if k := len(runs) - 1; k >= 0 && runs[k].Class != NoSignal {
		runs[k].End = b.last + b.step
	}
	if b.opts.MinDuration < 0 {
		return runs
	}
	// NoSignal segments stay as they are: the runs between them are
	// merged apart.
	var out []Segment
	from := 0
	for i := 0; i <= len(runs); i++ {
		if i < len(runs) && runs[i].Class != NoSignal {
			continue
		}
		if i > from {
			out = append(out, merge(runs[from:i], b.opts.MinDuration)...)
		}
		if i < len(runs) {
			out = append(out, runs[i])
		}
		from = i + 1
	}
	return out
}

// merge absorbs runs shorter than minDur, shortest first.
func merge(runs []Segment, minDur time.Duration) []Segment {
	n := len(runs)
	if n == 0 {
		return runs
	}
	prev, next := make([]int, n), make([]int, n)
	alive := make([]bool, n)
	h := make(queue, 0, n)
	for i := range runs {
		prev[i], next[i], alive[i] = i-1, i+1, true
		h = append(h, queued{i, runs[i].Duration()})
	}
	next[n-1] = -1
	heap.Init(&h)
	// join merges run from into its neighbour into.
	join := func(into, from int) {
		r, f := &runs[into], runs[from]
		if f.Class == r.Class {
			if total := r.Frames + f.Frames; total > 0 {
				r.MeanScore = (r.MeanScore*float32(r.Frames) + f.MeanScore*float32(f.Frames)) / float32(total)
				r.Frames = total
			}
			r.PeakScore = max(r.PeakScore, f.PeakScore)
		}
		r.Start, r.End = min(r.Start, f.Start), max(r.End, f.End)
		alive[from] = false
		if prev[from] == into {
			next[into] = next[from]
			if next[from] >= 0 {
				prev[next[from]] = into
			}
		} else {
			prev[into] = prev[from]
			if prev[from] >= 0 {
				next[prev[from]] = into
			}
		}
	}
	for h.Len() > 0 {
		e := heap.Pop(&h).(queued)
		i := e.run
		if !alive[i] || runs[i].Duration() != e.length {
			continue // merged away, or queued again since it grew
		}
		if e.length >= minDur {
			break // every run left is at least as long
		}
		p, q := prev[i], next[i]
		into := -1
		switch {
		case p < 0 && q < 0:
			// the only run: nothing to merge into
		case p >= 0 && q >= 0 && runs[p].Class == runs[q].Class:
			join(p, i)
			join(p, q)
			into = p
		case q < 0 || (p >= 0 && runs[p].Duration() >= runs[q].Duration()):
			join(p, i)
			into = p
		default:
			join(q, i)
			into = q
		}
		if into >= 0 {
			heap.Push(&h, queued{into, runs[into].Duration()})
		}
	}
	var out []Segment
	for i := 0; i >= 0; i = next[i] {
		for !alive[i] { // only the first runs can be dead here
			i++
		}
		out = append(out, runs[i])
	}
	return out
}

// queued is a run in the merge queue, with its length when queued.
type queued struct {
	run    int
	length time.Duration
}

// queue is a min-heap of runs by length, earlier runs first on ties.
type queue []queued

func (q queue) Len() int { return len(q) }
func (q queue) Less(a, b int) bool {
	if q[a].length != q[b].length {
		return q[a].length < q[b].length
	}
	return q[a].run < q[b].run
}
func (q queue) Swap(a, b int) { q[a], q[b] = q[b], q[a] }
func (q *queue) Push(x any)   { *q = append(*q, x.(queued)) }
func (q *queue) Pop() any {
	x := (*q)[len(*q)-1]
	*q = (*q)[:len(*q)-1]
	return x
}

// Write prints segments as a table, one line each:
//
//	0:00.0 - 0:04.0  tabby       mean 82%  peak 95%
//
// A label's control characters are escaped (escape.Control): a labels
// file cannot rewrite the terminal or add lines of its own.
func Write(w io.Writer, segs []Segment) error {
	width := 0
	for _, s := range segs {
		width = max(width, len([]rune(escape.Control(Name(s)))))
	}
	for _, s := range segs {
		name := escape.Control(Name(s))
		pad := strings.Repeat(" ", width-len([]rune(name)))
		var err error
		if s.Class == Unsure || s.Class == NoSignal {
			_, err = fmt.Fprintf(w, "  %s - %s  %s%s\n", Clock(s.Start), Clock(s.End), name, pad)
		} else {
			_, err = fmt.Fprintf(w, "  %s - %s  %s%s  mean %3.0f%%  peak %3.0f%%\n", Clock(s.Start), Clock(s.End), name, pad, 100*s.MeanScore, 100*s.PeakScore)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// Name returns the segment's label as shown: its display name
// (mobilenet.ShortLabel), "(not sure)" for Unsure, "(no signal)" for
// NoSignal.
func Name(s Segment) string {
	switch s.Class {
	case Unsure:
		return "(not sure)"
	case NoSignal:
		return "(no signal)"
	}
	return mobilenet.ShortLabel(s.Label)
}

// Clock formats a time on the source's clock as m:ss.t, or h:mm:ss.t
// from an hour on.
func Clock(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	t := d.Round(100 * time.Millisecond)
	h, m := int(t/time.Hour), int(t/time.Minute)%60
	s := float64(t%time.Minute) / float64(time.Second)
	if h > 0 {
		return fmt.Sprintf("%d:%02d:%04.1f", h, m, s)
	}
	return fmt.Sprintf("%d:%04.1f", m, s)
}
