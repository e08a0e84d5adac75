package outputs

import (
	"fmt"
	"github.com/livecam/livecam/sink/clips"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/livecam/livecam/internal/escape"
	"github.com/livecam/livecam/internal/redact"
	"github.com/livecam/livecam/internal/runctl"
	"github.com/livecam/livecam/pipeline"
	"github.com/livecam/livecam/report"
	"github.com/livecam/livecam/sink/jsonl"
	"github.com/livecam/livecam/timeline"
)

// MaxSummaryLines bounds the end summary; the report has every segment.
const MaxSummaryLines = 40

// Outcome is how a source's run ended.
type Outcome struct {
	// Err is the run's error (runctl.Outcome's), nil for a run that ended well.
	Err error
	// CutShort says where a stop signal cut a file short (CutShort's),
	// "" for a whole run.
	CutShort string
	// Interrupted: a stop signal ended the run.
	Interrupted bool
	// Scratch: the outputs are in a folder the caller removes or moves
	// them out of (a fleet job's workspace): no message names them.
	Scratch bool
	// Settings are the run's settings, for the report.
	Settings []report.Setting
	// Source is the source as given, for the results file's closing
	// line (its credentials are redacted there).
	Source string
	// Ended says whether the source ended early without a signal (a
	// damaged file), where and why, for the closing line; the zero
	// value is a whole source.
	Ended jsonl.Ending
}

// Finish decides the outputs' fate and says what it was. A whole run's
// files move into place and its report is written. A run that failed,
// or a file a stop signal cut short, keeps its files under their partial
// names (a video of no frame is removed), with a report beside the
// partial results when the run was cut short; it returns an error:
// the run's (a *runctl.DiskFullError for a full disk), or a
// *runctl.StopError, so that nothing cut short passes for whole. kept
// lists the partial files kept.
func (s *Set) Finish(o Outcome) (kept []string, err error) {
	err = o.Err
	if err == nil && o.CutShort == "" {
		err = s.closeResults(o.Source, o.Ended) // the closing line, last, just before the commit
		o.Err = err
	}
	videoAt := s.plan.Video
	if err != nil || o.CutShort != "" {
		kept, videoAt = s.keepPartial(o)
	} else if cerr := s.group.Commit(); cerr != nil {
		err = cerr
	}
	s.fileClips(err == nil && o.CutShort == "")
	s.logVideo(videoAt, o.Scratch) // a message names only files that are there, and stay there
	s.summary()
	logf := s.opts.Logf
	if err != nil {
		if len(kept) > 0 && !o.Scratch {
			logf("the outputs keep their partial names (not whole): %s", quotedList(kept))
		}
		if runctl.IsDiskFull(err) {
			return kept, &runctl.DiskFullError{Err: err}
		}
		return kept, err
	}
	if o.CutShort != "" {
		what := "nothing was written"
		if o.Scratch {
			what = "the outputs are not kept"
		} else if len(kept) > 0 {
			what = "the outputs keep their partial names (not whole): " + quotedList(kept)
		}
		logf("stopped %s by a signal; %s", o.CutShort, what)
		return kept, &runctl.StopError{At: o.CutShort}
	}
	if o.Interrupted && s.opts.Name == "" {
		logf("stopped by signal; outputs are complete")
	}
	return nil, s.writeReport(s.plan.Results, s.plan.Video, s.plan.Report, s.plan.Overwrite, o.Settings)
}

// closeResults ends a whole run's results file with its closing line
// (jsonl.End), which tells a finished file from a partial one: the run's
// frames, the time they cover, its source, what was seen most and how
// the source ended. A results file on standard output gets none.
func (s *Set) closeResults(source string, ended jsonl.Ending) error {
	partial := s.group.Partial(s.plan.Results)
	if s.plan.Results == "" || s.plan.Results == "-" || partial == "" {
		return nil
	}
	end := jsonl.End{Frames: s.frames, Duration: s.Duration(), Source: redact.URL(source), Seen: s.Seen(), Ended: ended}
	if err := jsonl.WriteEnd(partial, end); err != nil {
		return fmt.Errorf("%s: the closing line: %w", s.plan.Results, err)
	}
	return nil
}

