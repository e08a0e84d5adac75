package fleet

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/livecam/livecam/internal/testrig/natstest"
)

// TestCheckSubmitSource: submit refuses what every worker would (a
// folder, a FIFO, a name with '!', a file that is not there), naming the
// source without its credentials; a video file and a URL pass.
func TestCheckSubmitSource(t *testing.T) {
	dir := t.TempDir()
	video, bang, fifo := filepath.Join(dir, "v.avi"), filepath.Join(dir, "a!b.avi"), filepath.Join(dir, "fifo.avi")
	writeFile(t, video, "v")
	writeFile(t, bang, "v")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.avi")
	if err := os.Symlink(video, link); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ src, want string }{
		{video, ""},
		{link, ""},
		{"rtsp://admin:hunter2@cam.local/live", ""},
		{dir, "a folder, not a video file"},
		{fifo, "not a regular file"},
		{bang, "'!'"},
		{filepath.Join(dir, "missing.avi"), "missing.avi: no such file or directory"},
		{"rtsp://admin:hunter2@cam.local/x ! filesink location=/etc/passwd", "a GStreamer pipeline"},
	} {
		err := CheckSubmitSource(c.src)
		if c.want == "" && err != nil || c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)) {
			t.Errorf("CheckSubmitSource(%q) = %v; want %q", c.src, err, c.want)
		}
		if err != nil && strings.Contains(err.Error(), "hunter2") {
			t.Errorf("CheckSubmitSource(%q) shows the password: %v", c.src, err)
		}
	}
}

// TestAbsPath: a local path is made absolute; a URL and "" are kept.
func TestAbsPath(t *testing.T) {
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for in, want := range map[string]string{"": "", "rtsp://cam/x": "rtsp://cam/x", "/a/b.mp4": "/a/b.mp4", "b.mp4": filepath.Join(wd, "b.mp4")} {
		if got := AbsPath(in); got != want {
			t.Errorf("AbsPath(%q) = %q; want %q", in, got, want)
		}
	}
}

// TestSubmitCollision: a job whose outputs are those of a job still
// queued (a/x.avi and b/x.avi into one folder) is refused, naming the
// other job, unless it may overwrite them.
func TestSubmitCollision(t *testing.T) {
	js := connectAs(t, natstest.Start(t), "")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out := t.TempDir()
	first := NewJob("/in/a/x.avi", filepath.Join(out, "x.mp4"), filepath.Join(out, "x.jsonl"))
	if _, err := Submit(ctx, js, []Job{first}); err != nil {
		t.Fatal(err)
	}
	second := NewJob("/in/b/x.avi", filepath.Join(out, "x.mp4"), filepath.Join(out, "x.jsonl"))
	done, err := Submit(ctx, js, []Job{second})
	if !errors.Is(err, ErrCollision) || !strings.Contains(err.Error(), "is an output of job "+first.ID) || len(done) != 0 {
		t.Errorf("the outputs of a queued job: %+v, %v; want refused, naming job %s", done, err, first.ID)
	}
	second.Overwrite = true
	if done, err := Submit(ctx, js, []Job{second}); err != nil || len(done) != 1 || done[0].Duplicate {
		t.Errorf("with Overwrite: %+v, %v; want queued", done, err)
	}
}
