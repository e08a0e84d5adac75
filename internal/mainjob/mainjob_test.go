package mainjob

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/livecam/livecam/cameras"
	"github.com/livecam/livecam/fleet"
	"github.com/livecam/livecam/internal/runctl"
	"github.com/livecam/livecam/internal/testrig/natstest"
	"github.com/livecam/livecam/internal/testrig/shareddata"
	"github.com/livecam/livecam/models"
)

const testVideo = "../../testdata/videos/shapes_320x240.avi"

// newRunner opens the default model from the shared models and returns
// a runner of s that logs to log.
func newRunner(t *testing.T, s Settings, log io.Writer) *Runner {
	t.Helper()
	t.Setenv(models.EnvDir, shareddata.Path(t, "models"))
	model, err := models.Open(context.Background(), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	r, err := New(model, s, io.Discard, log)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestDefaultsValid: a run given no flag passes its own checks, and
// Validate's messages name the flag at fault.
func TestDefaultsValid(t *testing.T) {
	s := Defaults()
	if err := s.Validate(); err != nil {
		t.Fatalf("the defaults: %v", err)
	}
	s.NoTrack, s.Zones = true, []string{"door=0,0,1,0,1,1"}
	if err := s.Validate(); err == nil || !strings.HasPrefix(err.Error(), "-no-track: ") {
		t.Errorf("-no-track with -zone: %v", err)
	}
}

// TestLogEscapesControlCharacters: every line of the run's log (the
// runner's logf, which the pipeline, the reconnecting cameras, MQTT and
// NATS log through) has its control characters escaped, whatever the
// caller passed: a source, an error naming it, a label.
func TestLogEscapesControlCharacters(t *testing.T) {
	var b strings.Builder
	r := &Runner{stderr: &b}
	r.logf("%s: still cannot open (attempt %d): %v", "door", 2, errors.New("open x\x1b[2J\rlivecam: fine\n\u202e: no such file"))
	want := `livecam: door: still cannot open (attempt 2): open x\x1b[2J\rlivecam: fine\n\u202e: no such file` + "\n"
	if b.String() != want {
		t.Errorf("logged %q, want %q", b.String(), want)
	}
}

// TestCameraOutputs: a camera's outputs are its own (from the file) or,
// those it leaves out, NAME.* in the output folder; two cameras that
// would write one file are refused, naming both.
func TestCameraOutputs(t *testing.T) {
	a := cameraJob(cameras.Camera{Name: "door", Source: testVideo, Results: "/r/door.jsonl"}, "/out")
	want := Job{Source: testVideo, Out: "/out/door.mp4", Results: "/r/door.jsonl", Events: "/out/door.events.jsonl"}
	if a != want {
		t.Errorf("door's outputs %+v, want %+v", a, want)
	}
	// A live camera: nothing named (its video, results and events are
	// recorded in segments), but what it gives itself.
	live := cameraJob(cameras.Camera{Name: "porch", Source: "rtsp://cam/porch", Events: "/e/porch.jsonl"}, "/out")
	if want := (Job{Source: "rtsp://cam/porch", Events: "/e/porch.jsonl"}); live != want {
		t.Errorf("porch's outputs %+v, want %+v", live, want)
	}
	if j := cameraJob(cameras.Camera{Name: "yard", Source: "1"}, ""); j != (Job{Source: "1"}) {
		t.Errorf("yard without an output folder: %+v", j)
	}
	writers := map[string]string{}
	if err := distinctOutputs(writers, "door", a); err != nil {
		t.Fatal(err)
	}
	b := cameraJob(cameras.Camera{Name: "yard", Source: "1", Out: "/out/door.mp4", Results: "-"}, "/out")
	if err := distinctOutputs(writers, "yard", b); err == nil || !strings.Contains(err.Error(), "cameras door and yard would both write /out/door.mp4") {
		t.Errorf("two cameras writing one file: %v", err)
	}
}

// TestScratchOutputsNamedNowhere: a run whose outputs are in a folder its
// caller removes when the run fails (a fleet job's workspace; runner's
// scratch) names none of them in its messages. The run fills a 4 MiB
// tmpfs (mounted by the test; it needs root) and fails with a full disk,
// the caller removes the folder's files, and no message names a file that
// is not there (it once said the outputs "keep their partial names").
func TestScratchOutputsNamedNowhere(t *testing.T) {
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", dir).CombinedOutput(); err != nil {
		shareddata.Need(t, "cannot mount a small tmpfs (needs root): %v: %s", err, out)
	}
	defer exec.Command("umount", dir).Run()
	var stderr bytes.Buffer
	s := Defaults()
	s.Quiet, s.Loop = true, true
	r := newRunner(t, s, &stderr)
	r.inBatch, r.scratch = true, true
	err := r.One(Job{Source: testVideo, Out: filepath.Join(dir, "video.avi"), Results: filepath.Join(dir, "results.jsonl")})
	if !runctl.IsDiskFull(err) {
		t.Fatalf("got %v, want a full disk:\n%s", err, stderr.String())
	}
	left, _ := os.ReadDir(dir)
	if len(left) == 0 {
		t.Fatalf("nothing was written")
	}
	for _, e := range left {
		os.Remove(filepath.Join(dir, e.Name())) // what the caller does
	}
	if strings.Contains(stderr.String(), dir) {
		t.Errorf("a message names a file of the scratch folder:\n%s", stderr.String())
	}
	namedFilesExist(t, stderr.String())
}

// namedFilesExist fails the test when a message names an output file
// somewhere ("wrote N frames to F", "the outputs keep their partial
// names (not whole): F, G", "(it is in F)", "the output is in F", "the
// data written so far is in F") and F does not exist.
func namedFilesExist(t *testing.T, errOut string) {
	t.Helper()
	var named []string
	for _, re := range []*regexp.Regexp{
		regexp.MustCompile(`wrote \d+ frames to (\S+)`), regexp.MustCompile(`\(it is in ([^)\s]+)\)`),
		regexp.MustCompile(`the output is in (\S+)`), regexp.MustCompile(`the data written so far is in ([^)\s]+)\)`),
	} {
		for _, m := range re.FindAllStringSubmatch(errOut, -1) {
			named = append(named, m[1])
		}
	}
	for _, m := range regexp.MustCompile(`keep their partial names \(not whole\): ([^\n]+)`).FindAllStringSubmatch(errOut, -1) {
		named = append(named, strings.Split(m[1], ", ")...)
	}
	for _, f := range named {
		if _, err := os.Stat(f); err != nil {
			t.Errorf("a message names %s, which is not there: %v\n%s", f, err, errOut)
		}
	}
}

// syncLog is a log many goroutines write.
type syncLog struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *syncLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *syncLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestFleetJobConfined: a worker's job runs on its fleet.JobFiles (their
// confinement, moves and messages are package fleet's tests): a job whose
// video and results have one base name in two folders writes both,
// whole, and the worker's log names the job's source, never the /proc
// paths the pipeline was given.
func TestFleetJobConfined(t *testing.T) {
	srv := natstest.Start(t)
	log := &syncLog{}
	s := Defaults()
	s.Quiet, s.Workers = true, 1
	r := newRunner(t, s, log)
	nc, js, err := fleet.Connect(srv.URL(), "test")
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, _, err := fleet.Setup(ctx, js, fleet.Options{}); err != nil {
		t.Fatal(err)
	}
	in, out := t.TempDir(), t.TempDir()
	for _, d := range []string{filepath.Join(out, "a"), filepath.Join(out, "b")} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	data, err := os.ReadFile(testVideo)
	if err == nil {
		err = os.WriteFile(filepath.Join(in, "v.avi"), data, 0o644)
	}
	if err != nil {
		t.Fatal(err)
	}
	limits, err := fleet.Limits{InputRoots: []string{in}, OutputRoots: []string{out}}.Resolved()
	if err != nil {
		t.Fatal(err)
	}
	job := fleet.NewJob(filepath.Join(in, "v.avi"), filepath.Join(out, "a", "same.avi"), filepath.Join(out, "b", "same.avi"))
	checked, err := limits.Check(job)
	if err != nil {
		t.Fatal(err)
	}
	sum, err := r.Process(limits)(context.Background(), checked, fleet.NewResults(js, job.ID), func(float64) {})
	if err != nil {
		t.Fatalf("one base name in two folders: %v\n%s", err, log)
	}
	if sum.Frames == 0 || len(sum.Outputs) != 2 {
		t.Errorf("summary %+v", sum)
	}
	results, err := os.ReadFile(filepath.Join(out, "b", "same.avi"))
	if err != nil || !strings.HasPrefix(string(results), "{") {
		t.Errorf("the results: %.40q, %v; want JSON lines", results, err)
	}
	vid, err := os.ReadFile(filepath.Join(out, "a", "same.avi"))
	if err != nil || strings.HasPrefix(string(vid), "{") || len(vid) < 1000 {
		t.Errorf("the video: %d bytes %.40q, %v; want a video", len(vid), vid, err)
	}
	if strings.Contains(log.String(), "/proc/") {
		t.Errorf("the log names the /proc paths:\n%s", log)
	}
}
