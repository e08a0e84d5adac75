package pipeline_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/livecam/livecam/internal/testrig/mjpegtest"
	"github.com/livecam/livecam/pipeline"
	"github.com/livecam/livecam/pipeline/stage"
	"github.com/livecam/livecam/sink/outfile"
	"github.com/livecam/livecam/sink/video"
	"github.com/livecam/livecam/source"
)

// logRecorder collects Logf lines with the time each arrived.
type logRecorder struct {
	mu    sync.Mutex
	lines []string
	at    []time.Time
}

func (l *logRecorder) logf(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, fmt.Sprintf(format, args...))
	l.at = append(l.at, time.Now())
}

// first returns the time of the first line containing s.
func (l *logRecorder) first(s string) (time.Time, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for i, line := range l.lines {
		if strings.Contains(line, s) {
			return l.at[i], true
		}
	}
	return time.Time{}, false
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// runStream runs a live pipeline on the test server's stream and returns
// it, its log, a frame counter and a stop function that cancels and waits.
func runStream(t *testing.T, srv *mjpegtest.Server, sinks ...pipeline.Sink) (*pipeline.Pipeline, *logRecorder, func() []int64, func() error) {
	t.Helper()
	src, err := source.Open(srv.URL(), source.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var frames []int64
	logs := &logRecorder{}
	p, err := pipeline.New(pipeline.Config{Source: src, Model: smallModel(t), Reconnect: 500 * time.Millisecond, Logf: logs.logf, Sinks: sinks, Stages: []pipeline.Stage{stage.Overlay(nil)},
		OnResult: func(r *pipeline.Result) { mu.Lock(); frames = append(frames, r.Frame); mu.Unlock() }})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	got := func() []int64 { mu.Lock(); defer mu.Unlock(); return append([]int64(nil), frames...) }
	stop := func() error { cancel(); return <-done }
	return p, logs, got, stop
}

// TestReconnectAfterDrop unplugs the camera (the server goes away), and
// plugs it back a second later: the pipeline must report the loss, retry,
// resume, and keep the outputs consistent across the gap.
func TestReconnectAfterDrop(t *testing.T) {
	srv, err := mjpegtest.Start(320, 240, 25)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop()
	vs, err := video.Create(filepath.Join(t.TempDir(), "out.avi"), outfile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	p, logs, frames, stop := runStream(t, srv, vs)
	waitFor(t, "frames before the drop", func() bool { return len(frames()) >= 10 })
	srv.Stop()
	lostAt := time.Now()
	waitFor(t, "the loss to be reported", func() bool { _, ok := logs.first("reconnecting"); return ok })
	if at, _ := logs.first("reconnecting"); at.Sub(lostAt) > 2*time.Second {
		t.Errorf("loss reported %v after the drop", at.Sub(lostAt))
	}
	time.Sleep(time.Second) // not for ordering: the camera stays unplugged a while, through failed attempts
	before := len(frames())
	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the source to come back", func() bool { _, ok := logs.first("is back"); return ok })
	waitFor(t, "frames after the gap", func() bool { return len(frames()) >= before+10 })
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	got := frames()
	for i := 1; i < len(got); i++ {
		if got[i] <= got[i-1] {
			t.Fatalf("frame %d after %d", got[i], got[i-1])
		}
	}
	s := p.Metrics().Snapshot()
	if s.Reconnects < 1 || int64(len(got)) != s.Out || s.In != s.Out+s.Dropped {
		t.Errorf("reconnects %d, %d results, in %d, out %d, dropped %d", s.Reconnects, len(got), s.In, s.Out, s.Dropped)
	}
	// The video keeps real time: frames are placed by their time, so a
	// burst of frames a slow machine reads late shares slots (the later
	// left out), and the gap itself (over 1 s) is not filled. It must
	// still hold frames from both sides of the gap.
	if v := int64(vs.Frames()); v < int64(before)/2+5 || v > s.Out {
		t.Errorf("video %d frames for %d processed (%d before the gap)", v, s.Out, before)
	}
	t.Logf("%d frames, log: %q", len(got), logs.lines)
}

// TestStallDetected: a stream that keeps its connection but sends nothing
// is noticed within 2 s and reconnected once it sends again.
func TestStallDetected(t *testing.T) {
	srv, err := mjpegtest.Start(320, 240, 25)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop()
	_, logs, frames, stop := runStream(t, srv)
	waitFor(t, "frames", func() bool { return len(frames()) >= 10 })
	srv.Stall(true)
	stalledAt := time.Now()
	waitFor(t, "the stall to be noticed", func() bool { _, ok := logs.first("reconnecting"); return ok })
	at, _ := logs.first("reconnecting")
	if d := at.Sub(stalledAt); d > 2*time.Second {
		t.Errorf("stall noticed after %v, want within 2 s", d)
	} else {
		t.Logf("stall noticed after %v", d.Round(time.Millisecond))
	}
	srv.Stall(false)
	n := len(frames())
	waitFor(t, "frames after the stall", func() bool { return len(frames()) >= n+10 })
	if err := stop(); err != nil {
		t.Fatal(err)
	}
}

// TestReconnectAtAnotherSize: a camera that comes back at another
// resolution is followed, not refused: the video keeps its size (the new
// frames are fitted into it), the results say each new frame's size, and
// one warning says when it changed.
func TestReconnectAtAnotherSize(t *testing.T) {
	srv, err := mjpegtest.Start(320, 240, 25)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop()
	dir := t.TempDir()
	videoPath, resultsPath := filepath.Join(dir, "out.mp4"), filepath.Join(dir, "r.jsonl")
	vs, err := video.Create(videoPath, outfile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	results, err := resultsFile(resultsPath)
	if err != nil {
		t.Fatal(err)
	}
	_, logs, frames, stop := runStream(t, srv, vs, results)
	waitFor(t, "frames before the drop", func() bool { return len(frames()) >= 10 })
	srv.Stop()
	waitFor(t, "the loss to be reported", func() bool { _, ok := logs.first("reconnecting"); return ok })
	srv.SetSize(640, 360)
	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the source to come back", func() bool { _, ok := logs.first("is back"); return ok })
	before := len(frames())
	waitFor(t, "frames after the gap", func() bool { return len(frames()) >= before+10 })
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if _, ok := logs.first("is 640x360, not 320x240"); !ok {
		t.Errorf("no warning of the new size: %q", logs.lines)
	}
	data, _ := os.ReadFile(resultsPath)
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	if !strings.HasSuffix(lines[len(lines)-1], `"size":[640,360]}`) || strings.Contains(lines[0], `"size"`) {
		t.Errorf("first line %s\nlast line %s", lines[0], lines[len(lines)-1])
	}
	out, err := exec.Command("ffprobe", "-v", "error", "-count_frames", "-show_entries", "stream=width,height,nb_read_frames", "-of", "csv=p=0", videoPath).Output()
	if err != nil || !strings.HasPrefix(string(out), "320,240,") {
		t.Errorf("video %q, %v", out, err)
	}
}
