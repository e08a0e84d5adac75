package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/livecam/livecam/fleet"
	"github.com/livecam/livecam/internal/testrig/natstest"
	"github.com/livecam/livecam/internal/testrig/shareddata"
	"github.com/livecam/livecam/sink/jsonl"
	"github.com/livecam/livecam/sink/natsjs"
)

// worker is a `livecam worker` child process.
type worker struct {
	cmd  *exec.Cmd
	mu   sync.Mutex
	log  strings.Builder
	done chan error
}

func (w *worker) logText() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.log.String()
}

// startWorker runs `livecam worker -nats URL -name NAME ARGS...` and waits
// until it waits for jobs.
func startWorker(t *testing.T, url, name string, args ...string) *worker {
	t.Helper()
	cmd := exec.Command(os.Args[0], append([]string{"worker", "-nats", url, "-name", name, "-workers", "1"}, args...)...)
	cmd.Env = append(os.Environ(), "LIVECAM_AS_MAIN=1", "LIVECAM_MODELS="+shareddata.Path(t, "models"))
	pipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill() })
	w := &worker{cmd: cmd, done: make(chan error, 1)}
	ready := make(chan struct{})
	exited := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(pipe)
		once := false
		for sc.Scan() {
			w.mu.Lock()
			w.log.WriteString(sc.Text() + "\n")
			w.mu.Unlock()
			if !once && strings.Contains(sc.Text(), "waiting for jobs") {
				once = true
				close(ready)
			}
		}
		close(exited)
		w.done <- cmd.Wait()
	}()
	select {
	case <-ready:
	case <-exited:
		t.Fatalf("worker %s exited at start:\n%s", name, w.logText())
	case <-time.After(30 * time.Second):
		t.Fatalf("worker %s did not start:\n%s", name, w.logText())
	}
	return w
}

// stop sends SIGTERM and waits for the worker to exit.
func (w *worker) stop(t *testing.T) {
	t.Helper()
	w.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-w.done:
		if code := exitCode(err); code != 0 {
			t.Errorf("worker exit %d:\n%s", code, w.logText())
		}
	case <-time.After(30 * time.Second):
		t.Errorf("worker still running 30 s after SIGTERM:\n%s", w.logText())
	}
}

// waitJobs polls the jobs' states until every one is done or failed.
func waitJobs(t *testing.T, js jetstream.JetStream, n int, within time.Duration, logs func() string) []fleet.State {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		states, err := fleet.List(ctx, js)
		cancel()
		finished := 0
		for _, s := range states {
			if s.State == fleet.Done || s.State == fleet.Failed {
				finished++
			}
		}
		if err == nil && len(states) == n && finished == n {
			return states
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %v: %d of %d jobs finished (%v): %+v\n%s", within, finished, n, err, states, logs())
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// subjectCounts returns how many messages a stream holds per subject.
func subjectCounts(t *testing.T, js jetstream.JetStream, stream, filter string) map[string]uint64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := js.Stream(ctx, stream)
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(ctx, jetstream.WithSubjectFilter(filter))
	if err != nil {
		t.Fatal(err)
	}
	return info.State.Subjects
}

// storedFrames returns how many frames' results the results stream holds
// for each job (fleet.ReadResults: each frame once, whatever its batch).
func storedFrames(t *testing.T, js jetstream.JetStream, states []fleet.State) map[string]int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	frames := map[string]int{}
	for _, s := range states {
		n, err := fleet.ReadResults(ctx, js, s.Job.ID, func(int64, []byte) error { return nil })
		if err != nil {
			t.Errorf("job %s: %v", s.Job.ID, err)
		}
		frames[s.Job.ID] = n
	}
	return frames
}

func connect(t *testing.T, url string) jetstream.JetStream {
	t.Helper()
	nc, js, err := fleet.Connect(url, "test")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	return js
}

