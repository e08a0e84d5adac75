package fleet

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nkeys"

	"github.com/livecam/livecam/internal/testrig/natstest"
	"github.com/livecam/livecam/internal/testrig/shareddata"
)

// connectAs connects to srv as user (with its password), or anonymously
// for "".
func connectAs(t *testing.T, srv *natstest.Server, user string) jetstream.JetStream {
	js, _ := connectWatched(t, srv, user)
	return js
}

// connectWatched is connectAs that also returns the asynchronous errors
// the server sent so far (permissions violations).
func connectWatched(t *testing.T, srv *natstest.Server, user string) (jetstream.JetStream, func() string) {
	t.Helper()
	var mu sync.Mutex
	var errs strings.Builder
	opts := []nats.Option{nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) {
		mu.Lock()
		errs.WriteString(err.Error() + "\n")
		mu.Unlock()
	})}
	if user != "" {
		o, err := Auth{User: user, Password: srv.Password(user)}.Options()
		if err != nil {
			t.Fatal(err)
		}
		opts = append(opts, o...)
	}
	nc, js, err := Connect(srv.URL(), "test "+user, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	return js, func() string {
		mu.Lock()
		defer mu.Unlock()
		return errs.String()
	}
}

// fakeProcess writes a job's results as a worker would (a partial file
// moved into place) and reports one frame.
func fakeProcess(ctx context.Context, job Job, results *Results, progress func(float64)) (Summary, error) {
	if err := results.Publish(ctx, 0, []byte(`{"frame":0}`)); err != nil {
		return Summary{}, err
	}
	tmp := job.Results + ".partial"
	if err := os.WriteFile(tmp, []byte("{\"frame\":0}\n"), 0o644); err != nil {
		return Summary{}, err
	}
	if err := os.Rename(tmp, job.Results); err != nil {
		return Summary{}, err
	}
	return Summary{Frames: 1, Outputs: []string{job.Results}}, nil
}

// runWorker runs w until the test ends (or stop is called) and returns its
// log and a stop function that waits for it to return.
func runWorker(t *testing.T, w *Worker) (logs func() string, stop func()) {
	t.Helper()
	var mu sync.Mutex
	var b strings.Builder
	w.Logf = func(format string, a ...any) {
		mu.Lock()
		fmt.Fprintf(&b, w.Name+": "+format+"\n", a...)
		mu.Unlock()
	}
	if w.Options.AckWait == 0 {
		w.Options.AckWait = 3 * time.Second
	}
	ch := make(chan struct{})
	done := make(chan error, 1)
	go func() { done <- w.Run(context.Background(), ch) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			close(ch)
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("worker %s: %v", w.Name, err)
				}
			case <-time.After(30 * time.Second):
				t.Errorf("worker %s still running 30 s after stop", w.Name)
			}
		})
	}
	t.Cleanup(stop)
	logs = func() string {
		mu.Lock()
		defer mu.Unlock()
		return b.String()
	}
	return logs, stop
}

// waitStates polls the jobs' states until cond holds of them, or fails the
// test after within.
func waitStates(t *testing.T, js jetstream.JetStream, within time.Duration, logs func() string, cond func([]State) bool) []State {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		states, err := List(ctx, js)
		cancel()
		if err == nil && cond(states) {
			return states
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %v: %v %+v\n%s", within, err, states, logs())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func allEnded(n int) func([]State) bool {
	return func(states []State) bool {
		ended := 0
		for _, s := range states {
			if s.State == Done || s.State == Failed {
				ended++
			}
		}
		return len(states) == n && ended == n
	}
}

func deadCount(t *testing.T, js jetstream.JetStream) uint64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := js.Stream(ctx, DeadStream)
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return info.State.Msgs
}

