package mainjob

import (
	"context"
	"errors"
	"fmt"

	"github.com/livecam/livecam/classify"
	"github.com/livecam/livecam/fleet"
	"github.com/livecam/livecam/internal/batch"
	"github.com/livecam/livecam/internal/escape"
	"github.com/livecam/livecam/internal/redact"
	"github.com/livecam/livecam/internal/runctl"
	"github.com/livecam/livecam/pipeline"
	"github.com/livecam/livecam/sink/outfile"
	"github.com/livecam/livecam/timeline"
	"github.com/livecam/livecam/wire"
)

// Process is a fleet worker's fleet.Process: it runs each job it is
// given within limits (as fleet.Limits.Resolved returned them), quietly,
// in the job's own workspace, and moves the outputs into place once
// whole; a full disk is the worker's fault, not the job's.
func (r *Runner) Process(limits fleet.Limits) fleet.Process {
	r.inBatch = true
	return func(ctx context.Context, job fleet.Job, results *fleet.Results, progress func(float64)) (fleet.Summary, error) {
		sum, err := r.doJob(ctx, limits, job, results, progress)
		if err != nil && runctl.IsDiskFull(err) && !errors.Is(err, fleet.ErrRefused) {
			err = fmt.Errorf("%w: %w", fleet.ErrWorkerFault, err) // not the job's fault
		}
		return sum, err
	}
}

// doJob labels one video of the fleet (job as Limits.Check returned it)
// in its fleet.JobFiles: the pipeline reads the source opened and
// checked once and writes into the job's locked workspace; the outputs
// move into place once whole, results first, so a worker that dies
// leaves nothing under the final names. Errors and the job's log name
// the paths the user knows, never the /proc paths.
func (r *Runner) doJob(ctx context.Context, limits fleet.Limits, job fleet.Job, results *fleet.Results, progress func(float64)) (fleet.Summary, error) {
	files, err := limits.OpenJob(job)
	if err != nil {
		return fleet.Summary{}, err
	}
	defer files.Close()
	sum, err := r.runJob(ctx, files, job, results, progress)
	return sum, files.Shown(err)
}

// runJob runs fj's pipeline on its files, sends each frame's result to
// results, and commits the outputs.
func (r *Runner) runJob(ctx context.Context, files *fleet.JobFiles, fj fleet.Job, results *fleet.Results, progress func(float64)) (sum fleet.Summary, err error) {
	rr := *r
	rr.stderr = files.Log(r.stderr)
	rr.scratch = true // the workspace goes or is moved out of: name none of its files
	f := *r.f
	if fj.TopK > 0 {
		f.TopK = fj.TopK
	}
	if fj.Every > 0 {
		f.Every = fj.Every
	}
	var opts classify.Options
	if r.m != nil {
		if opts, err = resultOptions(r.m, &f); err != nil {
			return sum, err
		}
	}
	sink := &jobSink{ctx: ctx, results: results, progress: progress}
	c, err := rr.prepare("", Job{Source: files.Source, Results: files.Results, Out: files.Video}, &f, opts, shared{sinks: []pipeline.Sink{sink}})
	if err != nil {
		return sum, err
	}
	sink.total = c.info.Frames
	runErr := c.p.Run(ctx)
	if ctx.Err() != nil {
		return sum, ctx.Err()
	}
	c.j.Source = fj.Source // the report and the closing line name the source the user gave, not its /proc path
	if err := rr.finish(c, runErr, false); err != nil {
		return sum, err
	}
	if sink.frames == 0 {
		return sum, fmt.Errorf("%s: no frame could be read", redact.URL(fj.Source))
	}
	if sum.Outputs, err = files.Commit(); err != nil {
		return sum, err
	}
	sum.Frames, sum.Labels = sink.frames, jobLabels(c)
	return sum, nil
}

// jobSink sends each frame's result of a job to the results stream and
// reports the job's progress every 25 frames.
type jobSink struct {
	ctx      context.Context
	results  *fleet.Results
	progress func(float64)
	line     []byte
	frames   int
	total    int // the source's frames, 0 when unknown
}

// TakesI420 is true: a job publishes results, not pixels.
func (s *jobSink) TakesI420() bool { return true }

// Write publishes o's result and, every 25 frames, the progress.
func (s *jobSink) Write(o *pipeline.Output) error {
	s.line = wire.AppendResult(s.line[:0], o.Result)
	if err := s.results.Publish(s.ctx, o.Result.Frame, s.line); err != nil {
		return err
	}
	s.frames++
	if s.total > 0 && s.frames%25 == 0 {
		s.progress(min(1, float64(s.frames)/float64(s.total)))
	}
	return nil
}

// Close does nothing: the results stream is the worker's.
func (s *jobSink) Close() error { return nil }

// jobLabels are the labels a job's run saw, for its summary.
func jobLabels(c *camRun) []string {
	var labels []string
	for _, seg := range c.story.Segments() {
		labels = append(labels, seg.Label)
	}
	if b := c.objStory; b != nil {
		segs := b.Spans()
		if b.Tracked() {
			segs = b.Tracks()
		}
		for _, row := range timeline.ByLabel(segs) {
			labels = append(labels, row.Label)
		}
	}
	return labels
}

// Submission is what livecam submit queues: each job's options, and how
// its outputs are named (Plan).
type Submission struct {
	// Sources are the videos, folders and patterns; OutDir the folder of
	// their outputs, one every worker can write.
	Sources []string
	OutDir  string
	// NoVideo leaves the annotated video out; Overwrite queues every
	// job and lets it replace existing outputs.
	NoVideo, Overwrite bool
	// TopK and Every are each job's classes per frame and its stride.
	TopK, Every int
}

// Jobs makes the fleet job of each video of s, refusing what a worker
// would; checkMany is Plan's. Without Overwrite, a video whose outputs
// are done (batch.Inspect: they end with their closing line) is left
// out and counted in done, which names those whose source ended early
// (a damaged file is not queued again: it would end at the same place;
// done's String says so, as a batch's rerun does), and one whose
// outputs exist unfinished is refused, naming the file and why.
func (s Submission) Jobs(checkMany func() error) (jobs []fleet.Job, done batch.Skipped, err error) {
	planned, err := Plan(&Settings{Sources: s.Sources, OutDir: s.OutDir}, checkMany)
	if err != nil {
		return nil, done, err
	}
	for _, p := range planned {
		p.Events, p.Report = "", "" // a fleet job writes neither
		targets := []outfile.Target{{Path: p.Results, Flag: "results"}}
		if s.NoVideo {
			p.Out = ""
		} else {
			targets = append([]outfile.Target{{Path: p.Out, Flag: "video"}}, targets...)
		}
		if !s.Overwrite {
			switch f, err := batch.Inspect(p); {
			case err != nil:
				return nil, done, err
			case f.Done:
				done.Add(p, f)
				continue
			case f.Unfinished != "":
				return nil, done, fmt.Errorf("%s: %w (%s): pass -overwrite to replace it", escape.Control(f.Unfinished), batch.ErrUnfinished, f.Why)
			}
		}
		if err := outfile.Check([]string{p.Source}, targets, s.Overwrite); err != nil {
			return nil, done, WithHint(err)
		}
		if err := fleet.CheckSubmitSource(p.Source); err != nil {
			return nil, done, err
		}
		j := fleet.NewJob(fleet.AbsPath(p.Source), fleet.AbsPath(p.Out), fleet.AbsPath(p.Results))
		j.TopK, j.Every, j.Overwrite = s.TopK, s.Every, s.Overwrite
		jobs = append(jobs, j)
	}
	return jobs, done, nil
}