// TestFleetTwelveJobs: 12 short videos submitted (twice: the second
// submit queues nothing), 3 worker processes: every job done exactly once,
// its video and results whole under their final names, and the results
// stream holds every frame of every job, and one summary each.
func TestFleetTwelveJobs(t *testing.T) {
	useSharedModels(t)
	srv := natstest.Start(t)
	in, out := t.TempDir(), t.TempDir()
	for i := 1; i <= 12; i++ {
		copyFile(t, "../../testdata/videos/shapes_320x240.avi", filepath.Join(in, fmt.Sprintf("v%02d.avi", i)))
	}
	stdout, errOut, code := livecam(t, "submit", "-nats", srv.URL(), "-replicas", "1", "-out-dir", out, in)
	if code != 0 || strings.Count(stdout, "queued") != 12 {
		t.Fatalf("submit: exit %d:\n%s%s", code, stdout, errOut)
	}
	stdout, _, code = livecam(t, "submit", "-nats", srv.URL(), "-out-dir", out, in)
	if code != 0 || strings.Count(stdout, "not queued again") != 12 {
		t.Errorf("second submit: exit %d:\n%s", code, stdout)
	}
	var workers []*worker
	for i := range 3 {
		workers = append(workers, startWorker(t, srv.URL(), fmt.Sprintf("w%d", i+1), "-input-root", in, "-output-root", out))
	}
	logs := func() string {
		var b strings.Builder
		for _, w := range workers {
			b.WriteString(w.logText())
		}
		return b.String()
	}
	js := connect(t, srv.URL())
	states := waitJobs(t, js, 12, 3*time.Minute, logs)
	for _, w := range workers {
		w.stop(t)
	}
	perWorker := map[string]int{}
	for _, s := range states {
		if s.State != fleet.Done || s.Frames != 45 || s.Attempts != 1 {
			t.Errorf("job %s: %+v", s.Job.ID, s)
		}
		perWorker[s.Worker]++
	}
	if n := len(regexp.MustCompile(`job \w+: done: 45 frames`).FindAllString(logs(), -1)); n != 12 {
		t.Errorf("%d jobs done in the workers' logs, want 12 (each once):\n%s", n, logs())
	}
	t.Logf("jobs per worker: %v", perWorker)
	for i := 1; i <= 12; i++ {
		base := filepath.Join(out, fmt.Sprintf("v%02d", i))
		if n := probeFrames(t, base+".mp4"); n != 45 {
			t.Errorf("%s.mp4: %d frames", base, n)
		}
		if n := len(readLines(t, base+".jsonl")); n != 45 {
			t.Errorf("%s.jsonl: %d lines", base, n)
		}
		if end, err := jsonl.ReadEnd(base + ".jsonl"); err != nil || end.Frames != 45 || end.Source != filepath.Join(in, filepath.Base(base)+".avi") {
			t.Errorf("%s.jsonl's closing line: %+v, %v", base, end, err)
		}
	}

	if left, _ := filepath.Glob(filepath.Join(out, ".livecam-job-*")); len(left) > 0 {
		t.Errorf("workers' folders left behind: %v", left)
	}
	summaries := subjectCounts(t, js, fleet.ResultsStream, "livecam.summary.>")
	if len(summaries) != 12 {
		t.Errorf("%d summaries; want 12", len(summaries))
	}
	for id, n := range storedFrames(t, js, states) {
		if n != 45 {
			t.Errorf("job %s: %d results, want 45", id, n)
		}
	}
	for subj, n := range summaries {
		if n != 1 {
			t.Errorf("%s: %d summaries", subj, n)
		}
	}
	// Their outputs done, the videos are not queued again.
	if stdout, errOut, code := livecam(t, "submit", "-nats", srv.URL(), "-out-dir", out, in); code != 0 || stdout != "12 already done, nothing new\n" {
		t.Errorf("submit once done: exit %d:\n%s%s", code, stdout, errOut)
	}
	// A results file without its closing line is not done, and is in the
	// way: replacing it is for -overwrite to allow.
	cut := filepath.Join(out, "v03.jsonl")
	lines := readLines(t, cut)
	os.WriteFile(cut, []byte(strings.Join(lines, "\n")+"\n"), 0o644)
	if _, errOut, code := livecam(t, "submit", "-nats", srv.URL(), "-out-dir", out, in); code != 1 || !strings.Contains(errOut, cut+": exists, and is not a finished livecam output (no closing line") || !strings.Contains(errOut, "pass -overwrite") {
		t.Errorf("a submit over an unfinished output: exit %d, %q", code, errOut)
	}
}

