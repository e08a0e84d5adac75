package fleet

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/livecam/livecam/internal/testrig/natstest"
)

// countingProcess is fakeProcess that counts its calls.
func countingProcess(n *atomic.Int64) Process {
	return func(ctx context.Context, job Job, results *Results, progress func(float64)) (Summary, error) {
		n.Add(1)
		return fakeProcess(ctx, job, results, progress)
	}
}

// TestForgedDoneStateIsNotDone: on the recommended server configuration,
// a submitter may write the jobs' states; a "done" it forges does not
// stop the worker from doing the job: done is what the job's summary
// (which only workers may publish) says.
func TestForgedDoneStateIsNotDone(t *testing.T) {
	srv := natstest.StartSecure(t)
	in, files, out := videos(t, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	wjs := connectAs(t, srv, "worker")
	if _, _, err := Setup(ctx, wjs, Options{}); err != nil { // the worker makes the streams
		t.Fatal(err)
	}
	sub := connectAs(t, srv, "submitter")
	job := NewJob(files[0], "", filepath.Join(out, "v.jsonl"))
	if _, err := Submit(ctx, sub, []Job{job}); err != nil {
		t.Fatal(err)
	}
	kv, err := sub.KeyValue(ctx, StateBucket)
	if err != nil {
		t.Fatal(err)
	}
	if err := putState(ctx, kv, State{Job: job, State: Done, Worker: "forged", Frames: 99}); err != nil {
		t.Fatalf("the submitter could not write the state (the permission this test is about): %v", err)
	}
	var calls atomic.Int64
	logs, stop := runWorker(t, &Worker{JS: wjs, Name: "w", Process: countingProcess(&calls),
		Limits: Limits{InputRoots: []string{in}, OutputRoots: []string{out}}})
	waitStates(t, sub, 30*time.Second, logs, func(states []State) bool {
		return len(states) == 1 && states[0].State == Done && states[0].Worker == "w"
	})
	stop()
	if calls.Load() != 1 {
		t.Errorf("the job was done %d times; want once\n%s", calls.Load(), logs())
	}
	if _, err := os.Stat(filepath.Join(out, "v.jsonl")); err != nil {
		t.Errorf("the results: %v\n%s", err, logs())
	}
}

// TestDoneFromSummary: a job delivered again whose summary is stored (its
// worker stored it and died before acknowledging) is done: it is not done
// again, and its state says done.
func TestDoneFromSummary(t *testing.T) {
	srv := natstest.Start(t)
	in, files, out := videos(t, 1)
	js := connectAs(t, srv, "")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	job := NewJob(files[0], "", filepath.Join(out, "v.jsonl"))
	if _, err := Submit(ctx, js, []Job{job}); err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(Summary{Job: job.ID, Frames: 1})
	if _, err := js.Publish(ctx, SummarySubject(job.ID), b); err != nil {
		t.Fatal(err)
	}
	var calls atomic.Int64
	logs, stop := runWorker(t, &Worker{JS: js, Name: "w", Process: countingProcess(&calls),
		Limits: Limits{InputRoots: []string{in}, OutputRoots: []string{out}}})
	waitStates(t, js, 30*time.Second, logs, func(states []State) bool {
		return len(states) == 1 && states[0].State == Done
	})
	stop()
	if calls.Load() != 0 || !strings.Contains(logs(), "done already") {
		t.Errorf("a job with its summary stored was done %d times again\n%s", calls.Load(), logs())
	}
}

// TestSourceRedacted: a URL source's credentials are in neither the
// job's state nor its summary.
func TestSourceRedacted(t *testing.T) {
	srv := natstest.Start(t)
	in, _, out := videos(t, 0)
	js := connectAs(t, srv, "")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	job := NewJob("rtsp://admin:hunter2@cam.local/stream?token=s3cret", "", filepath.Join(out, "cam.jsonl"))
	if _, err := Submit(ctx, js, []Job{job}); err != nil {
		t.Fatal(err)
	}
	logs, stop := runWorker(t, &Worker{JS: js, Name: "w", Process: fakeProcess,
		Limits: Limits{InputRoots: []string{in}, OutputRoots: []string{out}, AllowURLs: true}})
	states := waitStates(t, js, 30*time.Second, logs, allEnded(1))
	stop()
	if states[0].State != Done {
		t.Fatalf("%+v\n%s", states[0], logs())
	}
	rs, err := js.Stream(ctx, ResultsStream)
	if err != nil {
		t.Fatal(err)
	}
	m, err := rs.GetLastMsgForSubject(ctx, SummarySubject(job.ID))
	if err != nil {
		t.Fatal(err)
	}
	st, _ := json.Marshal(states[0])
	for what, text := range map[string]string{"summary": string(m.Data), "state": string(st), "log": logs()} {
		if strings.Contains(text, "hunter2") || strings.Contains(text, "s3cret") || !strings.Contains(text, "cam.local") {
			t.Errorf("the %s shows the credentials (or not the camera): %s", what, text)
		}
	}
}

// TestSetupChecksStreams: a worker refuses to start on a stream made by
// someone else first with settings that lose messages (a dead-letter
// stream keeping one message), naming the difference; a submitter may not
// create the results and dead-letter streams, and submit says who does.
func TestSetupChecksStreams(t *testing.T) {
	srv := natstest.Start(t)
	js := connectAs(t, srv, "")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: DeadStream, Subjects: []string{"livecam.dead.>"}, MaxMsgs: 1}); err != nil {
		t.Fatal(err)
	}
	in, _, out := videos(t, 0)
	w := &Worker{JS: js, Name: "w", Process: fakeProcess, Limits: Limits{InputRoots: []string{in}, OutputRoots: []string{out}}}
	err := w.Run(ctx, make(chan struct{}))
	if err == nil || !errors.Is(err, ErrStreamSettings) || !strings.Contains(err.Error(), "max_msgs 1") || !strings.Contains(err.Error(), DeadStream) {
		t.Errorf("a worker on a dead-letter stream that keeps one message: %v", err)
	}

	secure := natstest.StartSecure(t)
	sub := connectAs(t, secure, "submitter")
	_, err = Submit(ctx, sub, []Job{NewJob("/in/v.mp4", "", "/out/v.jsonl")})
	if err == nil || !strings.Contains(err.Error(), "a worker creates") {
		t.Errorf("submit on a server with no results stream, as the submitter: %v", err)
	}
	for _, name := range []string{ResultsStream, DeadStream} {
		if _, err := sub.Stream(ctx, name); !errors.Is(err, jetstream.ErrStreamNotFound) {
			t.Errorf("stream %s after the submitter's submit: %v", name, err)
		}
	}
}