// videos makes n files in a new input root and returns it, the files and
// a new output root.
func videos(t *testing.T, n int) (in string, files []string, out string) {
	t.Helper()
	in, out = t.TempDir(), t.TempDir()
	for i := range n {
		f := filepath.Join(in, fmt.Sprintf("v%d.mp4", i))
		if err := os.WriteFile(f, []byte("video"), 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	return in, files, out
}

// TestSecureServerPermissions: against the recommended configuration
// (natstest.Authorization), a submitter queues jobs and reads their
// states, a worker does them; the submitter cannot take a job from the
// queue nor forge results, summaries or dead letters; a wrong password is
// refused with a message that does not show it.
func TestSecureServerPermissions(t *testing.T) {
	srv := natstest.StartSecure(t)
	in, files, out := videos(t, 2)

	sub, violations := connectWatched(t, srv, "submitter")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// A worker makes the streams (a submitter may not make them all).
	wjs := connectAs(t, srv, "worker")
	if _, _, err := Setup(ctx, wjs, Options{}); err != nil {
		t.Fatalf("the worker cannot set up: %v", err)
	}
	var jobs []Job
	for _, f := range files {
		jobs = append(jobs, NewJob(f, "", filepath.Join(out, filepath.Base(f)+".jsonl")))
	}
	if _, err := Submit(ctx, sub, jobs); err != nil {
		t.Fatalf("the submitter cannot submit: %v", err)
	}

	// The submitter may not take jobs, nor publish what workers publish.
	short := func() (context.Context, context.CancelFunc) {
		return context.WithTimeout(context.Background(), 2*time.Second)
	}
	c1, k1 := short()
	defer k1()
	if _, _, err := Setup(c1, sub, Options{AckWait: time.Second}); err == nil {
		t.Error("the submitter could create or change the workers' consumer")
	}
	c2, k2 := short()
	defer k2()
	if cons, err := sub.Consumer(c2, JobsStream, Consumer); err == nil {
		if b, err := cons.Fetch(1, jetstream.FetchMaxWait(2*time.Second)); err == nil {
			for m := range b.Messages() {
				t.Errorf("the submitter took a job: %s", m.Data())
			}
		}
	}
	for _, subj := range []string{ResultsSubject(jobs[0].ID), SummarySubject(jobs[0].ID), DeadSubject(jobs[0].ID)} {
		c, k := short()
		if _, err := sub.Publish(c, subj, []byte(`{"forged":true}`)); err == nil {
			t.Errorf("the submitter published on %s", subj)
		}
		k()
	}
	c3, k3 := short()
	defer k3()
	if _, err := sub.CreateOrUpdateStream(c3, jetstream.StreamConfig{Name: ResultsStream, Subjects: []string{"livecam.results.>", "livecam.summary.>"}, MaxMsgs: 1}); err == nil {
		t.Error("the submitter could change the results stream")
	}
	// Refused by the server's permissions, not lost some other way.
	for _, subj := range []string{"$JS.API.CONSUMER.INFO." + JobsStream + "." + Consumer, ResultsSubject(jobs[0].ID), SummarySubject(jobs[0].ID),
		DeadSubject(jobs[0].ID), "$JS.API.STREAM.UPDATE." + ResultsStream} {
		if !strings.Contains(violations(), `Permissions Violation for Publish to "`+subj+`"`) {
			t.Errorf("no permissions violation for %s; the server said:\n%s", subj, violations())
		}
	}

	// The worker does the jobs.
	logs, stop := runWorker(t, &Worker{JS: wjs, Name: "w1", Process: fakeProcess, Limits: Limits{InputRoots: []string{in}, OutputRoots: []string{out}}})
	states := waitStates(t, sub, time.Minute, logs, allEnded(2))
	stop()
	for _, s := range states {
		if s.State != Done {
			t.Errorf("job %s: %+v\n%s", s.Job.Source, s, logs())
		}
	}
	if n := deadCount(t, sub); n != 0 {
		t.Errorf("%d dead letters", n)
	}
	ws, err := Workers(ctx, sub)
	if err != nil || len(ws) != 1 || ws[0].Name != "w1" {
		t.Errorf("workers as the submitter sees them: %+v, %v", ws, err)
	}

	// A wrong password: refused, and not shown.
	opts, _ := Auth{User: "worker", Password: "wrong-hunter2"}.Options()
	if nc, _, err := Connect(srv.URL(), "test", opts...); err == nil {
		nc.Close()
		t.Error("a wrong password was accepted")
	} else if strings.Contains(err.Error(), "hunter2") || !strings.Contains(err.Error(), "refused the credentials") {
		t.Errorf("wrong password: %v", err)
	}
	if nc, _, err := Connect(srv.URL(), "test"); err == nil {
		nc.Close()
		t.Error("an anonymous client was accepted")
	}
}

// TestWorkerRefusesJobs: jobs that name a program, a file outside the
// worker's roots or an output outside them (what anyone who can publish on
// livecam.jobs might send) are dead-lettered at once with the reason, and
// nothing is read or written; the good job is done.
func TestWorkerRefusesJobs(t *testing.T) {
	srv := natstest.Start(t)
	in, files, out := videos(t, 1)
	outside := t.TempDir()
	secret := filepath.Join(outside, "shadow")
	os.WriteFile(secret, []byte("secret"), 0o600)
	existing := filepath.Join(out, "existing.jsonl")
	os.WriteFile(existing, []byte("keep me\n"), 0o644)
	bad := []Job{
		NewJob("filesrc location="+secret+" ! filesink location="+filepath.Join(out, "x")+" videotestsrc ! appsink", "", filepath.Join(out, "p.jsonl")),
		NewJob(secret, "", filepath.Join(out, "s.jsonl")),
		NewJob(files[0], "", filepath.Join(outside, "authorized_keys")),
		NewJob(files[0], "", existing),
		NewJob(files[0], filepath.Join(out, "same.jsonl"), filepath.Join(out, "same.jsonl")),
	}
	good := NewJob(files[0], "", filepath.Join(out, "good.jsonl"))
	js := connectAs(t, srv, "")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := Submit(ctx, js, append(bad, good)); err != nil {
		t.Fatal(err)
	}
	logs, stop := runWorker(t, &Worker{JS: js, Name: "w", Process: fakeProcess, MaxAttempts: 3,
		Limits: Limits{InputRoots: []string{in}, OutputRoots: []string{out}}})
	states := waitStates(t, js, time.Minute, logs, allEnded(len(bad)+1))
	stop()
	for _, s := range states {
		switch {
		case s.Job.ID == good.ID:
			if s.State != Done {
				t.Errorf("the good job: %+v", s)
			}
		case s.State != Failed || s.Attempts != 1 || !strings.Contains(s.Error, "refused"):
			t.Errorf("job %s: %+v; want failed at the first attempt, refused", s.Job.Source, s)
		}
	}
	if n := deadCount(t, js); n != uint64(len(bad)) {
		t.Errorf("%d dead letters, want %d", n, len(bad))
	}
	for _, f := range []string{filepath.Join(out, "x"), filepath.Join(outside, "authorized_keys"), filepath.Join(out, "s.jsonl"), filepath.Join(out, "p.jsonl")} {
		if _, err := os.Stat(f); err == nil {
			t.Errorf("%s was written", f)
		}
	}
	if b, _ := os.ReadFile(existing); string(b) != "keep me\n" {
		t.Errorf("an existing output was replaced without -overwrite: %q", b)
	}
}

// mountTmpfs mounts a tmpfs with opts on a new folder (needs root).
func mountTmpfs(t *testing.T, opts string) string {
	t.Helper()
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", opts, "tmpfs", dir).CombinedOutput(); err != nil {
		shareddata.Need(t, "cannot mount a tmpfs (needs root): %v: %s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", dir).Run() })
	return dir
}