// keepPartial keeps the files of a run that is not whole under their
// partial names, removes a video of no frame, and writes the report of
// what was labelled beside the partial results of a run cut short.
func (s *Set) keepPartial(o Outcome) (kept []string, videoAt string) {
	videoAt = s.group.Partial(s.plan.Video)
	if videoAt == "" {
		videoAt = s.plan.Video
	}
	resultsAt := s.group.Partial(s.plan.Results)
	for _, p := range s.group.Keep() {
		if s.vid != nil && p == videoAt && s.vid.Frames() == 0 {
			os.Remove(p) // a video of no frame holds nothing
			continue
		}
		kept = append(kept, p)
	}
	if o.Err == nil && s.plan.Report != "" && slices.Contains(kept, resultsAt) {
		// The report of what was labelled, beside the partial results,
		// saying where the run stopped.
		page := PartialReportName(s.plan.Report, resultsAt)
		settings := append(o.Settings[:len(o.Settings):len(o.Settings)], report.Setting{Name: "stopped", Value: o.CutShort + " by a signal: this is not the whole video"})
		if err := s.writeReportFile(resultsAt, videoAt, page, false, settings); err != nil {
			s.opts.Logf("warning: no report of the part labelled: %v", err)
		} else {
			kept = append(kept, page)
		}
	}
	return kept, videoAt
}

// logVideo says how many frames the video has, and where.
func (s *Set) logVideo(videoAt string, scratch bool) {
	if s.vid == nil {
		return
	}
	if _, err := os.Stat(videoAt); err != nil && s.vid.Frames() == 0 {
		s.opts.Logf("wrote no frame: no video was made")
	} else if scratch {
		s.opts.Logf("wrote %d frames", s.vid.Frames())
	} else {
		s.opts.Logf("wrote %d frames to %s", s.vid.Frames(), escape.Control(videoAt))
	}
}

// summary prints what was seen to Options.Summary.
func (s *Set) summary() {
	w := s.opts.Summary
	if w == nil {
		return
	}
	if s.story.Frames() > 0 {
		timeline.WriteSummary(w, s.opts.Name, s.story.Segments(), s.opts.Story.MinDuration, MaxSummaryLines)
	}
	if b := s.objStory; b != nil && b.Frames() > 0 {
		timeline.WriteObjectSummary(w, s.opts.Name, b, MaxSummaryLines)
	}
}

// writeReport writes a whole run's report, if it has one.
func (s *Set) writeReport(results, video, page string, overwrite bool, settings []report.Setting) error {
	if page == "" {
		return nil
	}
	if err := s.writeReportFile(results, video, page, overwrite, settings); err != nil {
		return err
	}
	s.opts.Logf("report in %s", escape.Control(page))
	return nil
}

// writeReportFile writes the report page of results to page (-report).
func (s *Set) writeReportFile(results, video, page string, overwrite bool, settings []report.Setting) error {
	return s.opts.Hint(report.WriteFile(results, video, page, &report.FileOptions{Flag: "-report", Overwrite: overwrite,
		Settings: settings, Merge: s.opts.Story.MinDuration, Threshold: s.opts.Story.MinScore, Gap: s.opts.Story.Gap}))
}

// CutShort says where a stop signal ended file source src before its end
// ("at 0:04.9 of 0:24"), in is the frames read and last the time of the
// last frame delivered; "" when the run is whole: it read the whole file,
// or its source has no end (a camera, a stream, a looping file).
func CutShort(src string, info pipeline.SourceInfo, loop bool, in int64, last time.Duration) string {
	if loop {
		return ""
	}
	if st, err := os.Stat(src); err != nil || !st.Mode().IsRegular() {
		return ""
	}
	if info.Frames > 0 && in >= int64(info.Frames) {
		return ""
	}
	at := "at " + timeline.Clock(last)
	if info.Frames > 0 && info.FPS > 0 {
		at += " of " + timeline.Clock(time.Duration(float64(info.Frames)/info.FPS*float64(time.Second)))
	}
	return at
}

// PartialReportName names the report of a run cut short: the report's
// name with the partial results' random part, so that it sits beside
// them, is never taken for a finished report, and replaces nothing.
func PartialReportName(report, partialResults string) string {
	base := filepath.Base(partialResults)
	tag := ""
	if i := strings.LastIndex(base, ".partial-"); i >= 0 {
		tag = strings.TrimSuffix(base[i+len(".partial-"):], filepath.Ext(base))
	}
	ext := filepath.Ext(report)
	return strings.TrimSuffix(report, ext) + ".partial-" + tag + ext
}

// quotedList prints paths for a message, control characters escaped.
func quotedList(paths []string) string {
	q := make([]string, len(paths))
	for i, p := range paths {
		q[i] = escape.Control(p)
	}
	return strings.Join(q, ", ")
}

// fileClips has a file run's clips (a *clips.File) cut from its video,
// now in place, when whole; else dropped, saying why.
func (s *Set) fileClips(whole bool) {
	f, ok := s.clips.(*clips.File)
	switch {
	case !ok:
	case whole:
		f.Cut()
	default:
		f.Drop(s.plan.Video + " is not whole")
	}
}
