package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/livecam/livecam/classify"
	"github.com/livecam/livecam/fleet"
	"github.com/livecam/livecam/internal/escape"
	"github.com/livecam/livecam/internal/redact"
	"github.com/livecam/livecam/internal/runctl"
	"github.com/livecam/livecam/pipeline"
	"github.com/livecam/livecam/sink/outfile"
	"github.com/livecam/livecam/timeline"
	"github.com/livecam/livecam/wire"
)

// submitFlags are the options of livecam submit that each job carries.
type submitFlags struct {
	noVideo, overwrite bool
	topk, every        int
}

// runSubmit queues one job per video on the fleet's work queue.
func runSubmit(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("submit", "VIDEO|FOLDER|GLOB...", stdout, stderr)
	url := fs.String("nats", "", "the NATS server (`URL`, nats://HOST:4222; no credentials in it: see -nats-user)")
	var auth natsAuthFlags
	auth.define(fs)
	outDir := fs.String("out-dir", "", "write NAME.mp4 and NAME.jsonl of each video into `DIR` (a folder every worker can write)")
	var sf submitFlags
	fs.BoolVar(&sf.noVideo, "no-video", false, "write only the results, no annotated video")
	fs.BoolVar(&sf.overwrite, "overwrite", false, "replace outputs that exist (default: refuse)")
	fs.IntVar(&sf.topk, "topk", 3, "classes per frame (1-10)")
	fs.IntVar(&sf.every, "every", 1, "classify every K-th frame")
	if err := fs.parse(args); err != nil {
		return err
	}
	if *url == "" || *outDir == "" || len(fs.Args()) == 0 {
		return fmt.Errorf("%w: give -nats URL, -out-dir DIR and the videos (see livecam submit -h)", errUsage)
	}
	if err := firstError(intIn("topk", sf.topk, 1, 10), intIn("every", sf.every, 1, 1_000_000), fleet.CheckURL(*url)); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	jobs, err := sf.jobs(fs.Args(), *outDir)
	if err != nil {
		return err
	}
	nc, js, err := auth.connect(*url, "livecam submit")
	if err != nil {
		return err
	}
	defer nc.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	done, err := fleet.Submit(ctx, js, jobs)
	for _, s := range done {
		what := "queued"
		if s.Duplicate {
			what = "already " + orDefault(s.Previous, "queued") + ", not queued again"
		}
		fmt.Fprintf(stdout, "%s  %s  %s\n", s.Job.ID, escape.Control(redact.URL(s.Job.Source)), what)
	}
	return err
}

// jobs makes the job of each video of sources (folders and globs
// expanded) with its outputs in outDir, refusing what a worker would.
func (sf submitFlags) jobs(sources []string, outDir string) ([]fleet.Job, error) {
	planned, err := planJobs(&runFlags{sources: sources, outDir: outDir})
	if err != nil {
		return nil, err
	}
	var jobs []fleet.Job
	for _, p := range planned {
		targets := []outfile.Target{{Path: p.results, Flag: "results"}}
		if sf.noVideo {
			p.out = ""
		} else {
			targets = append([]outfile.Target{{Path: p.out, Flag: "video"}}, targets...)
		}
		if err := outfile.Check([]string{p.source}, targets, sf.overwrite); err != nil {
			return nil, withHint(err)
		}
		if err := fleet.CheckSubmitSource(p.source); err != nil {
			return nil, err
		}
		j := fleet.NewJob(fleet.AbsPath(p.source), fleet.AbsPath(p.out), fleet.AbsPath(p.results))
		j.TopK, j.Every, j.Overwrite = sf.topk, sf.every, sf.overwrite
		jobs = append(jobs, j)
	}
	return jobs, nil
}

// workerFlags are the flags of livecam worker.
type workerFlags struct {
	url, name, model     string
	auth                 natsAuthFlags
	limits               fleet.Limits
	attempts, deliveries int
	workers, threads     int
	ackWait              time.Duration
}

