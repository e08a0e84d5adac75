package main

import (
	"bytes"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/livecam/livecam/internal/testrig/mjpegtest"
	"github.com/livecam/livecam/internal/testrig/shareddata"
	"github.com/livecam/livecam/sink/jsonl"
)

// TestCamerasKeepSizeRotatesResults does what the operator of an
// always-on camera did: record it with a short -segment and a tiny
// -keep-size, let the budget fill, stop, start again. Each segment has
// its results beside it (with its closing line) and its events when it
// had any; old segments are deleted with their results and events; the
// camera's folder stays within the budget; the restart starts new
// files and never changes the old ones (retention may delete them, all
// of a segment's files at once); nothing is left outside the segments.
func TestCamerasKeepSizeRotatesResults(t *testing.T) {
	if testing.Short() {
		t.Skip("10-12 s of live camera and ffmpeg; sink/clips and sink/segment test the same in -short, make check runs it whole")
	}
	srv, err := mjpegtest.Start(160, 120, 25)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop()
	out := t.TempDir()
	cam := filepath.Join(out, "porch")
	const budget = 40_000
	// finished lists the finished segments' stems (their files without
	// kind), all kinds seen.
	finished := func() []string {
		var stems []string
		files, _ := filepath.Glob(filepath.Join(cam, "20*", "*"))
		for _, f := range files {
			if strings.Contains(f, ".partial") {
				continue
			}
			stem := strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(f, ".mp4"), ".results.jsonl"), ".events.jsonl")
			if !slices.Contains(stems, stem) {
				stems = append(stems, stem)
			}
		}
		return stems
	}
	var seen []string // every finished segment seen, oldest first
	runUntil := func(more int) string {
		before := len(seen)
		cmd, stderr, done := startLivecam(t, "-out-dir", out, "-segment", "1s", "-keep-size", "40KB", "-source", "porch="+srv.URL())
		waitFor(t, 60*time.Second, stderr, func() bool {
			for _, s := range finished() {
				if !slices.Contains(seen, s) {
					seen = append(seen, s)
				}
			}
			return len(seen) >= before+more
		}, "finished segments")
		cmd.Process.Signal(syscall.SIGINT)
		if code := exitCode(<-done); code != 0 {
			t.Fatalf("exit %d:\n%s", code, stderr)
		}
		return stderr.String()
	}
	check := func(log string) {
		t.Helper()
		kept := finished()
		for _, stem := range kept {
			if _, err := os.Stat(stem + ".mp4"); err != nil {
				t.Errorf("%s: a sidecar without its segment (%v)\n%s", stem, err, log)
			}
			if end, err := jsonl.ReadEnd(stem + ".results.jsonl"); err != nil || end.Frames < 1 {
				t.Errorf("%s: its results %+v, %v", stem, end, err)
			}
		}
		t.Logf("%d segments kept of %d seen, %d bytes", len(kept), len(seen), du(t, cam))
		if len(kept) >= len(seen) {
			t.Errorf("no segment deleted: %d kept of %d seen\n%s", len(kept), len(seen), log)
		}
		if used := du(t, cam); used > budget {
			t.Errorf("%d bytes in %s, budget %d: %q", used, cam, budget, kept)
		}
		if others, _ := filepath.Glob(filepath.Join(out, "porch.*")); len(others) > 0 {
			t.Errorf("results outside the segments: %q", others)
		}
	}
	log1 := runUntil(8)
	check(log1)
	first := snapshotFiles(t, out)
	log2 := runUntil(4)
	check(log2)
	for path, data := range first {
		got, err := os.ReadFile(path)
		switch {
		case err == nil && !bytes.Equal(got, data):
			t.Errorf("the restart changed the first run's %s", path)
		case err != nil:
			// Deleted by retention: all of its segment's files.
			stem := strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(path, ".mp4"), ".results.jsonl"), ".events.jsonl")
			if rest, _ := filepath.Glob(stem + ".*"); len(rest) > 0 {
				t.Errorf("%s deleted, but not %q\n%s", path, rest, log2)
			}
		}
	}
}

// du returns the bytes of the files under dir.
func du(t *testing.T, dir string) int64 {
	t.Helper()
	var n int64
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if info, err := d.Info(); err == nil {
				n += info.Size()
			}
		}
		return nil
	})
	return n
}

// TestCameraEventsBesideSegments: a network camera that sees something
// (a looping video of three scenes, served as MJPEG by ffmpeg, the
// README's recipe) has its events in the events files beside its
// segments, as the outputs send them (the camera named).
func TestCameraEventsBesideSegments(t *testing.T) {
	vga := shareddata.Path(t, "videos", "short_vga.avi")
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + l.Addr().String() + "/cam.mjpg"
	l.Close()
	srv := exec.Command("ffmpeg", "-v", "error", "-re", "-stream_loop", "-1", "-i", vga, "-q:v", "5", "-f", "mpjpeg", "-listen", "1", url)
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { srv.Process.Kill(); srv.Wait() }()
	out := t.TempDir()
	var events []string
	read := func() bool {
		events = events[:0]
		files, _ := filepath.Glob(filepath.Join(out, "vga", "20*", "*.events.jsonl"))
		for _, f := range files {
			if _, err := os.Stat(strings.TrimSuffix(f, ".events.jsonl") + ".mp4"); err != nil {
				t.Errorf("%s: no segment beside it", f)
			}
			b, _ := os.ReadFile(f)
			events = append(events, strings.Split(strings.TrimSpace(string(b)), "\n")...)
		}
		return len(events) >= 2
	}
	// ffmpeg listens a moment after it starts: the camera is tried again.
	cmd, stderr, done := startLivecam(t, "-out-dir", out, "-segment", "2s", "-reconnect", "1s", "-topk", "1", "-source", "vga="+url)
	waitFor(t, 60*time.Second, stderr, read, "two events in the segments' events files")
	cmd.Process.Signal(syscall.SIGINT)
	if code := exitCode(<-done); code != 0 {
		t.Fatalf("exit %d:\n%s", code, stderr)
	}
	read()
	for _, e := range events {
		if !strings.Contains(e, `"camera":"vga"`) || !strings.Contains(e, `"type":"`) {
			t.Errorf("event %s: want vga's", e)
		}
	}
}