// TestFleetWorkerKilled: a worker is killed (SIGKILL) in the middle of a
// job; nothing is left under the job's final names; after the ack wait
// the other worker does the job, whole, and the results stream holds each
// of its frames once.
func TestFleetWorkerKilled(t *testing.T) {
	useSharedModels(t)
	srv := natstest.Start(t)
	out := t.TempDir()
	video := shareddata.Path(t, "videos", "slideshow_480p_noisy.mkv") // 320 frames
	in := t.TempDir()
	for _, name := range []string{"a.mkv", "b.mkv"} {
		copyFile(t, video, filepath.Join(in, name))
	}
	if stdout, errOut, code := livecam(t, "submit", "-nats", srv.URL(), "-out-dir", out, "-no-video", in); code != 0 {
		t.Fatalf("submit: exit %d:\n%s%s", code, stdout, errOut)
	}
	js := connect(t, srv.URL())
	victim := startWorker(t, srv.URL(), "victim", "-input-root", in, "-output-root", out, "-ack-wait", "2s")
	// The victim takes a job and gets some way into it.
	var job fleet.State
	deadline := time.Now().Add(time.Minute)
	for job.Progress < 0.1 {
		if time.Now().After(deadline) {
			t.Fatalf("the victim made no progress:\n%s", victim.logText())
		}
		time.Sleep(100 * time.Millisecond)
		states, _ := fleet.List(context.Background(), js)
		for _, s := range states {
			if s.State == fleet.Running && s.Worker == "victim" {
				job = s
			}
		}
	}
	victim.cmd.Process.Kill()
	<-victim.done
	if _, err := os.Stat(job.Job.Results); err == nil {
		t.Errorf("%s exists although its job was killed halfway", job.Job.Results)
	}
	survivor := startWorker(t, srv.URL(), "survivor", "-input-root", in, "-output-root", out)
	states := waitJobs(t, js, 2, 2*time.Minute, survivor.logText)
	survivor.stop(t)
	for _, s := range states {
		if s.State != fleet.Done || s.Worker != "survivor" || s.Frames != 320 {
			t.Errorf("job %s: %+v", s.Job.ID, s)
		}
		if n := len(readLines(t, s.Job.Results)); n != 320 {
			t.Errorf("%s: %d lines, want 320", s.Job.Results, n)
		}
	}
	for id, n := range storedFrames(t, js, states) {
		if n != 320 {
			t.Errorf("job %s: %d results, want 320 (each frame once)", id, n)
		}
	}
	if left, _ := filepath.Glob(filepath.Join(out, ".livecam-job-*")); len(left) > 0 {
		t.Errorf("the killed worker's folder is left behind: %v", left)
	}
	if !strings.Contains(survivor.logText(), job.Job.ID+": "+job.Job.Source+" (attempt 2)") {
		t.Errorf("the killed job was not delivered again:\n%s", survivor.logText())
	}
}

// TestFleetServerRestart: nats-server stops in the middle of the run and
// starts again (its file store kept): the workers reconnect and every job
// is done, its results stored once.
func TestFleetServerRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("worker processes on timings the -race -short run slows past its deadlines; the plain run has it")
	}
	useSharedModels(t)
	srv := natstest.Start(t)
	in, out := t.TempDir(), t.TempDir()
	for i := 1; i <= 6; i++ {
		copyFile(t, "../../testdata/videos/shapes_320x240.avi", filepath.Join(in, fmt.Sprintf("v%d.avi", i)))
	}
	if stdout, errOut, code := livecam(t, "submit", "-nats", srv.URL(), "-out-dir", out, "-no-video", in); code != 0 {
		t.Fatalf("submit: exit %d:\n%s%s", code, stdout, errOut)
	}
	w1 := startWorker(t, srv.URL(), "w1", "-input-root", in, "-output-root", out, "-ack-wait", "5s")
	w2 := startWorker(t, srv.URL(), "w2", "-input-root", in, "-output-root", out, "-ack-wait", "5s")
	logs := func() string { return w1.logText() + w2.logText() }
	// The server stops once a job is done, with the others under way.
	for deadline := time.Now().Add(time.Minute); !strings.Contains(logs(), ": done:"); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no job done after a minute:\n%s", logs())
		}
	}
	srv.Stop()
	// Timed on purpose: the server stays away for a second, four times
	// the workers' reconnect wait (fleet.Connect), so that they find it
	// gone and fail to reconnect before it is back.
	time.Sleep(time.Second)
	srv.Restart()
	js := connect(t, srv.URL())
	states := waitJobs(t, js, 6, 2*time.Minute, logs)
	w1.stop(t)
	w2.stop(t)
	for _, s := range states {
		if s.State != fleet.Done {
			t.Errorf("job %s: %+v", s.Job.ID, s)
		}
		if n := len(readLines(t, s.Job.Results)); n != 45 {
			t.Errorf("%s: %d lines", s.Job.Results, n)
		}
	}
	for id, n := range storedFrames(t, js, states) {
		if n != 45 {
			t.Errorf("job %s: %d results, want 45", id, n)
		}
	}
}