// defineWorkerFlags registers the flags of livecam worker.
func defineWorkerFlags(stdout, stderr io.Writer) (*flagSet, *workerFlags) {
	fs := newFlags("worker", "", stdout, stderr)
	w := &workerFlags{}
	fs.StringVar(&w.url, "nats", "", "the NATS server (`URL`; no credentials in it: see -nats-user)")
	w.auth.define(fs)
	fs.multi("input-root", "jobs may read videos under `DIR` (repeatable; required)", func(v string) error {
		w.limits.InputRoots = append(w.limits.InputRoots, v)
		return nil
	})
	fs.multi("output-root", "jobs may write their outputs under `DIR` (repeatable; required)", func(v string) error {
		w.limits.OutputRoots = append(w.limits.OutputRoots, v)
		return nil
	})
	fs.BoolVar(&w.limits.AllowURLs, "allow-urls", false, "take jobs whose source is an http, https or rtsp URL (default: files only)")
	fs.IntVar(&w.deliveries, "max-deliveries", 10, "deliveries of a job without an outcome (its workers died) before it is dead-lettered")
	host, _ := os.Hostname()
	fs.StringVar(&w.name, "name", fmt.Sprintf("%s-%d", host, os.Getpid()), "the worker's name in the jobs' states")
	fs.DurationVar(&w.ackWait, "ack-wait", 0, "how long a job may go without news from its worker before another gets it (0: the queue's, 30s when new)")
	fs.IntVar(&w.attempts, "max-attempts", 3, "tries of a job that fails before it is dead-lettered")
	fs.StringVar(&w.model, "model", "", modelFlagHelp)
	fs.IntVar(&w.workers, "workers", 0, "inference workers (0: one per core)")
	fs.IntVar(&w.threads, "threads", 1, "threads per forward pass")
	return fs, w
}

// check validates the flags, the credentials included, before the model
// loads, and returns the limits Resolved.
func (w *workerFlags) check() (fleet.Limits, error) {
	if w.url == "" {
		return w.limits, fmt.Errorf("%w: give -nats URL (see livecam worker -h)", errUsage)
	}
	var missing []string
	if len(w.limits.InputRoots) == 0 {
		missing = append(missing, "-input-root DIR")
	}
	if len(w.limits.OutputRoots) == 0 {
		missing = append(missing, "-output-root DIR")
	}
	if len(missing) > 0 {
		return w.limits, fmt.Errorf("%w: give %s: the folders jobs may read and write (a worker takes nothing else; see livecam worker -h)", errUsage, strings.Join(missing, " and "))
	}
	resolved, err := w.limits.Resolved()
	if err == nil {
		_, err = w.auth.build(w.url)
	}
	if err == nil {
		err = firstError(intIn("max-attempts", w.attempts, 1, 100), intIn("max-deliveries", w.deliveries, 1, 1000), intIn("workers", w.workers, 0, maxWorkers),
			intIn("threads", w.threads, 1, maxWorkers), durationIn("ack-wait", w.ackWait, 0, time.Hour), fleet.CheckURL(w.url))
	}
	if err != nil {
		return w.limits, fmt.Errorf("%w: %v", errUsage, err)
	}
	return resolved, nil
}

// runWorker pulls jobs from the fleet's queue and labels them.
func runWorker(args []string, stdout, stderr io.Writer) error {
	fs, wf := defineWorkerFlags(stdout, stderr)
	if err := fs.parse(args); err != nil {
		return err
	}
	limits, err := wf.check()
	if err != nil {
		return err
	}
	quietNativeLogs()
	r, err := newJobRunner(wf.model, wf.workers, wf.threads, stdout, stderr)
	if err != nil {
		return err
	}
	logf := func(format string, a ...any) {
		fmt.Fprintf(stderr, "livecam worker %s: %s\n", escape.Control(wf.name), escape.Control(fmt.Sprintf(format, a...)))
	}
	nc, js, err := wf.auth.connect(wf.url, "livecam worker "+wf.name)
	if err != nil {
		return err
	}
	defer nc.Close()
	// The first stop signal finishes the job in hand and takes no other;
	// a second hands it back to the queue at once.
	ctx, stop, end := runctl.Drain(context.Background(), runctl.Options{Logf: logf})
	defer end()
	w := &fleet.Worker{JS: js, Name: wf.name, Limits: limits, MaxAttempts: wf.attempts, MaxDeliveries: wf.deliveries,
		Options: fleet.Options{AckWait: wf.ackWait}, Logf: logf, Process: r.process(limits)}
	w.Ready = func() {
		logf("waiting for jobs on %s (reading %s; writing %s)", redact.URL(wf.url), escape.Control(strings.Join(limits.InputRoots, ", ")), escape.Control(strings.Join(limits.OutputRoots, ", ")))
	}
	err = w.Run(ctx, stop)
	logf("stopped")
	return err
}

