package main

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/livecam/livecam/fleet"
	"github.com/livecam/livecam/internal/cliflag"
	"github.com/livecam/livecam/internal/escape"
	"github.com/livecam/livecam/internal/mainjob"
	"github.com/livecam/livecam/internal/redact"
	"github.com/livecam/livecam/internal/runctl"
)

// runSubmit queues one job per video on the fleet's work queue, leaving
// out the videos whose outputs are done.
func runSubmit(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("submit", "VIDEO|FOLDER|GLOB...", stdout, stderr)
	url := fs.String("nats", "", "the NATS server (`URL`, nats://HOST:4222; no credentials in it: see -nats-user)")
	var auth fleet.Auth
	defineAuth(fs, &auth)
	var s mainjob.Submission
	fs.StringVar(&s.OutDir, "out-dir", "", "write NAME.mp4 and NAME.jsonl of each video into `DIR` (a folder every worker can write)")
	fs.BoolVar(&s.NoVideo, "no-video", false, "write only the results, no annotated video")
	fs.BoolVar(&s.Overwrite, "overwrite", false, "queue every video, replacing outputs that exist (default: skip those done, refuse the others)")
	fs.IntVar(&s.TopK, "topk", 3, "`N` classes per frame (1-10)")
	fs.IntVar(&s.Every, "every", 1, "classify every `K`-th frame")
	replicas := fs.Int("replicas", 0, replicasHelp)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if s.Sources = fs.Args(); *url == "" || s.OutDir == "" || len(s.Sources) == 0 {
		return fmt.Errorf("%w: give -nats URL, -out-dir DIR and the videos (see livecam submit -h)", errUsage)
	}
	if err := cliflag.FirstError(cliflag.IntIn("topk", s.TopK, 1, 10), cliflag.IntIn("every", s.Every, 1, 1_000_000), cliflag.IntIn("replicas", *replicas, 0, fleet.MaxReplicas), fleet.CheckURL(*url)); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	set := &mainjob.Settings{OutDir: s.OutDir}
	jobs, skipped, err := s.Jobs(func() error { return checkOutDirFlags(set) })
	if err != nil {
		return err
	}
	if len(jobs) == 0 {
		fmt.Fprintf(stdout, "%v, nothing new\n", skipped)
		return nil
	}
	nc, js, err := connectNATS(&auth, *url, "livecam submit")
	if err != nil {
		return err
	}
	defer nc.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if skipped.N > 0 {
		fmt.Fprintf(stdout, "%v, %d new\n", skipped, len(jobs))
	}
	done, err := fleet.SubmitWith(ctx, js, jobs, fleet.Options{Replicas: *replicas})
	for _, s := range done {
		what := "queued"
		if s.Duplicate {
			what = "already " + cmp.Or(s.Previous, "queued") + ", not queued again"
		}
		fmt.Fprintf(stdout, "%s  %s  %s\n", s.Job.ID, escape.Control(redact.URL(s.Job.Source)), what)
	}
	return err
}

// replicasHelp is the help of -replicas (livecam worker and submit).
const replicasHelp = "`N` copies of each fleet stream and bucket in a JetStream cluster, 1 to 5 (3 for a 3-node cluster); 0: 1 when this process creates them, and whatever they have when they exist"

// workerFlags are the flags of livecam worker.
type workerFlags struct {
	url, name, model     string
	auth                 fleet.Auth
	limits               fleet.Limits
	attempts, deliveries int
	workers, threads     int
	replicas             int
	ackWait              time.Duration
}

