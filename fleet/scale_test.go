package fleet

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/livecam/livecam/internal/testrig/natstest"
)

// framesProcess is a fast Process: it publishes n frames' results (at
// fps) and writes the job's results file; before frame at it calls
// pause, which may stop the job with an error.
func framesProcess(n int64, fps float64, at int64, pause func(ctx context.Context) error) Process {
	return func(ctx context.Context, job Job, results *Results, progress func(float64)) (Summary, error) {
		for f := range n {
			if f == at && pause != nil {
				if err := pause(ctx); err != nil {
					return Summary{}, err
				}
			}
			if err := results.Publish(ctx, f, line(f, fps)); err != nil {
				return Summary{}, err
			}
		}
		tmp := job.Results + ".partial"
		if err := os.WriteFile(tmp, []byte("{}\n"), 0o644); err != nil {
			return Summary{}, err
		}
		if err := os.Rename(tmp, job.Results); err != nil {
			return Summary{}, err
		}
		return Summary{Frames: int(n), Outputs: []string{job.Results}}, nil
	}
}

// waitClosed waits for ch to close, at most within.
func waitClosed(t *testing.T, ch <-chan struct{}, within time.Duration, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(within):
		t.Fatalf("%s: not after %v", what, within)
	}
}

// TestWorkerKilledMidBatch: a worker's connection dies with a job's first
// batches stored and the next one under way; the job is delivered again
// to another worker, which does it whole: the stream holds each frame
// once (the batches stored before are dropped as duplicates), and
// ReadResults gives every frame once, in order.
func TestWorkerKilledMidBatch(t *testing.T) {
	srv := natstest.Start(t)
	in, files, out := videos(t, 1)
	limits := Limits{InputRoots: []string{in}, OutputRoots: []string{out}}
	const frames, fps = 100, 25.0
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	vnc, vjs, err := Connect(srv.URL(), "victim")
	if err != nil {
		t.Fatal(err)
	}
	defer vnc.Close()
	died := make(chan struct{})
	victim := &Worker{JS: vjs, Name: "victim", Limits: limits, Options: Options{AckWait: 2 * time.Second},
		// Frames 0-49 are stored (two batches of a second), 50-59 are
		// in the batch under way when the connection dies.
		Process: framesProcess(frames, fps, 60, func(ctx context.Context) error {
			vnc.Close()
			close(died)
			<-ctx.Done()
			return ctx.Err()
		})}
	vctx, vcancel := context.WithCancel(ctx)
	defer vcancel()
	vdone := make(chan struct{})
	go func() {
		defer close(vdone)
		victim.Run(vctx, nil)
	}()

	js := connectAs(t, srv, "")
	job := NewJob(files[0], "", filepath.Join(out, "v.jsonl"))
	if _, err := Submit(ctx, js, []Job{job}); err != nil {
		t.Fatal(err)
	}
	waitClosed(t, died, 30*time.Second, "the victim's job")
	vcancel()
	waitClosed(t, vdone, 30*time.Second, "the victim's end")
	if got := storedBatches(t, js, job.ID); len(got) != 2 {
		t.Fatalf("the victim stored %d batches, want 2", len(got))
	}

	logs, _ := runWorker(t, &Worker{JS: js, Name: "survivor", Limits: limits, Options: Options{AckWait: 2 * time.Second},
		Process: framesProcess(frames, fps, -1, nil)})
	states := waitStates(t, js, 30*time.Second, logs, allEnded(1))
	if s := states[0]; s.State != Done || s.Worker != "survivor" || s.Frames != frames || s.Attempts != 2 {
		t.Errorf("state %+v, want done by the survivor at the second attempt", s)
	}
	checkOnce(t, js, job.ID, frames, fps)
}

// TestClusterLosesNothing: a 3-node JetStream cluster, the fleet's
// streams and buckets with 3 replicas, a submitter and two workers; the
// node that leads the results stream is killed in the middle of the
// run: every job is done, and every frame of every job is stored once.
func TestClusterLosesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("a 3-node cluster for 20 s: make check runs it")
	}
	cluster := natstest.StartCluster(t, 3)
	opts := Options{Replicas: 3, AckWait: 3 * time.Second}
	const jobs, frames, fps = 6, 150, 25.0
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	nc, js, err := Connect(cluster.URL(), "test")
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	in, files, out := videos(t, jobs)
	var list []Job
	for _, f := range files {
		list = append(list, NewJob(f, "", filepath.Join(out, filepath.Base(f)+".jsonl")))
	}
	if _, err := SubmitWith(ctx, js, list, opts); err != nil {
		t.Fatal(err)
	}

	// Every job waits half way until the node is killed.
	half, killed := make(chan struct{}), make(chan struct{})
	var once sync.Once
	pause := func(ctx context.Context) error {
		once.Do(func() { close(half) })
		select {
		case <-killed:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	var logs []func() string
	for _, name := range []string{"w1", "w2"} {
		wnc, wjs, err := Connect(cluster.URL(), name)
		if err != nil {
			t.Fatal(err)
		}
		defer wnc.Close()
		l, _ := runWorker(t, &Worker{JS: wjs, Name: name, Limits: Limits{InputRoots: []string{in}, OutputRoots: []string{out}},
			Options: opts, Process: framesProcess(frames, fps, frames/2, pause)})
		logs = append(logs, l)
	}
	allLogs := func() string { return logs[0]() + logs[1]() }
	waitClosed(t, half, 30*time.Second, "a job half way")

	st, err := js.Stream(ctx, ResultsStream)
	if err != nil {
		t.Fatal(err)
	}
	info, err := st.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.Config.Replicas != 3 || info.Cluster == nil {
		t.Fatalf("results stream: %d replicas, cluster %+v", info.Config.Replicas, info.Cluster)
	}
	leader := cluster.Node(info.Cluster.Leader)
	if leader == nil {
		t.Fatalf("no node named %q leads the results stream", info.Cluster.Leader)
	}
	t.Logf("killing %s, the results stream's leader", leader.Name())
	leader.Kill()
	close(killed)

	states := waitStates(t, js, 40*time.Second, allLogs, allEnded(jobs))
	for _, s := range states {
		if s.State != Done || s.Frames != frames {
			t.Errorf("job %s: %+v", s.Job.ID, s)
		}
	}
	for _, j := range list {
		checkOnce(t, js, j.ID, frames, fps)
	}
	// The node comes back with its store and catches up.
	leader.Restart()
	cluster.WaitReady(30 * time.Second)
	if _, err := st.Info(ctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("results stream after the node came back: %v", err)
	}
}