// TestFleetDeadLetters: a message that is not a job and a video no
// decoder can read are dead-lettered with the reason (the video after its
// attempts); the good jobs are done, and the worker keeps going.
func TestFleetDeadLetters(t *testing.T) {
	useSharedModels(t)
	srv := natstest.Start(t)
	in, out := t.TempDir(), t.TempDir()
	copyFile(t, "../../testdata/videos/shapes_320x240.avi", filepath.Join(in, "good1.avi"))
	copyFile(t, shareddata.Path(t, "videos", "garbage.mp4"), filepath.Join(in, "broken.mp4"))
	copyFile(t, "../../testdata/videos/shapes_320x240.avi", filepath.Join(in, "good2.avi"))
	if stdout, errOut, code := livecam(t, "submit", "-nats", srv.URL(), "-out-dir", out, "-no-video", in); code != 0 {
		t.Fatalf("submit: exit %d:\n%s%s", code, stdout, errOut)
	}
	js := connect(t, srv.URL())
	if _, err := js.Publish(context.Background(), fleet.JobsSubject, []byte("this is not a job")); err != nil {
		t.Fatal(err)
	}
	w := startWorker(t, srv.URL(), "w", "-input-root", in, "-output-root", out, "-max-attempts", "2")
	states := waitJobs(t, js, 3, 2*time.Minute, w.logText)
	// The malformed message has no state: wait for its dead letter too.
	deadline := time.Now().Add(30 * time.Second)
	var dead map[string]uint64
	for len(dead) < 2 && time.Now().Before(deadline) {
		dead = subjectCounts(t, js, fleet.DeadStream, "livecam.dead.>")
		time.Sleep(100 * time.Millisecond)
	}
	w.stop(t)
	for _, s := range states {
		broken := strings.HasSuffix(s.Job.Source, "broken.mp4")
		switch {
		case broken && (s.State != fleet.Failed || s.Attempts != 2 || !strings.Contains(s.Error, "broken.mp4")):
			t.Errorf("the broken video: %+v", s)
		case !broken && s.State != fleet.Done:
			t.Errorf("job %s: %+v", s.Job.Source, s)
		}
	}
	if dead["livecam.dead.malformed"] != 1 || len(dead) != 2 {
		t.Errorf("dead letters: %v; want the malformed message and the broken video", dead)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := js.Stream(ctx, fleet.DeadStream)
	if err != nil {
		t.Fatal(err)
	}
	for seq := uint64(1); seq <= 2; seq++ {
		m, err := s.GetMsg(ctx, seq)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(m.Data), `"reason":`) || !(strings.Contains(string(m.Data), "malformed job") || strings.Contains(string(m.Data), "broken.mp4")) {
			t.Errorf("dead letter %d without its reason: %s", seq, m.Data)
		}
	}
}

// TestLiveToJetStream: a run with -nats stores the same events as its
// -events file, in order, and with -nats-results every frame's result,
// under livecam.cameras.CAMERA.*, for a consumer that sees a whole site.
func TestLiveToJetStream(t *testing.T) {
	useSharedModels(t)
	srv := natstest.Start(t)
	video, _ := demoVideo(t)
	evFile := filepath.Join(t.TempDir(), "ev.jsonl")
	_, errOut, code := livecam(t, "-quiet", "-source", video, "-events", evFile, "-nats", srv.URL(), "-nats-results")
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, errOut)
	}
	want := readLines(t, evFile)
	camera := strings.TrimSuffix(filepath.Base(video), filepath.Ext(video))
	js := connect(t, srv.URL())
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	st, err := js.Stream(ctx, natsjs.Stream)
	if err != nil {
		t.Fatal(err)
	}
	info, err := st.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	results := 0
	for seq := info.State.FirstSeq; seq <= info.State.LastSeq; seq++ {
		m, err := st.GetMsg(ctx, seq)
		if err != nil {
			t.Fatal(err)
		}
		switch m.Subject {
		case natsjs.Subject(camera, "events"):
			got = append(got, string(m.Data))
		case natsjs.Subject(camera, "results"):
			results++
		}
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") || len(want) < 5 {
		t.Errorf("stored events differ from the file's:\n got %d: %q\nwant %d: %q", len(got), got, len(want), want)
	}
	if frames := probeFrames(t, video); results != frames {
		t.Errorf("%d results stored for %d frames", results, frames)
	}
}