// TestWorkerFaultsAreTheWorkers: a worker one of whose output roots is a
// read-only filesystem takes no job, says so in its log and its state;
// the healthy worker does all six and none is dead-lettered. A worker
// whose disk fills in the middle of a job hands it back without charging
// it an attempt, and the job is done by another.
func TestWorkerFaultsAreTheWorkers(t *testing.T) {
	ro := mountTmpfs(t, "ro,size=1m")
	in, files, out := videos(t, 6)
	js := connectAs(t, natstest.Start(t), "")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var jobs []Job
	for _, f := range files {
		jobs = append(jobs, NewJob(f, "", filepath.Join(out, filepath.Base(f)+".jsonl")))
	}
	if _, err := Submit(ctx, js, jobs); err != nil {
		t.Fatal(err)
	}
	sick, stopSick := runWorker(t, &Worker{JS: js, Name: "sick", Process: fakeProcess, MaxAttempts: 1,
		Limits: Limits{InputRoots: []string{in}, OutputRoots: []string{out, ro}}})
	// The sick worker says it takes no jobs before the healthy one starts.
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		ws, _ := Workers(ctx, js)
		if len(ws) == 1 && ws[0].State == WorkerBroken && strings.Contains(ws[0].Note, "read-only file system") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the sick worker's state: %+v\n%s", ws, sick())
		}
	}
	healthy, stopHealthy := runWorker(t, &Worker{JS: js, Name: "healthy", Process: fakeProcess, MaxAttempts: 1,
		Limits: Limits{InputRoots: []string{in}, OutputRoots: []string{out}}})
	logs := func() string { return sick() + healthy() }
	states := waitStates(t, js, time.Minute, logs, allEnded(6))
	stopSick()
	stopHealthy()
	for _, s := range states {
		if s.State != Done || s.Worker != "healthy" {
			t.Errorf("job %s: %+v", s.Job.Source, s)
		}
	}
	if n := deadCount(t, js); n != 0 {
		t.Errorf("%d jobs dead-lettered", n)
	}
	if !strings.Contains(sick(), "taking no jobs: output root "+ro+" is not writable: read-only file system") {
		t.Errorf("the sick worker's log:\n%s", sick())
	}

	// A disk that fills in the middle of a job.
	full := mountTmpfs(t, "size=256k")
	ctx2, cancel2 := context.WithTimeout(context.Background(), time.Minute)
	defer cancel2()
	job := NewJob(files[0], "", filepath.Join(full, "big.jsonl"))
	if _, err := Submit(ctx2, js, []Job{job}); err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	fills := func(ctx context.Context, job Job, results *Results, progress func(float64)) (Summary, error) {
		var err error
		once.Do(func() {
			// The first try writes more than the disk holds.
			tmp := job.Results + ".partial"
			err = os.WriteFile(tmp, make([]byte, 1<<20), 0o644)
			os.Remove(tmp)
			if err == nil {
				err = errors.New("the disk did not fill")
			}
		})
		if err != nil {
			return Summary{}, fmt.Errorf("writing %s: %w", job.Results, err)
		}
		return fakeProcess(ctx, job, results, progress)
	}
	filled, stopFilled := runWorker(t, &Worker{JS: js, Name: "filled", Process: fills, MaxAttempts: 1, FaultPause: time.Hour,
		Limits: Limits{InputRoots: []string{in}, OutputRoots: []string{full}}})
	st := waitStates(t, js, 30*time.Second, filled, func(states []State) bool {
		for _, s := range states {
			if s.Job.ID == job.ID && s.HandedBack == 1 && s.State == Queued {
				return true
			}
		}
		return false
	})
	stopFilled()
	for _, s := range st {
		if s.Job.ID == job.ID && (s.Failures != 0 || !strings.Contains(s.Error, "handed back by filled") || !strings.Contains(s.Error, "no space left")) {
			t.Errorf("handed back: %+v", s)
		}
	}
	other, stopOther := runWorker(t, &Worker{JS: js, Name: "other", Process: fakeProcess, MaxAttempts: 1,
		Limits: Limits{InputRoots: []string{in}, OutputRoots: []string{full}}})
	waitStates(t, js, 30*time.Second, other, allEnded(7))
	stopOther()
	if n := deadCount(t, js); n != 0 {
		t.Errorf("%d jobs dead-lettered", n)
	}
	if !strings.Contains(filled(), "handed back, the fault is this worker's") {
		t.Errorf("the filled worker's log:\n%s", filled())
	}
}

