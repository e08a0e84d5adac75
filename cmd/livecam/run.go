package main

import (
	"fmt"
	"io"
	"slices"

	"github.com/livecam/livecam/internal/cliflag"
	"github.com/livecam/livecam/internal/mainjob"
	"github.com/livecam/livecam/internal/profiling"
	"github.com/livecam/livecam/models"
)

// runPipeline is livecam's main job: label one or more video sources. It
// parses the flags, checks them against each other and hands the run to
// package run.
func runPipeline(args []string, stdout, stderr io.Writer) error {
	fs, f := defineRunFlags(stdout, stderr)
	if err := fs.Parse(args); err != nil {
		return err
	}
	f.Sources = append(f.Sources, fs.Args()...)
	cams, file, err := camerasOf(fs, f)
	if err != nil {
		return err
	}
	if len(f.Sources) == 0 && cams == nil {
		return fmt.Errorf("%w: no source: give -source (a camera index, file, folder, URL or GStreamer pipeline) or -config; see livecam -h", errUsage)
	}
	if err := f.Validate(); err != nil {
		return inFile(fmt.Errorf("%w: %v", errUsage, err), fs, f, file)
	}
	var jobs []mainjob.Job
	if cams != nil {
		err = checkCameraFlags(f)
	} else {
		jobs, err = mainjob.Plan(f, func() error { return checkOutDirFlags(f) })
	}
	if err != nil {
		return err
	}
	if stopProfile, err := startProfile(f.Profile, mainjob.Inputs(jobs, cams), f.Overwrite, stderr); err != nil {
		return err
	} else if stopProfile != nil {
		defer stopProfile()
	}
	if !f.Verbose {
		quietNativeLogs()
	}
	r, err := newRunner(fs, f, stdout, stderr)
	switch {
	case err != nil:
		return inFile(err, fs, f, file)
	case cams != nil:
		return inFile(r.Cameras(cams), fs, f, file)
	case len(jobs) == 1 && f.OutDir == "":
		return r.One(jobs[0])
	}
	return r.Batch(jobs)
}

// newRunner opens -model, a classifier or a detector, and returns the
// runner of the run's jobs. A detector's -min-score defaults to 0.5
// (below that is mostly noise); a classifier's run refuses the
// detector's flags.
func newRunner(fs *cliflag.Set, f *mainjob.Settings, stdout, stderr io.Writer) (*mainjob.Runner, error) {
	model, err := openModel(f.Model, f.Labels, "")
	if err != nil {
		return nil, err
	}
	if model.Task != models.Detect {
		if err := onlyWithDetector(fs); err != nil {
			return nil, err
		}
	} else if !isSet(fs, "min-score") {
		f.MinScore = 0.5
	}
	return mainjob.New(model, *f, stdout, stderr)
}

// withHint: see mainjob.WithHint (the hint names -overwrite).
var withHint = mainjob.WithHint

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
