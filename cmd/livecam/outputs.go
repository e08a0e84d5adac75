package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/livecam/livecam/cameras"
	"github.com/livecam/livecam/internal/escape"
	"github.com/livecam/livecam/internal/profiling"
	"github.com/livecam/livecam/internal/runctl"
	"github.com/livecam/livecam/pipeline"
	"github.com/livecam/livecam/timeline"
)

// runInputs lists every source of a run (each job's, each camera's), for
// the check that no output of the run replaces any of them.
func runInputs(jobs []job, cams []cameras.Camera) []string {
	var in []string
	for _, j := range jobs {
		in = append(in, j.source)
	}
	for _, c := range cams {
		in = append(in, c.Source)
	}
	return in
}

// stopError and isDiskFull: see package runctl.
type stopError = runctl.StopError

func isDiskFull(err error) bool { return runctl.IsDiskFull(err) }

// endRun: see runctl.Control.Finishing.
func (r *runner) endRun(ctl *runctl.Control) func() {
	done := ctl.Finishing()
	return func() { done() }
}

// cutShort says where a run stopped ("at 0:04.9 of 0:24") when a
// stop signal ended a file source before its end; "" when the run is
// whole: it was not interrupted, it read the whole file, or its source
// has no end (a camera, a stream, a looping file).
func (c *camRun) cutShort(interrupted bool, s pipeline.Snapshot) string {
	if !interrupted || c.f.loop {
		return ""
	}
	if st, err := os.Stat(c.j.source); err != nil || !st.Mode().IsRegular() {
		return ""
	}
	if c.info.Frames > 0 && s.In >= int64(c.info.Frames) {
		return ""
	}
	at := "at " + timeline.Clock(c.last)
	if c.info.Frames > 0 && c.info.FPS > 0 {
		at += " of " + timeline.Clock(time.Duration(float64(c.info.Frames)/c.info.FPS*float64(time.Second)))
	}
	return at
}

// partialReportName names the report of a run cut short: the report's
// name with the partial results' random part, so that it sits beside
// them, is never taken for a finished report, and replaces nothing.
func partialReportName(report, partialResults string) string {
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

// startProfile starts -profile's profile, or none for "" (package
// profiling).
func startProfile(kind string, inputs []string, overwrite bool, stderr io.Writer) (stop func(), err error) {
	if kind == "" {
		return nil, nil
	}
	if !slices.Contains(profiling.Kinds, kind) {
		return nil, fmt.Errorf("%w: -profile %q: want cpu, mem, block, mutex or trace", errUsage, kind)
	}
	logf := func(format string, a ...any) { fmt.Fprintf(stderr, "livecam: "+format+"\n", a...) }
	stop, err = profiling.Start(kind, profiling.Options{Inputs: inputs, Overwrite: overwrite, Flag: "-profile " + kind, Logf: logf})
	return stop, withHint(err)
}