// defineWorkerFlags registers the flags of livecam worker.
func defineWorkerFlags(stdout, stderr io.Writer) (*cliflag.Set, *workerFlags) {
	fs := newFlags("worker", "", stdout, stderr)
	w := &workerFlags{}
	fs.StringVar(&w.url, "nats", "", "the NATS server (`URL`; no credentials in it: see -nats-user)")
	defineAuth(fs, &w.auth)
	fs.Multi("input-root", "jobs may read videos under `DIR` (repeatable; required)", func(v string) error {
		w.limits.InputRoots = append(w.limits.InputRoots, v)
		return nil
	})
	fs.Multi("output-root", "jobs may write their outputs under `DIR` (repeatable; required)", func(v string) error {
		w.limits.OutputRoots = append(w.limits.OutputRoots, v)
		return nil
	})
	fs.BoolVar(&w.limits.AllowURLs, "allow-urls", false, "take jobs whose source is an http, https or rtsp URL (default: files only)")
	fs.IntVar(&w.deliveries, "max-deliveries", 10, "`N` deliveries of a job without an outcome (its workers died) before it is dead-lettered")
	host, _ := os.Hostname()
	fs.StringVar(&w.name, "name", fmt.Sprintf("%s-%d", host, os.Getpid()), "the worker's `NAME` in the jobs' states")
	fs.DurationVar(&w.ackWait, "ack-wait", 0, "how long (`DURATION`) a job may go without news from its worker before another gets it (0: the queue's, 30s when new)")
	fs.IntVar(&w.attempts, "max-attempts", 3, "`N` tries of a job that fails before it is dead-lettered")
	fs.StringVar(&w.model, "model", "", modelFlagHelp)
	fs.IntVar(&w.workers, "workers", 0, "`N` inference workers (0: one per core)")
	fs.IntVar(&w.threads, "threads", 1, "`N` threads per forward pass")
	fs.IntVar(&w.replicas, "replicas", 0, replicasHelp)
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
		_, err = authOptions(&w.auth, w.url)
	}
	if err == nil {
		err = cliflag.FirstError(cliflag.IntIn("max-attempts", w.attempts, 1, 100), cliflag.IntIn("max-deliveries", w.deliveries, 1, 1000), cliflag.IntIn("workers", w.workers, 0, mainjob.MaxWorkers),
			cliflag.IntIn("threads", w.threads, 1, mainjob.MaxWorkers), cliflag.DurationIn("ack-wait", w.ackWait, 0, time.Hour), cliflag.IntIn("replicas", w.replicas, 0, fleet.MaxReplicas), fleet.CheckURL(w.url))
	}
	if err != nil {
		return w.limits, fmt.Errorf("%w: %v", errUsage, err)
	}
	return resolved, nil
}

// runWorker pulls jobs from the fleet's queue and labels them.
func runWorker(args []string, stdout, stderr io.Writer) error {
	fs, wf := defineWorkerFlags(stdout, stderr)
	if err := fs.Parse(args); err != nil {
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
	nc, js, err := connectNATS(&wf.auth, wf.url, "livecam worker "+wf.name)
	if err != nil {
		return err
	}
	defer nc.Close()
	// The first stop signal finishes the job in hand and takes no other;
	// a second hands it back to the queue at once.
	ctx, stop, end := runctl.Drain(context.Background(), runctl.Options{Logf: logf})
	defer end()
	w := &fleet.Worker{JS: js, Name: wf.name, Limits: limits, MaxAttempts: wf.attempts, MaxDeliveries: wf.deliveries,
		Options: fleet.Options{AckWait: wf.ackWait, Replicas: wf.replicas}, Logf: logf, Process: r.Process(limits)}
	w.Ready = func() {
		logf("waiting for jobs on %s (reading %s; writing %s)", redact.URL(wf.url), escape.Control(strings.Join(limits.InputRoots, ", ")), escape.Control(strings.Join(limits.OutputRoots, ", ")))
	}
	err = w.Run(ctx, stop)
	logf("stopped")
	return err
}

// newJobRunner opens the model (a classifier or a detector) and returns
// the runner of a worker's jobs: a run's defaults, quiet. Each job writes
// into a new folder of its own; what replaces an existing output is
// decided when the job's outputs move into place.
func newJobRunner(model string, workers, threads int, stdout, stderr io.Writer) (*mainjob.Runner, error) {
	fs, f := defineRunFlags(io.Discard, io.Discard) // the defaults of a run
	f.Model, f.Workers, f.Threads, f.Quiet, f.Overwrite = model, workers, threads, true, false
	return newRunner(fs, f, stdout, stderr)
}

// runJobs lists the fleet's jobs and their states.
func runJobs(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("jobs", "", stdout, stderr)
	url := fs.String("nats", "", "the NATS server (`URL`; no credentials in it: see -nats-user)")
	var auth fleet.Auth
	defineAuth(fs, &auth)
	asJSON := fs.Bool("json", false, "one JSON object per job")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *url == "" {
		return fmt.Errorf("%w: give -nats URL", errUsage)
	}
	nc, js, err := connectNATS(&auth, *url, "livecam jobs") // checks the URL first
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