// TestFleetWorkerStops: SIGTERM in the middle of a job lets the worker
// finish it (done, whole) and take no other; two signals hand the job in
// hand back at once, with nothing under its final names, and another
// worker does it.
func TestFleetWorkerStops(t *testing.T) {
	if testing.Short() {
		t.Skip("worker processes on timings the -race -short run slows past its deadlines; the plain run has it")
	}
	useSharedModels(t)
	srv := natstest.Start(t)
	in, out := t.TempDir(), t.TempDir()
	video := shareddata.Path(t, "videos", "slideshow_480p_noisy.mkv") // 320 frames
	for _, name := range []string{"a.mkv", "b.mkv", "c.mkv"} {
		copyFile(t, video, filepath.Join(in, name))
	}
	if stdout, errOut, code := livecam(t, "submit", "-nats", srv.URL(), "-out-dir", out, "-no-video", in); code != 0 {
		t.Fatalf("submit: exit %d:\n%s%s", code, stdout, errOut)
	}
	js := connect(t, srv.URL())
	// running waits until worker has a job (and, with progress, has
	// reported some of it: its state is updated every third of the ack
	// wait).
	running := func(worker string, progress bool) fleet.State {
		t.Helper()
		for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			states, _ := fleet.List(context.Background(), js)
			for _, s := range states {
				if s.State == fleet.Running && s.Worker == worker && (s.Progress > 0 || !progress) {
					return s
				}
			}
		}
		t.Fatalf("%s is not working on a job", worker)
		return fleet.State{}
	}

	// One signal: the job in hand is finished, no other is taken.
	gentle := startWorker(t, srv.URL(), "gentle", "-input-root", in, "-output-root", out, "-ack-wait", "3s")
	job := running("gentle", true)
	gentle.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-gentle.done:
		if code := exitCode(err); code != 0 {
			t.Fatalf("exit %d:\n%s", code, gentle.logText())
		}
	case <-time.After(time.Minute):
		t.Fatalf("still running a minute after SIGTERM:\n%s", gentle.logText())
	}
	if n := len(readLines(t, job.Job.Results)); n != 320 {
		t.Errorf("the job in hand at SIGTERM: %d lines, want 320", n)
	}
	if n := strings.Count(gentle.logText(), ": done:"); n != 1 {
		t.Errorf("%d jobs done after one SIGTERM, want the one in hand:\n%s", n, gentle.logText())
	}

	// Two signals: handed back at once, then done by another worker.
	hasty := startWorker(t, srv.URL(), "hasty", "-input-root", in, "-output-root", out, "-ack-wait", "30s")
	job = running("hasty", false)
	hasty.cmd.Process.Signal(syscall.SIGTERM)
	time.Sleep(100 * time.Millisecond)
	sent := time.Now()
	hasty.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-hasty.done:
		if code := exitCode(err); code != 0 || time.Since(sent) > 5*time.Second {
			t.Errorf("exit %d after %v:\n%s", code, time.Since(sent), hasty.logText())
		}
	case <-time.After(time.Minute):
		t.Fatalf("still running a minute after two SIGTERMs:\n%s", hasty.logText())
	}
	if _, err := os.Stat(job.Job.Results); err == nil {
		t.Errorf("%s exists although its job was handed back", job.Job.Results)
	}
	// The ack wait is 30 s: only the hand-back (a nak) lets another
	// worker have the job this soon.
	other := startWorker(t, srv.URL(), "other", "-input-root", in, "-output-root", out)
	states := waitJobs(t, js, 3, 20*time.Second, other.logText)
	other.stop(t)
	for _, s := range states {
		if s.State != fleet.Done {
			t.Errorf("job %s: %+v", s.Job.Source, s)
		}
	}
}

// TestFleetWorkerNeedsRoots: a worker is told what it may touch, or does
// not start; a NATS URL with credentials in it is refused by every fleet
// command without showing them.
func TestFleetWorkerNeedsRoots(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"worker", "-nats", "nats://127.0.0.1:1"}, "give -input-root DIR and -output-root DIR"},
		{[]string{"worker", "-nats", "nats://127.0.0.1:1", "-input-root", dir}, "give -output-root DIR:"},
		{[]string{"worker", "-nats", "nats://127.0.0.1:1", "-output-root", dir}, "give -input-root DIR:"},
		{[]string{"worker", "-nats", "nats://127.0.0.1:1", "-input-root", dir, "-output-root", filepath.Join(dir, "missing")}, "output root"},
		{[]string{"worker", "-nats", "nats://127.0.0.1:1", "-input-root", dir, "-output-root", dir, "-replicas", "6"}, "-replicas"},
		{[]string{"submit", "-nats", "nats://127.0.0.1:1", "-out-dir", dir, "-replicas", "-1", dir}, "-replicas"},
	} {
		_, errOut, code := livecam(t, c.args...)
		if code != 2 || !strings.Contains(errOut, c.want) {
			t.Errorf("%v: exit %d, %q; want 2 and %q", c.args, code, errOut, c.want)
		}
	}
	video := filepath.Join(dir, "v.avi")
	copyFile(t, "../../testdata/videos/shapes_320x240.avi", video)
	for _, args := range [][]string{
		{"worker", "-input-root", dir, "-output-root", dir},
		{"submit", "-out-dir", dir, video},
		{"jobs"},
	} {
		for _, url := range []string{"nats://admin:S3cretPw@127.0.0.1:1", "nats://S3cretPw@127.0.0.1:1"} {
			stdout, errOut, code := livecam(t, append(args, "-nats", url)...)
			if code != 2 || !strings.Contains(errOut, "credentials in the URL are refused") || strings.Contains(stdout+errOut, "S3cretPw") {
				t.Errorf("%s -nats %s: exit %d, %q", args[0], url, code, errOut)
			}
		}
	}
}

