package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/livecam/livecam/internal/batch"
)

// planJobs expands the sources (package batch) and names each one's
// outputs: -out, -results, -events and -report for a single source,
// files in -out-dir otherwise.
func planJobs(f *runFlags) ([]job, error) {
	sources, many, err := batch.Expand(f.sources)
	if err != nil {
		return nil, asUsage(err)
	}
	if len(sources) == 1 && !many && f.outDir == "" {
		return []job{{source: sources[0], out: f.out, results: f.results, eventsOut: f.eventsOut, report: f.report}}, nil
	}
	// Several sources: each gets its outputs in -out-dir.
	if f.outDir == "" {
		return nil, fmt.Errorf("%w: %d sources: give -out-dir DIR for their outputs", errUsage, len(sources))
	}
	if err := checkOutDirFlags(f); err != nil {
		return nil, err
	}
	ext := ".mp4"
	if f.codec == "vp9" {
		ext = ".webm"
	}
	planned, err := batch.Name(sources, f.outDir, ext)
	if err != nil {
		return nil, asUsage(err)
	}
	jobs := make([]job, len(planned))
	for i, p := range planned {
		jobs[i] = job{source: p.Source, out: p.Out, results: p.Results, eventsOut: p.Events, report: p.Report}
	}
	return jobs, nil
}

// checkOutDirFlags refuses the flags that name one source's outputs, or
// that only make sense for one, beside -out-dir; and an -out-dir that is
// not a folder.
func checkOutDirFlags(f *runFlags) error {
	for _, name := range []struct {
		set  bool
		flag string
	}{{f.out != "", "-out"}, {f.results != "", "-results"}, {f.eventsOut != "", "-events"}, {f.report != "", "-report"}, {f.display, "-display"}, {f.serve != "", "-serve"}, {f.loop, "-loop"}} {
		if name.set {
			return fmt.Errorf("%w: %s cannot be used with -out-dir (each source's outputs are named after it)", errUsage, name.flag)
		}
	}
	if !isDir(f.outDir) {
		return fmt.Errorf("%w: -out-dir %s: not a folder (create it first)", errUsage, f.outDir)
	}
	return nil
}

// batch runs each job in turn (batch.Run): a line per source, a failed
// one skipped; a stop signal or a full disk ends the batch.
func (r *runner) batch(jobs []job) error {
	r.inBatch = true
	planned := make([]batch.Job, len(jobs))
	for i, j := range jobs {
		planned[i] = batch.Job{Source: j.source, Out: j.out, Results: j.results, Events: j.eventsOut, Report: j.report}
	}
	run := func(j batch.Job) error {
		return r.run(job{source: j.Source, out: j.Out, results: j.Results, eventsOut: j.Events, report: j.Report})
	}
	logf := func(format string, a ...any) { fmt.Fprintf(r.stderr, "livecam: "+format+"\n", a...) }
	return batch.Run(planned, run, batch.Options{Logf: logf, Explain: withHint})
}

// asUsage marks batch's refusals (batch.ErrUsage) as the caller's misuse:
// exit status 2.
func asUsage(err error) error {
	if errors.Is(err, batch.ErrUsage) {
		return misuse{err}
	}
	return err
}

// misuse is an error that errors.Is takes for errUsage, its message kept.
type misuse struct{ error }

func (m misuse) Is(target error) bool { return target == errUsage }
func (m misuse) Unwrap() error        { return m.error }

// outputBase and printable: see package batch.
var (
	outputBase = batch.OutputBase
	printable  = batch.Printable
)

func isDir(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.IsDir()
}