// TestHandBackSaysTheFaultOnce: the hand-back's reason names the fault
// once, not once as the reason and again as the error.
func TestHandBackSaysTheFaultOnce(t *testing.T) {
	out := t.TempDir()
	w := &Worker{Limits: Limits{OutputRoots: []string{out}}}
	for _, err := range []error{
		fmt.Errorf("%w: %w", ErrWorkerFault, fmt.Errorf("writing %s: %w", out, syscall.ENOSPC)),
		fmt.Errorf("writing %s: %w", out, syscall.ENOSPC),
		fmt.Errorf("%w: the model is gone", ErrWorkerFault),
	} {
		why, mine := w.workerFault(err)
		text := faultText(why, err)
		if !mine || strings.Contains(text, ErrWorkerFault.Error()) || strings.Count(text, "no space left")+strings.Count(text, "model is gone") != 1 || !strings.Contains(text, "writing") && errors.Is(err, syscall.ENOSPC) {
			t.Errorf("%v: handed back with %q", err, text)
		}
	}
}

// TestProbeWhileHealthy: a healthy worker probes its output roots once,
// not on every pass of its loop (about one a second while idle).
func TestProbeWhileHealthy(t *testing.T) {
	srv := natstest.Start(t)
	in, _, out := videos(t, 0)
	w := &Worker{JS: connectAs(t, srv, ""), Name: "w", Process: fakeProcess, Limits: Limits{InputRoots: []string{in}, OutputRoots: []string{out}}}
	logs, stop := runWorker(t, w)
	for deadline := time.Now().Add(30 * time.Second); w.passes.Load() < 4; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d passes in 30 s\n%s", w.passes.Load(), logs())
		}
	}
	stop()
	if n := w.probes.Load(); n != 1 {
		t.Errorf("%d probes in %d passes; want 1", n, w.passes.Load())
	}
}

// TestWorkerNeedsToReadSummaries: on a server configured as before (the
// worker may not read the summaries), a worker refuses to start, naming
// the permission, instead of handing every job back.
func TestWorkerNeedsToReadSummaries(t *testing.T) {
	old := strings.Replace(natstest.Authorization, `"$JS.API.STREAM.MSG.GET.LIVECAM_RESULTS", `, "", 1)
	if old == natstest.Authorization {
		t.Fatal("the configuration no longer grants the permission this test takes away")
	}
	srv := natstest.StartSecureWith(t, old)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	in, _, out := videos(t, 0)
	w := &Worker{JS: connectAs(t, srv, "worker"), Name: "w", Process: fakeProcess, Limits: Limits{InputRoots: []string{in}, OutputRoots: []string{out}}}
	err := w.Run(ctx, make(chan struct{}))
	if err == nil || !strings.Contains(err.Error(), "$JS.API.STREAM.MSG.GET.LIVECAM_RESULTS") {
		t.Errorf("a worker that may not read the summaries: %v", err)
	}
}
