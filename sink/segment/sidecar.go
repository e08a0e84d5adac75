package segment

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/livecam/livecam/events"
	"github.com/livecam/livecam/pipeline"
	"github.com/livecam/livecam/sink/jsonl"
	"github.com/livecam/livecam/sink/outfile"
	"github.com/livecam/livecam/track"
	"github.com/livecam/livecam/wire"
)

// sidecars is what the segment being written has besides its video
// (Options.Sidecars): its results and events writers, and what its
// results file's closing line says.
type sidecars struct {
	results, events *jsonl.Writer
	bytes           int64 // handed to the writers: the sidecars' size, and what is still pending
	frames          int64
	first, last     time.Duration // the PTS of its first and last frame
	seen            []seenLabel   // frames per label, reused
	line            []byte        // a results line, reused
	pending         []byte        // events' lines waiting for the next frame, reused
	err             error         // an error writing an event, for Write to report
}

// seenLabel counts the frames of the segment a label was seen in.
type seenLabel struct {
	label  string
	frames int64
}

// Event takes a classifier's label event (pipeline.Config.OnEvent) for
// the events sidecar of the segment being written when it comes. One
// that comes when none is (before the first frame, or once the segment
// has reached its length: the next frame starts the next) waits for the
// next frame's segment; those that come after the last frame (what was
// still in view leaves at the run's end) go to the last segment, at
// Close. It is called from the goroutine that calls Write; an error
// writing it is Write's. Without Options.Sidecars it does nothing.
func (r *Recorder) Event(e events.Event) {
	if r.opts.Sidecars && !r.closed {
		r.side.pending = append(wire.AppendEvent(r.side.pending, e), '\n')
		r.eventNow()
	}
}

// ObjectEvent takes a detector's per-object event
// (pipeline.Config.OnObjectEvent) like Event.
func (r *Recorder) ObjectEvent(e track.Event) {
	if r.opts.Sidecars && !r.closed {
		r.side.pending = append(wire.AppendObjectEvent(r.side.pending, r.opts.Camera, e), '\n')
		r.eventNow()
	}
}

// eventNow writes the waiting events to the segment being written, if
// it is still within its length.
func (r *Recorder) eventNow() {
	if r.side.events == nil || r.opts.Now().Sub(r.curStart) >= r.length {
		return
	}
	if err := r.flushEvents(); err != nil && r.side.err == nil {
		r.side.err = err // Write reports it
	}
}

// beginSidecars prepares the sidecars of the segment dir/stem, in its
// group g: their files are made with their first line.
func (r *Recorder) beginSidecars(dir, stem string, g *outfile.Group) error {
	s := &r.side
	s.bytes, s.frames, s.seen = 0, 0, s.seen[:0]
	var err error
	if s.results, err = jsonl.Create(filepath.Join(dir, stem+resultsExt), outfile.Options{Group: g}); err != nil {
		return err
	}
	if s.events, err = jsonl.Create(filepath.Join(dir, stem+eventsExt), outfile.Options{Group: g}); err != nil {
		s.results = nil
		return err
	}
	return nil
}

// writeSidecars writes the events that came before o and o's results
// line to the current segment's sidecars.
func (r *Recorder) writeSidecars(o *pipeline.Output) error {
	s := &r.side
	if err := r.flushEvents(); err != nil {
		return err
	}
	if err := s.err; err != nil {
		s.err = nil
		return err
	}
	if s.frames == 0 {
		s.first = o.Result.PTS
	}
	s.frames++
	s.last = o.Result.PTS
	if o.Result.Detection() {
		for _, ob := range o.Result.Objects() {
			s.see(ob.Label)
		}
	} else if top := o.Result.Top(); len(top) > 0 && top[0].Score >= r.opts.Threshold {
		s.see(top[0].Label)
	}
	s.line = append(wire.AppendResult(s.line[:0], o.Result), '\n')
	s.bytes += int64(len(s.line))
	return s.results.WriteLine(s.line)
}

// flushEvents writes the events waiting for a segment to the current
// one's events sidecar.
func (r *Recorder) flushEvents() error {
	s := &r.side
	if len(s.pending) == 0 || s.events == nil {
		return nil
	}
	s.bytes += int64(len(s.pending))
	err := s.events.WriteLine(s.pending)
	s.pending = s.pending[:0]
	return err
}

func (s *sidecars) see(label string) {
	if label == "" {
		return
	}
	for i := range s.seen {
		if s.seen[i].label == label {
			s.seen[i].frames++
			return
		}
	}
	s.seen = append(s.seen, seenLabel{label, 1})
}

// end is the closing line of the segment's results: its frames, the
// time they cover (one mean frame interval after the last), the source
// and the label seen in the most frames (a classifier's best label at
// or above Options.Threshold; a detector's objects' labels).
func (s *sidecars) end(source string) jsonl.End {
	e := jsonl.End{Frames: s.frames, Source: source}
	if s.frames > 1 {
		span := s.last - s.first
		e.Duration = span + span/time.Duration(s.frames-1)
	}
	var most int64
	for _, l := range s.seen {
		if l.frames > most || l.frames == most && l.label < e.Seen {
			e.Seen, most = l.label, l.frames
		}
	}
	return e
}

// finishSidecars closes the current segment's sidecars (the events
// still waiting are the next segment's: they came with its first frame)
// and ends its
// results file with its closing line (when it was written whole); it
// returns their partial files, to move with the video.
func (r *Recorder) finishSidecars(g *outfile.Group, dir, stem string) ([]part, error) {
	s := &r.side
	if s.results == nil {
		return nil, nil
	}
	rerr := s.results.Close()
	err := errors.Join(rerr, s.events.Close())
	s.results, s.events = nil, nil
	var parts []part
	for _, kind := range []string{resultsExt, eventsExt} {
		if p := g.Partial(filepath.Join(dir, stem+kind)); p != "" {
			parts = append(parts, part{p, kind})
		}
	}
	if rerr == nil && len(parts) > 0 && parts[0].kind == resultsExt {
		if werr := jsonl.WriteEnd(parts[0].partial, s.end(r.opts.Source)); werr != nil {
			err = errors.Join(err, fmt.Errorf("%s: the closing line: %w", parts[0].partial, werr))
		}
	}
	return parts, err
}

// part is one finished file of a segment, under its partial name, and
// its kind (ext, resultsExt, eventsExt).
type part struct{ partial, kind string }

// moveSet renames the finished files of one segment (its video and its
// sidecars) to dir/stem+mark+kind, or all of them to the next free stem
// when one of those names is taken; it never replaces a file. It
// returns where the video (or the first file) went.
func moveSet(dir, stem, mark string, parts []part) (string, error) {
	if len(parts) == 0 {
		return "", nil
	}
	for range 10 {
		free := true
		for _, p := range parts {
			if _, err := os.Lstat(filepath.Join(dir, stem+mark+p.kind)); err == nil {
				free = false
				break
			}
		}
		if free {
			var errs []error
			for _, p := range parts {
				errs = append(errs, outfile.Rename(p.partial, filepath.Join(dir, stem+mark+p.kind), false))
			}
			return filepath.Join(dir, stem+mark+parts[0].kind), errors.Join(errs...)
		}
		base := stem
		if m := segmentName.FindStringSubmatch(stem + ext); m != nil {
			base = m[1]
		}
		next, err := freeStem(dir, base)
		if err != nil {
			return "", err
		}
		stem = next
	}
	return "", fmt.Errorf("%s: no free name to move it to in %s", parts[0].partial, dir)
}