// TestFleetSecureDeployment: the recommended server configuration
// (natstest.Authorization): submit and jobs as the submitter (password
// from the environment), the worker as the worker (password from a
// file); the job is done. A wrong password is refused and never shown,
// nor is the URL's.
func TestFleetSecureDeployment(t *testing.T) {
	useSharedModels(t)
	srv := natstest.StartSecure(t)
	in, out := t.TempDir(), t.TempDir()
	copyFile(t, "../../testdata/videos/shapes_320x240.avi", filepath.Join(in, "v.avi"))
	pwFile := filepath.Join(t.TempDir(), "worker.pw")
	if err := os.WriteFile(pwFile, []byte(srv.Password("worker")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("LIVECAM_NATS_PASSWORD", srv.Password("submitter"))
	// A submitter may not create the results and dead-letter streams: on
	// a new server, submit says who does.
	if stdout, errOut, code := livecam(t, "submit", "-nats", srv.URL(), "-nats-user", "submitter", "-out-dir", out, "-no-video", in); code == 0 || !strings.Contains(errOut, "a worker creates the fleet's streams") {
		t.Errorf("submit before any worker: exit %d:\n%s%s", code, stdout, errOut)
	}
	w := startWorker(t, srv.URL(), "w", "-input-root", in, "-output-root", out, "-nats-user", "worker", "-nats-password-file", pwFile)
	if stdout, errOut, code := livecam(t, "submit", "-nats", srv.URL(), "-nats-user", "submitter", "-out-dir", out, "-no-video", in); code != 0 || !strings.Contains(stdout, "queued") {
		t.Fatalf("submit: exit %d:\n%s%s", code, stdout, errOut)
	}
	deadline := time.Now().Add(time.Minute)
	for {
		stdout, errOut, code := livecam(t, "jobs", "-nats", srv.URL(), "-nats-user", "submitter")
		if code == 0 && strings.Contains(stdout, "1 done") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("jobs: exit %d:\n%s%s\nworker:\n%s", code, stdout, errOut, w.logText())
		}
		time.Sleep(200 * time.Millisecond)
	}
	w.stop(t)
	if n := len(readLines(t, filepath.Join(out, "v.jsonl"))); n != 45 {
		t.Errorf("v.jsonl: %d lines", n)
	}
	if !strings.Contains(w.logText(), "waiting for jobs on "+srv.URL()) {
		t.Errorf("worker log:\n%s", w.logText())
	}
	// A wrong password.
	t.Setenv("LIVECAM_NATS_PASSWORD", "wrong-Pa55word")
	stdout, errOut, code := livecam(t, "jobs", "-nats", srv.URL(), "-nats-user", "worker")
	if code == 0 || !strings.Contains(errOut, "refused the credentials") || strings.Contains(stdout+errOut, "Pa55word") || strings.Contains(stdout+errOut, srv.Password("worker")) {
		t.Errorf("a wrong password: exit %d:\n%s%s", code, stdout, errOut)
	}
}

// TestFleetSubmitChecks: submit refuses what every worker would before
// it connects (fleet.CheckSubmitSource; its cases, and the refusal of
// another job's outputs, are package fleet's tests).
func TestFleetSubmitChecks(t *testing.T) {
	in := t.TempDir()
	fifo := filepath.Join(in, "fifo.avi")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, errOut, code := livecam(t, "submit", "-nats", "nats://127.0.0.1:1", "-out-dir", t.TempDir(), fifo); code == 0 || !strings.Contains(errOut, "not a regular file") {
		t.Errorf("submit %s: exit %d, %q", fifo, code, errOut)
	}
}

// TestFleetHostileJobs: what anyone who may publish on livecam.jobs could
// send: a GStreamer pipeline that copies a secret into the output folder
// and writes authorized_keys elsewhere, a file outside the roots, results
// outside them, a source whose name holds terminal escapes and a newline.
// Each is dead-lettered at its first delivery with the reason, nothing is
// written, and neither the worker's log nor `livecam jobs` prints the
// escapes raw.
func TestFleetHostileJobs(t *testing.T) {
	useSharedModels(t)
	srv := natstest.Start(t)
	in, out, elsewhere := t.TempDir(), t.TempDir(), t.TempDir()
	secret := filepath.Join(elsewhere, "shadow")
	os.WriteFile(secret, []byte("root:secret\n"), 0o600)
	keys := filepath.Join(elsewhere, "authorized_keys")
	evil := "\x1b[2J\x1b[31mevil\nline.avi"
	jobs := []fleet.Job{
		fleet.NewJob("filesrc location="+secret+" ! filesink location="+filepath.Join(out, "copy")+" videotestsrc ! filesink location="+keys+" ! appsink", "", filepath.Join(out, "p.jsonl")),
		fleet.NewJob(secret, "", filepath.Join(out, "s.jsonl")),
		fleet.NewJob(filepath.Join(in, evil), "", filepath.Join(out, "e.jsonl")),
		fleet.NewJob(filepath.Join(in, "v.avi"), "", keys),
	}
	copyFile(t, "../../testdata/videos/shapes_320x240.avi", filepath.Join(in, "v.avi"))
	js := connect(t, srv.URL())
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := fleet.Submit(ctx, js, jobs); err != nil {
		t.Fatal(err)
	}
	w := startWorker(t, srv.URL(), "w", "-input-root", in, "-output-root", out)
	states := waitJobs(t, js, len(jobs), time.Minute, w.logText)
	w.stop(t)
	for _, s := range states {
		if s.State != fleet.Failed || s.Attempts != 1 || !strings.Contains(s.Error, "refused") {
			t.Errorf("job %q: %+v; want failed at once, refused", s.Job.Source, s)
		}
	}
	for _, f := range []string{filepath.Join(out, "copy"), keys, filepath.Join(out, "p.jsonl"), filepath.Join(out, "s.jsonl")} {
		if _, err := os.Stat(f); err == nil {
			t.Errorf("%s was written", f)
		}
	}
	if strings.Contains(w.logText(), "\x1b") || strings.Contains(w.logText(), "evil\nline") {
		t.Errorf("the worker's log prints the escapes raw:\n%q", w.logText())
	}
	stdout, _, code := livecam(t, "jobs", "-nats", srv.URL())
	if code != 0 || strings.Contains(stdout, "\x1b") || strings.Contains(stdout, "evil\nline") || !strings.Contains(stdout, `\x1b[2J\x1b[31mevil\nline.avi`) {
		t.Errorf("livecam jobs prints the escapes raw (exit %d):\n%q", code, stdout)
	}
	if !regexp.MustCompile(`(?m)^WORKER +STATE +JOB +SEEN +NOTE\n(w +waiting|w +working)`).MatchString(stdout) {
		t.Errorf("livecam jobs does not show the worker's state:\n%s", stdout)
	}
	if n := len(subjectCounts(t, js, fleet.DeadStream, "livecam.dead.>")); n != len(jobs) {
		t.Errorf("%d dead letters, want %d", n, len(jobs))
	}
}

// TestFleetJobKillsWorkers: a job whose workers die in it (killed with
// SIGKILL each time one starts it) is dead-lettered once it has been
// delivered more than -max-deliveries times, instead of going round for
// ever.
func TestFleetJobKillsWorkers(t *testing.T) {
	useSharedModels(t)
	srv := natstest.Start(t)
	in, out := t.TempDir(), t.TempDir()
	copyFile(t, shareddata.Path(t, "videos", "slideshow_480p_noisy.mkv"), filepath.Join(in, "a.mkv")) // 320 frames
	if stdout, errOut, code := livecam(t, "submit", "-nats", srv.URL(), "-out-dir", out, "-no-video", in); code != 0 {
		t.Fatalf("submit: exit %d:\n%s%s", code, stdout, errOut)
	}
	js := connect(t, srv.URL())
	var logs strings.Builder
	for i := 1; ; i++ {
		if i > 5 {
			t.Fatalf("still not dead-lettered after %d workers:\n%s", i-1, logs.String())
		}
		name := fmt.Sprintf("w%d", i)
		w := startWorker(t, srv.URL(), name, "-input-root", in, "-output-root", out, "-ack-wait", "1s", "-max-deliveries", "2")
		var st fleet.State
		for deadline := time.Now().Add(time.Minute); ; time.Sleep(20 * time.Millisecond) {
			states, _ := fleet.List(context.Background(), js)
			if len(states) == 1 {
				st = states[0]
			}
			if st.State == fleet.Failed || st.State == fleet.Running && st.Worker == name {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s took no job: %+v\n%s", name, st, w.logText())
			}
		}
		w.cmd.Process.Kill()
		<-w.done
		logs.WriteString(w.logText())
		if st.State == fleet.Failed {
			if i != 3 || !strings.Contains(st.Error, "delivered 3 times without finishing") {
				t.Errorf("after %d workers: %+v", i, st)
			}
			break
		}
	}
	if n := len(subjectCounts(t, js, fleet.DeadStream, "livecam.dead.>")); n != 1 {
		t.Errorf("%d dead letters, want 1", n)
	}
}

// TestFleetWorkerReadOnlyRoot: a worker one of whose output roots is a
// read-only filesystem (a tmpfs the test mounts read-only; it needs root)
// takes no job and says so, in its log and in `livecam jobs`; the healthy
// worker does all six jobs and none is dead-lettered.
func TestFleetWorkerReadOnlyRoot(t *testing.T) {
	useSharedModels(t)
	ro := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", ro).CombinedOutput(); err != nil {
		shareddata.Need(t, "cannot mount a read-only tmpfs (needs root): %v: %s", err, out)
	}
	defer exec.Command("umount", ro).Run()
	srv := natstest.Start(t)
	in, out := t.TempDir(), t.TempDir()
	for i := 1; i <= 6; i++ {
		copyFile(t, "../../testdata/videos/shapes_320x240.avi", filepath.Join(in, fmt.Sprintf("v%d.avi", i)))
	}
	if stdout, errOut, code := livecam(t, "submit", "-nats", srv.URL(), "-out-dir", out, "-no-video", in); code != 0 {
		t.Fatalf("submit: exit %d:\n%s%s", code, stdout, errOut)
	}
	sick := startWorker(t, srv.URL(), "sick", "-input-root", in, "-output-root", out, "-output-root", ro)
	for deadline := time.Now().Add(30 * time.Second); !strings.Contains(sick.logText(), "taking no jobs: output root "+ro+" is not writable: read-only file system"); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the sick worker does not say it takes no jobs:\n%s", sick.logText())
		}
	}
	stdout, _, _ := livecam(t, "jobs", "-nats", srv.URL())
	if !regexp.MustCompile(`(?m)^sick +not taking jobs .*read-only file system`).MatchString(stdout) {
		t.Errorf("livecam jobs does not show the sick worker's state:\n%s", stdout)
	}
	healthy := startWorker(t, srv.URL(), "healthy", "-input-root", in, "-output-root", out)
	states := waitJobs(t, connect(t, srv.URL()), 6, 2*time.Minute, func() string { return sick.logText() + healthy.logText() })
	sick.stop(t)
	healthy.stop(t)
	for _, s := range states {
		if s.State != fleet.Done || s.Worker != "healthy" || s.Failures != 0 {
			t.Errorf("job %s: %+v", s.Job.Source, s)
		}
	}
	if regexp.MustCompile(`job [0-9a-f]+: `).MatchString(sick.logText()) {
		t.Errorf("the sick worker took a job:\n%s", sick.logText())
	}
}