// newJobRunner loads the model (a classifier or a detector) and makes the
// runner of a worker's jobs.
func newJobRunner(model string, workers, threads int, stdout, stderr io.Writer) (*runner, error) {
	fs, f := defineRunFlags(io.Discard, io.Discard) // the defaults of a run
	// Each job writes into a new folder of its own; what replaces an
	// existing output is decided when the job's outputs move into place.
	f.model, f.workers, f.threads, f.quiet, f.overwrite = model, workers, threads, true, false
	r, err := newRunner(fs, f, stdout, stderr)
	if err != nil {
		return nil, err
	}
	r.inBatch = true
	return r, nil
}

// process is the worker's fleet.Process: doJob, with a full disk the
// worker's fault, not the job's.
func (r *runner) process(limits fleet.Limits) fleet.Process {
	return func(ctx context.Context, job fleet.Job, results *fleet.Results, progress func(float64)) (fleet.Summary, error) {
		sum, err := r.doJob(ctx, limits, job, results, progress)
		if err != nil && isDiskFull(err) && !errors.Is(err, fleet.ErrRefused) {
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
func (r *runner) doJob(ctx context.Context, limits fleet.Limits, job fleet.Job, results *fleet.Results, progress func(float64)) (fleet.Summary, error) {
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
func (r *runner) runJob(ctx context.Context, files *fleet.JobFiles, fj fleet.Job, results *fleet.Results, progress func(float64)) (sum fleet.Summary, err error) {
	rr := *r
	rr.stderr = files.Log(r.stderr)
	rr.scratch = true // the workspace goes or is moved out of: name none of its files
	f := *r.f
	if fj.TopK > 0 {
		f.topk = fj.TopK
	}
	if fj.Every > 0 {
		f.every = fj.Every
	}
	var opts classify.Options
	if r.m != nil {
		if opts, err = resultOptions(r.m, &f); err != nil {
			return sum, err
		}
	}
	sink := &jobSink{ctx: ctx, results: results, progress: progress}
	c, err := rr.prepare("", job{source: files.Source, results: files.Results, out: files.Video}, &f, opts, shared{sinks: []pipeline.Sink{sink}})
	if err != nil {
		return sum, err
	}
	sink.total = c.info.Frames
	runErr := c.p.Run(ctx)
	if ctx.Err() != nil {
		return sum, ctx.Err()
	}
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

// runJobs lists the fleet's jobs and their states.
func runJobs(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("jobs", "", stdout, stderr)
	url := fs.String("nats", "", "the NATS server (`URL`; no credentials in it: see -nats-user)")
	var auth natsAuthFlags
	auth.define(fs)
	asJSON := fs.Bool("json", false, "one JSON object per job")
	if err := fs.parse(args); err != nil {
		return err
	}
	if *url == "" {
		return fmt.Errorf("%w: give -nats URL", errUsage)
	}
	nc, js, err := auth.connect(*url, "livecam jobs") // checks the URL first
	if err != nil {
		return err
	}
	defer nc.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	states, err := fleet.List(ctx, js)
	if err != nil {
		return err
	}
	switch workers, err := fleet.Workers(ctx, js); {
	case err != nil:
		return err
	case *asJSON:
		return fleet.WriteStatesJSON(stdout, states)
	default:
		return fleet.WriteStates(stdout, states, workers, time.Now())
	}
}
