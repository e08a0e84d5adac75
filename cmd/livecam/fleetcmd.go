package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/livecam/livecam/fleet"
	"github.com/livecam/livecam/internal/runctl"
	"github.com/livecam/livecam/pipeline"
	"github.com/livecam/livecam/sink/jsonl"
	"github.com/livecam/livecam/sink/outfile"
)

// runSubmit queues one job per video on the fleet's work queue.
func runSubmit(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("submit", "VIDEO|FOLDER|GLOB...", stdout, stderr)
	url := fs.String("nats", "", "the NATS server (`URL`, nats://HOST:4222)")
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
	if err := firstError(intIn("topk", *topk, 1, 10), intIn("every", *every, 1, 1_000_000)); err != nil {
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
		if _, err := os.Stat(p.source); err != nil && !strings.Contains(p.source, "://") {
			return fmt.Errorf("%s: %w", p.source, err)
		}
		j := fleet.NewJob(absPath(p.source), absPath(out), absPath(p.results))
		j.TopK, j.Every = *topk, *every
		jobs = append(jobs, j)
	}
	nc, js, err := fleet.Connect(*url, "livecam submit")
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
		fmt.Fprintf(stdout, "%s  %s  %s\n", s.Job.ID, s.Job.Source, what)
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
	url := fs.String("nats", "", "the NATS server (`URL`)")
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
	if err := firstError(intIn("max-attempts", *attempts, 1, 100), intIn("workers", *workers, 0, maxWorkers),
		intIn("threads", *threads, 1, maxWorkers), durationIn("ack-wait", *ackWait, 0, time.Hour)); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	quietNativeLogs()
	m, err := loadModel(*model, "")
	if err != nil {
		return err
	}
	font, err := overlayFont("", m.Labels(), stderr)
	if err != nil {
		return err
	}
	_, f := defineRunFlags(io.Discard, io.Discard) // the defaults of a run
	f.model, f.workers, f.threads, f.quiet, f.overwrite = *model, *workers, *threads, true, true
	r := &runner{f: f, m: m, font: font, stdout: stdout, stderr: stderr, inBatch: true}
	logf := func(format string, a ...any) {
		fmt.Fprintf(stderr, "livecam worker %s: %s\n", *name, fmt.Sprintf(format, a...))
	}
	nc, js, err := fleet.Connect(*url, "livecam worker "+*name)
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
	w := &fleet.Worker{JS: js, Name: *name, MaxAttempts: *attempts, Options: fleet.Options{AckWait: *ackWait}, Logf: logf,
		Process: func(ctx context.Context, job fleet.Job, results *fleet.Results, progress func(float64)) (fleet.Summary, error) {
			return r.doJob(ctx, job, *name, results, progress)
		}}
	logf("waiting for jobs on %s", *url)
	err = w.Run(ctx, stop)
	logf("stopped")
	return err
}

// doJob labels one video of the fleet: its outputs are written in a
// folder of this worker's beside them and moved into place once whole, so
// a worker that dies leaves nothing under the final names.
func (r *runner) doJob(ctx context.Context, job fleet.Job, worker string, results *fleet.Results, progress func(float64)) (fleet.Summary, error) {
	var sum fleet.Summary
	dir := filepath.Dir(job.Results)
	// A job delivered again: whatever a worker that lost it left is
	// litter now.
	stale, _ := filepath.Glob(filepath.Join(dir, ".livecam-job-"+job.ID+"-*"))
	for _, s := range stale {
		os.RemoveAll(s)
	}
	tmp, err := os.MkdirTemp(dir, ".livecam-job-"+job.ID+"-")
	if err != nil {
		return sum, err
	}
	defer os.RemoveAll(tmp)
	f := *r.f
	if job.TopK > 0 {
		f.topk = job.TopK
	}
	if job.Every > 0 {
		f.every = job.Every
	}
	opts, err := resultOptions(r.m, &f)
	if err != nil {
		return sum, err
	}
	j := job2run(job, tmp)
	frames := 0
	var line []byte
	var total int
	sh := shared{sinks: []pipeline.Sink{pipeline.SinkFunc(func(o *pipeline.Output) error {
		line = jsonl.AppendResult(line[:0], o.Result)
		if err := results.Publish(ctx, o.Result.Frame, line[:len(line)-1]); err != nil {
			return err
		}
		frames++
		if total > 0 && frames%25 == 0 {
			progress(min(1, float64(frames)/float64(total)))
		}
		return nil
	})}}
	c, err := r.prepare("", j, &f, opts, sh)
	if err != nil {
		return sum, err
	}
	total = c.info.Frames
	runErr := c.p.Run(ctx)
	if ctx.Err() != nil {
		return sum, ctx.Err()
	}
	if err := r.finish(c, runErr, false); err != nil {
		return sum, err
	}
	if frames == 0 {
		return sum, fmt.Errorf("%s: no frame could be read", job.Source)
	}
	for _, mv := range [][2]string{{j.out, job.Out}, {j.results, job.Results}} {
		if mv[1] == "" {
			continue
		}
		if err := os.Rename(mv[0], mv[1]); err != nil {
			return sum, err
		}
		sum.Outputs = append(sum.Outputs, mv[1])
	}
	sum.Frames = frames
	for _, seg := range c.story.Segments() {
		sum.Labels = append(sum.Labels, seg.Label)
	}
	return sum, nil
}

// job2run names a fleet job's outputs inside the worker's folder.
func job2run(fj fleet.Job, tmp string) job {
	j := job{source: fj.Source, results: filepath.Join(tmp, filepath.Base(fj.Results))}
	if fj.Out != "" {
		j.out = filepath.Join(tmp, filepath.Base(fj.Out))
	}
	return j
}

// runJobs lists the fleet's jobs and their states.
func runJobs(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("jobs", "", stdout, stderr)
	url := fs.String("nats", "", "the NATS server (`URL`)")
	asJSON := fs.Bool("json", false, "one JSON object per job")
	if err := fs.parse(args); err != nil {
		return err
	}
	if *url == "" {
		return fmt.Errorf("%w: give -nats URL", errUsage)
	}
	nc, js, err := fleet.Connect(*url, "livecam jobs")
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
	if *asJSON {
		enc := json.NewEncoder(stdout)
		for _, s := range states {
			if err := enc.Encode(s); err != nil {
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
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\t%s\n", s.Job.ID, s.State, s.Worker, prog, s.Attempts, s.Job.Source, note)
	}
	tw.Flush()
	fmt.Fprintf(stdout, "%d jobs: %d queued, %d running, %d done, %d failed\n", len(states), count[fleet.Queued], count[fleet.Running], count[fleet.Done], count[fleet.Failed])
	return nil
}