// TestFleetWorkerDiskFull: a worker whose output root (a 512 KiB tmpfs
// the test mounts; it needs root) fills while it encodes a job's video
// hands the job back without charging it an attempt, says so in the
// job's state, and pauses; the job is not dead-lettered and nothing is
// left under its final names.
func TestFleetWorkerDiskFull(t *testing.T) {
	useSharedModels(t)
	full := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=512k", "tmpfs", full).CombinedOutput(); err != nil {
		shareddata.Need(t, "cannot mount a small tmpfs (needs root): %v: %s", err, out)
	}
	defer exec.Command("umount", full).Run()
	srv := natstest.Start(t)
	in := t.TempDir()
	copyFile(t, shareddata.Path(t, "videos", "slideshow_480p_noisy.mkv"), filepath.Join(in, "a.mkv"))
	if stdout, errOut, code := livecam(t, "submit", "-nats", srv.URL(), "-out-dir", full, in); code != 0 {
		t.Fatalf("submit: exit %d:\n%s%s", code, stdout, errOut)
	}
	js := connect(t, srv.URL())
	w := startWorker(t, srv.URL(), "w", "-input-root", in, "-output-root", full, "-max-attempts", "1")
	var st fleet.State
	for deadline := time.Now().Add(time.Minute); st.HandedBack == 0; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("not handed back: %+v\n%s", st, w.logText())
		}
		if states, _ := fleet.List(context.Background(), js); len(states) == 1 {
			st = states[0]
		}
	}
	w.stop(t)
	t.Logf("handed back: %s", st.Error)
	if st.State != fleet.Queued || st.Failures != 0 || !strings.Contains(st.Error, "handed back by w") {
		t.Errorf("after the disk filled: %+v\n%s", st, w.logText())
	}
	if !strings.Contains(w.logText(), "handed back, the fault is this worker's") || !strings.Contains(w.logText(), "taking no jobs: paused") {
		t.Errorf("the worker's log:\n%s", w.logText())
	}
	if dead := subjectCounts(t, js, fleet.DeadStream, "livecam.dead.>"); len(dead) != 0 {
		t.Errorf("dead letters: %v", dead)
	}
	for _, f := range []string{st.Job.Out, st.Job.Results} {
		if _, err := os.Stat(f); err == nil {
			t.Errorf("%s exists although the job was handed back", f)
		}
	}
}

