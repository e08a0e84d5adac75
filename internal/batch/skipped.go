package batch

import (
	"fmt"
	"strings"

	"github.com/livecam/livecam/internal/escape"
)

// Skipped is what a rerun leaves out: the jobs done before (Inspect),
// and which of them ended early (their closing line says where and
// why). Its String is the line that says so, for a batch (RunEach with
// Options.Resume) and for livecam submit alike.
type Skipped struct {
	// N is the number of jobs done before.
	N int
	// Early describes those whose source ended early: "videos/corrupt.mp4
	// ended early at 0:04.9 of 0:24.0: damaged file", escaped.
	Early []string
	// Redo is the flag that redoes them, for String (default
	// "-overwrite").
	Redo string
}

// maxEarlyNamed bounds the sources that ended early String names; the
// others are counted.
const maxEarlyNamed = 3

// Add counts job j, done before (f is its Inspect), noting it when its
// source ended early.
func (s *Skipped) Add(j Job, f Found) {
	s.N++
	if f.End.Ended.Early {
		s.Early = append(s.Early, Printable(j.Source)+" "+escape.Control(strings.Replace(f.End.Ended.String(), "ended ", "ended early ", 1)))
	}
}

// String says what was skipped: "2 already done", and the sources that
// ended early before, which a rerun does not redo either ("2 already
// done (videos/corrupt.mp4 ended early at 0:04.9 of 0:24.0: damaged
// file; -overwrite redoes it)").
func (s Skipped) String() string {
	line := fmt.Sprintf("%d already done", s.N)
	if len(s.Early) == 0 {
		return line
	}
	named := s.Early[:min(len(s.Early), maxEarlyNamed)]
	line += " (" + strings.Join(named, "; ")
	if more := len(s.Early) - len(named); more > 0 {
		line += fmt.Sprintf("; %d more ended early", more)
	}
	redo, them := s.Redo, "it"
	if redo == "" {
		redo = "-overwrite"
	}
	if len(s.Early) > 1 {
		them = "them"
	}
	return line + "; " + redo + " redoes " + them + ")"
}

// early is how many of the jobs skipped ended early, for the batch's
// last line, between before and after; "" when none did.
func (s Skipped) early(before, after string) string {
	if len(s.Early) == 0 {
		return ""
	}
	return fmt.Sprintf("%s%d ended early%s", before, len(s.Early), after)
}
