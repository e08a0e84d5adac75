package main

import (
	"fmt"
	"io"
	"slices"

	"github.com/livecam/livecam/cameras"
	"github.com/livecam/livecam/internal/profiling"
	"github.com/livecam/livecam/internal/runctl"
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