// TestFleetJobsJSONRedacts: livecam jobs -json prints the states through
// fleet.WriteStatesJSON: a URL source without its credentials, even from a
// state recorded with them (the table's and JSON's redaction are package
// fleet's tests).
func TestFleetJobsJSONRedacts(t *testing.T) {
	srv := natstest.Start(t)
	js := connect(t, srv.URL())
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, _, err := fleet.Setup(ctx, js, fleet.Options{}); err != nil {
		t.Fatal(err)
	}
	kv, err := js.KeyValue(ctx, fleet.StateBucket)
	if err != nil {
		t.Fatal(err)
	}
	job := fleet.NewJob("rtsp://admin:hunter2@cam.local/live", "", "/out/cam.jsonl")
	raw := fmt.Sprintf(`{"job":{"id":%q,"source":%q,"results":"/out/cam.jsonl"},"state":"failed"}`, job.ID, job.Source)
	if _, err := kv.Put(ctx, job.ID, []byte(raw)); err != nil {
		t.Fatal(err)
	}
	stdout, errOut, code := livecam(t, "jobs", "-json", "-nats", srv.URL())
	if code != 0 || strings.Contains(stdout, "hunter2") || !strings.Contains(stdout, `"source":"rtsp://admin:xxxxx@cam.local/live"`) {
		t.Errorf("exit %d:\n%s%s", code, stdout, errOut)
	}
}
