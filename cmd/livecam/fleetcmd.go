package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	iofs "io/fs"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"text/tabwriter"
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

// runSubmit queues one job per video on the fleet's work queue.
func runSubmit(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("submit", "VIDEO|FOLDER|GLOB...", stdout, stderr)
	url := fs.String("nats", "", "the NATS server (`URL`, nats://HOST:4222; no credentials in it: see -nats-user)")
	var auth natsAuthFlags
	auth.define(fs)
	outDir := fs.String("out-dir", "", "write NAME.mp4 and NAME.jsonl of each video into `DIR` (a folder every worker can write)")
	noVideo := fs.Bool("no-video", false, "write only the results, no annotated video")
	overwrite := fs.Bool("overwrite", false, "replace outputs that exist (default: refuse)")
	topk := fs.Int("topk", 3, "classes per frame (1-10)")
	every := fs.Int("every", 1, "classify every K-th frame")
	if err := fs.parse(args); err != nil {
		return err
	}
	if *url == "" || *outDir == "" || len(fs.Args()) == 0 {
		return fmt.Errorf("%w: give -nats URL, -out-dir DIR and the videos (see livecam submit -h)", errUsage)
	}
	if err := firstError(intIn("topk", *topk, 1, 10), intIn("every", *every, 1, 1_000_000), fleet.CheckURL(*url)); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	planned, err := planJobs(&runFlags{sources: fs.Args(), outDir: *outDir})
	if err != nil {
		return err
	}
	var jobs []fleet.Job
	for _, p := range planned {
		var targets []outfile.Target
		out := p.out
		if *noVideo {
			out = ""
		} else {
			targets = append(targets, outfile.Target{Path: out, Flag: "video"})
		}
		targets = append(targets, outfile.Target{Path: p.results, Flag: "results"})
		if err := outfile.Check([]string{p.source}, targets, *overwrite); err != nil {
			return withHint(err)
		}
		if err := checkJobSource(p.source); err != nil {
			return err
		}
		j := fleet.NewJob(absPath(p.source), absPath(out), absPath(p.results))
		j.TopK, j.Every, j.Overwrite = *topk, *every, *overwrite
		jobs = append(jobs, j)
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

// checkJobSource refuses at submit what every worker refuses: a job names
// a video, so a local source must be a regular file (links resolved);
// never a GStreamer pipeline, a device, a FIFO or a folder. A URL is left
// to the workers (only those started with -allow-urls take one).
func checkJobSource(src string) error {
	shown := escape.Control(redact.URL(src))
	if strings.Contains(src, "://") {
		if strings.ContainsAny(src, "!\x00") {
			return fmt.Errorf("%s: a GStreamer pipeline (or a name with '!'): a job names a video file or a URL", shown)
		}
		return nil
	}
	st, err := os.Stat(src)
	if err != nil {
		return fmt.Errorf("%s: %w", shown, unwrapPathError(err))
	}
	switch {
	case st.IsDir():
		return fmt.Errorf("%s: a folder, not a video file", shown)
	case !st.Mode().IsRegular():
		return fmt.Errorf("%s: not a regular file (%v): a job names a video file", shown, st.Mode().Type())
	case strings.ContainsAny(src, "!\x00"):
		return fmt.Errorf("%s: workers refuse a source with '!' in its name (it reads as a GStreamer pipeline): rename it", shown)
	}
	return nil
}

func unwrapPathError(err error) error {
	var pe *iofs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// absPath makes a path absolute (workers run elsewhere); URLs and "" are
// kept.
func absPath(p string) string {
	if p == "" || strings.Contains(p, "://") {
		return p
	}
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return p
}

// runWorker pulls jobs from the fleet's queue and labels them.
func runWorker(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("worker", "", stdout, stderr)
	url := fs.String("nats", "", "the NATS server (`URL`; no credentials in it: see -nats-user)")
	var auth natsAuthFlags
	auth.define(fs)
	var limits fleet.Limits
	fs.multi("input-root", "jobs may read videos under `DIR` (repeatable; required)", func(v string) error {
		limits.InputRoots = append(limits.InputRoots, v)
		return nil
	})
	fs.multi("output-root", "jobs may write their outputs under `DIR` (repeatable; required)", func(v string) error {
		limits.OutputRoots = append(limits.OutputRoots, v)
		return nil
	})
	fs.BoolVar(&limits.AllowURLs, "allow-urls", false, "take jobs whose source is an http, https or rtsp URL (default: files only)")
	deliveries := fs.Int("max-deliveries", 10, "deliveries of a job without an outcome (its workers died) before it is dead-lettered")
	host, _ := os.Hostname()
	name := fs.String("name", fmt.Sprintf("%s-%d", host, os.Getpid()), "the worker's name in the jobs' states")
	ackWait := fs.Duration("ack-wait", 0, "how long a job may go without news from its worker before another gets it (0: the queue's, 30s when new)")
	attempts := fs.Int("max-attempts", 3, "tries of a job that fails before it is dead-lettered")
	model := fs.String("model", "", modelFlagHelp)
	workers := fs.Int("workers", 0, "inference workers (0: one per core)")
	threads := fs.Int("threads", 1, "threads per forward pass")
	if err := fs.parse(args); err != nil {
		return err
	}
	if *url == "" {
		return fmt.Errorf("%w: give -nats URL (see livecam worker -h)", errUsage)
	}
	var missing []string
	if len(limits.InputRoots) == 0 {
		missing = append(missing, "-input-root DIR")
	}
	if len(limits.OutputRoots) == 0 {
		missing = append(missing, "-output-root DIR")
	}
	if len(missing) > 0 {
		return fmt.Errorf("%w: give %s: the folders jobs may read and write (a worker takes nothing else; see livecam worker -h)", errUsage, strings.Join(missing, " and "))
	}
	resolved, err := limits.Resolved()
	if err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	if _, err := auth.build(*url); err != nil { // before the model loads
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	if err := firstError(intIn("max-attempts", *attempts, 1, 100), intIn("max-deliveries", *deliveries, 1, 1000), intIn("workers", *workers, 0, maxWorkers),
		intIn("threads", *threads, 1, maxWorkers), durationIn("ack-wait", *ackWait, 0, time.Hour), fleet.CheckURL(*url)); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	quietNativeLogs()
	r, err := newJobRunner(*model, *workers, *threads, stdout, stderr)
	if err != nil {
		return err
	}
	logf := func(format string, a ...any) {
		fmt.Fprintf(stderr, "livecam worker %s: %s\n", escape.Control(*name), escape.Control(fmt.Sprintf(format, a...)))
	}
	nc, js, err := auth.connect(*url, "livecam worker "+*name)
	if err != nil {
		return err
	}
	defer nc.Close()

	// The first stop signal finishes the job in hand and takes no other;
	// a second hands it back to the queue at once.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stop := make(chan struct{})
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, runctl.StopSignals...)
	defer signal.Stop(sigs)
	go func() {
		if _, ok := <-sigs; !ok {
			return
		}
		logf("stopping after the job in hand (signal again to hand it back now)")
		close(stop)
		if _, ok := <-sigs; ok {
			cancel()
		}
	}()
	w := &fleet.Worker{JS: js, Name: *name, Limits: resolved, MaxAttempts: *attempts, MaxDeliveries: *deliveries, Options: fleet.Options{AckWait: *ackWait}, Logf: logf,
		Process: func(ctx context.Context, job fleet.Job, results *fleet.Results, progress func(float64)) (fleet.Summary, error) {
			sum, err := r.doJob(ctx, resolved, job, *name, results, progress)
			if err != nil && isDiskFull(err) && !errors.Is(err, fleet.ErrRefused) {
				err = fmt.Errorf("%w: %w", fleet.ErrWorkerFault, err) // not the job's fault
			}
			return sum, err
		}}
	w.Ready = func() {
		logf("waiting for jobs on %s (reading %s; writing %s)", redact.URL(*url), escape.Control(strings.Join(resolved.InputRoots, ", ")), escape.Control(strings.Join(resolved.OutputRoots, ", ")))
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

// doJob labels one video of the fleet (job as Limits.Check returned it):
// its source is opened once and checked as opened, its output folders
// too, and from then on the pipeline reaches them only through the open
// descriptors (/proc paths), so that a name swapped for a link in the
// meantime leads nowhere new. Its outputs are written in a folder of this
// worker's beside the results (locked while the job runs) and moved into
// place once whole, results first, so a worker that dies leaves nothing
// under the final names.
func (r *runner) doJob(ctx context.Context, limits fleet.Limits, job fleet.Job, worker string, results *fleet.Results, progress func(float64)) (sum fleet.Summary, err error) {
	shown := redact.URL(job.Source)
	src := job.Source
	repl := []string{}
	if !fleet.IsURL(job.Source) {
		f, p, err := limits.OpenSource(job.Source)
		if err != nil {
			return sum, err
		}
		defer f.Close()
		src = p
		repl = append(repl, p, shown)
	}
	resDir, err := limits.OpenOutputDir(filepath.Dir(job.Results))
	if err != nil {
		return sum, err
	}
	defer resDir.Close()
	outDir := resDir
	if job.Out != "" && filepath.Dir(job.Out) != filepath.Dir(job.Results) {
		if outDir, err = limits.OpenOutputDir(filepath.Dir(job.Out)); err != nil {
			return sum, err
		}
		defer outDir.Close()
	}
	// A job delivered again: the folders a worker that lost it left are
	// litter now, unless that worker still works in one (it holds it
	// locked).
	prefix := ".livecam-job-" + job.ID + "-"
	resDir.RemoveStale(prefix)
	ws, err := resDir.NewWorkspace(prefix)
	if err != nil {
		return sum, err
	}
	keep := false // the workspace, when a finished output could not move
	defer func() {
		if keep {
			ws.Close()
		} else {
			ws.Remove()
		}
	}()
	repl = append(repl, ws.Path(""), ws.Real(""))
	names := strings.NewReplacer(repl...)
	defer func() {
		if err != nil {
			err = renamedError{msg: names.Replace(err.Error()), err: err}
		}
	}()
	rr := *r
	rr.stderr = replacingWriter{w: r.stderr, r: names}
	rr.scratch = true // the workspace goes or is moved out of: name none of its files
	f := *r.f
	if job.TopK > 0 {
		f.topk = job.TopK
	}
	if job.Every > 0 {
		f.every = job.Every
	}
	var opts classify.Options
	if r.m != nil {
		if opts, err = resultOptions(r.m, &f); err != nil {
			return sum, err
		}
	}
	j := job2run(job, src, ws.Path(""))
	frames := 0
	var line []byte
	var total int
	sh := shared{sinks: []pipeline.Sink{pipeline.SinkFunc(func(o *pipeline.Output) error {
		line = wire.AppendResult(line[:0], o.Result)
		if err := results.Publish(ctx, o.Result.Frame, line); err != nil {
			return err
		}
		frames++
		if total > 0 && frames%25 == 0 {
			progress(min(1, float64(frames)/float64(total)))
		}
		return nil
	})}}
	c, err := rr.prepare("", j, &f, opts, sh)
	if err != nil {
		return sum, err
	}
	total = c.info.Frames
	runErr := c.p.Run(ctx)
	if ctx.Err() != nil {
		return sum, ctx.Err()
	}
	if err := rr.finish(c, runErr, false); err != nil {
		return sum, err
	}
	if frames == 0 {
		return sum, fmt.Errorf("%s: no frame could be read", shown)
	}
	// The results first: a video under its final name says the job is
	// done.
	type move struct {
		file  string
		dir   *fleet.OutputDir
		final string
	}
	moves := []move{{filepath.Base(j.results), resDir, job.Results}}
	if job.Out != "" {
		moves = append(moves, move{filepath.Base(j.out), outDir, job.Out})
	}
	if !job.Overwrite {
		// Neither output may exist: refuse before either moves.
		for _, mv := range moves {
			if _, err := os.Lstat(mv.final); err == nil {
				return sum, fmt.Errorf("%w: %s exists (submit with -overwrite to replace it)", fleet.ErrRefused, mv.final)
			}
		}
	}
	if beforeMoves != nil {
		beforeMoves()
	}
	for i, mv := range moves {
		if err := ws.MoveOut(mv.file, mv.dir, filepath.Base(mv.final), job.Overwrite); err != nil {
			// Undo the moves made: the job's outputs move together or
			// not at all, and stay in the worker's folder.
			for _, done := range moves[:i] {
				if berr := ws.MoveBack(done.dir, filepath.Base(done.final), done.file); berr != nil {
					err = fmt.Errorf("%w; and %s could not move back (%v): it is there, whole", err, done.final, berr)
				}
			}
			keep = true
			if !job.Overwrite && errors.Is(err, iofs.ErrExist) {
				err = fmt.Errorf("%w: %w", fleet.ErrRefused, err)
			}
			return sum, err
		}
		sum.Outputs = append(sum.Outputs, mv.final)
	}
	sum.Frames = frames
	for _, seg := range c.story.Segments() {
		sum.Labels = append(sum.Labels, seg.Label)
	}
	if b := c.objStory; b != nil {
		segs := b.Spans()
		if b.Tracked() {
			segs = b.Tracks()
		}
		for _, row := range timeline.ByLabel(segs) {
			sum.Labels = append(sum.Labels, row.Label)
		}
	}
	return sum, nil
}

// beforeMoves, when set (by tests), runs after a job's outputs are
// checked and before they move into place.
var beforeMoves func()

// renamedError is an error whose message names what the user knows
// (the job's source, the worker's folder) rather than the /proc paths
// the pipeline was given.
type renamedError struct {
	msg string
	err error
}

func (e renamedError) Error() string { return e.msg }
func (e renamedError) Unwrap() error { return e.err }

// replacingWriter rewrites the /proc paths in what a job's pipeline
// prints.
type replacingWriter struct {
	w io.Writer
	r *strings.Replacer
}

func (w replacingWriter) Write(p []byte) (int, error) {
	if _, err := io.WriteString(w.w, w.r.Replace(string(p))); err != nil {
		return 0, err
	}
	return len(p), nil
}

// job2run names a fleet job's outputs inside the worker's folder tmp:
// "results" and "video" with the extensions of the job's outputs, so two
// outputs of one base name in different folders are two files here. src
// is the path the pipeline reads.
func job2run(fj fleet.Job, src, tmp string) job {
	j := job{source: src, results: filepath.Join(tmp, "results"+filepath.Ext(fj.Results))}
	if fj.Out != "" {
		j.out = filepath.Join(tmp, "video"+filepath.Ext(fj.Out))
	}
	return j
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
	if err := fleet.CheckURL(*url); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	nc, js, err := auth.connect(*url, "livecam jobs")
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
	workers, err := fleet.Workers(ctx, js)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		for _, s := range states {
			if err := enc.Encode(s.Redacted()); err != nil {
				return err
			}
		}
		return nil
	}
	count := map[string]int{}
	tw := tabwriter.NewWriter(stdout, 0, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "JOB\tSTATE\tWORKER\tPROGRESS\tATTEMPTS\tSOURCE\tNOTE")
	for _, s := range states {
		count[s.State]++
		prog := ""
		if s.State == fleet.Running {
			prog = fmt.Sprintf("%.0f%%", 100*s.Progress)
		}
		note := s.Error
		if s.State == fleet.Done {
			note = fmt.Sprintf("%d frames", s.Frames)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\t%s\n", escape.Control(s.Job.ID), escape.Control(s.State), escape.Control(s.Worker), prog, s.Attempts,
			escape.Control(redact.URL(s.Job.Source)), escape.Control(redact.Text(note)))
	}
	tw.Flush()
	fmt.Fprintf(stdout, "%d jobs: %d queued, %d running, %d done, %d failed\n", len(states), count[fleet.Queued], count[fleet.Running], count[fleet.Done], count[fleet.Failed])
	if len(workers) > 0 {
		tw = tabwriter.NewWriter(stdout, 0, 8, 2, ' ', 0)
		fmt.Fprintln(tw, "\nWORKER\tSTATE\tJOB\tSEEN\tNOTE")
		for _, w := range workers {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s ago\t%s\n", escape.Control(w.Name), escape.Control(w.State), escape.Control(w.Job),
				time.Since(w.Updated).Round(time.Second), escape.Control(w.Note))
		}
		tw.Flush()
	}
	return nil
}