// TestConnectNkey: a user known by its NKey connects with the seed file
// (-nats-nkey), and another seed is refused without the seed being shown.
func TestConnectNkey(t *testing.T) {
	user, err := nkeys.CreateUser()
	if err != nil {
		t.Fatal(err)
	}
	pub, _ := user.PublicKey()
	seed, _ := user.Seed()
	srv := natstest.StartConfig(t, "authorization {\n  users = [ { nkey: "+pub+" } ]\n}\n")
	dir := t.TempDir()
	good := filepath.Join(dir, "user.nk")
	os.WriteFile(good, seed, 0o600)
	opts, err := Auth{NkeyFile: good}.Options()
	if err != nil {
		t.Fatal(err)
	}
	nc, js, err := Connect(srv.URL(), "test", opts...)
	if err != nil {
		t.Fatalf("the user's seed: %v", err)
	}
	defer nc.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, _, err := Setup(ctx, js, Options{}); err != nil {
		t.Errorf("set-up as the NKey user: %v", err)
	}
	other, _ := nkeys.CreateUser()
	otherSeed, _ := other.Seed()
	bad := filepath.Join(dir, "other.nk")
	os.WriteFile(bad, otherSeed, 0o600)
	opts, err = Auth{NkeyFile: bad}.Options()
	if err != nil {
		t.Fatal(err)
	}
	if nc, _, err := Connect(srv.URL(), "test", opts...); err == nil {
		nc.Close()
		t.Error("another seed was accepted")
	} else if strings.Contains(err.Error(), string(otherSeed)) || !strings.Contains(err.Error(), "refused the credentials") {
		t.Errorf("another seed: %v", err)
	}
	if _, err := (Auth{NkeyFile: filepath.Join(dir, "missing.nk")}).Options(); err == nil || !strings.Contains(err.Error(), "missing.nk") {
		t.Errorf("a missing seed file: %v", err)
	}
	if _, err := (Auth{NkeyFile: good, User: "u", Password: "p"}).Options(); err == nil {
		t.Error("two kinds of credentials at once were accepted")
	}
}
