package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/livecam/livecam/internal/testrig/mjpegtest"
)

// TestCamerasClips does what a Frigate user does: a camera recorded in
// -out-dir with -clips 1s; what it sees stays across several segments,
// then the stream hangs (the label leaves, the outage's last frame its
// end) and comes back. The leave event names its clip, which appears
// while the camera runs, plays, and holds the stay across the segments.
func TestCamerasClips(t *testing.T) {
	if testing.Short() {
		t.Skip("10-12 s of live camera and ffmpeg; sink/clips and sink/segment test the same in -short, make check runs it whole")
	}
	srv, err := mjpegtest.Start(160, 120, 25)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop()
	out := t.TempDir()
	cmd, stderr, done := startLivecam(t, "-out-dir", out, "-segment", "1s", "-clips", "1s", "-event-enter", "0.01", "-event-leave", "0.005",
		"-source", "porch="+srv.URL())
	defer cmd.Process.Kill()
	segments := func() int {
		segs, _ := filepath.Glob(filepath.Join(out, "porch", "20*", "[0-9][0-9]-[0-9][0-9]-[0-9][0-9].mp4"))
		return len(segs)
	}
	waitFor(t, 30*time.Second, stderr, func() bool { return segments() >= 3 }, "three finished segments")
	srv.Stall(true)
	defer func() {
		if t.Failed() {
			filepath.WalkDir(out, func(p string, d os.DirEntry, err error) error {
				t.Log(p)
				if strings.Contains(p, "events") {
					b, _ := os.ReadFile(p)
					t.Logf("%s", b)
				}
				return nil
			})
		}
	}()
	var leave struct {
		Type, Clip string
		Time       time.Time
		Start      float64 `json:"start_ms"`
		End        float64 `json:"end_ms"`
	}
	// The events are written beside the segments as they close: the
	// leave, at the outage's start, once frames come back.
	waitFor(t, 30*time.Second, stderr, func() bool { return strings.Contains(stderr.String(), "no signal since") }, "outage")
	srv.Stall(false)
	waitFor(t, 30*time.Second, stderr, func() bool {
		var files []string
		filepath.WalkDir(out, func(p string, d os.DirEntry, err error) error {
			if err == nil && strings.Contains(filepath.Base(p), "events") {
				files = append(files, p)
			}
			return nil
		})
		for _, f := range files {
			b, _ := os.ReadFile(f)
			for _, line := range strings.Split(string(b), "\n") {
				if json.Unmarshal([]byte(line), &leave) == nil && leave.Type == "leave" {
					return true
				}
			}
		}
		return false
	}, "leave event")
	if !strings.HasPrefix(leave.Clip, filepath.Join("porch", "clips", time.Now().Format("2006-01-02"))+"/") || !strings.HasSuffix(leave.Clip, ".mp4") {
		t.Fatalf("the leave event names clip %q; want porch/clips/DATE/HH-MM-SS.LABEL.mp4\n%s", leave.Clip, stderr)
	}
	// Named after the stay's start: the leave's wall-clock time less the
	// stay.
	began := leave.Time.Add(-time.Duration((leave.End - leave.Start) * float64(time.Millisecond))).Local()
	if name := filepath.Base(leave.Clip); !strings.HasPrefix(name, began.Format("15-04-05.")) && !strings.HasPrefix(name, began.Add(-time.Second).Format("15-04-05.")) {
		t.Errorf("clip %s is named for another time than the stay's start, %s", leave.Clip, began.Format("15:04:05.000"))
	}
	clip := filepath.Join(out, leave.Clip)
	waitFor(t, 30*time.Second, stderr, func() bool { _, err := os.Stat(clip); return err == nil }, "clip "+clip+" while the camera runs")
	cmd.Process.Signal(syscall.SIGINT)
	if code := exitCode(<-done); code != 0 {
		t.Fatalf("exit %d:\n%s", code, stderr)
	}
	var errs bytes.Buffer
	play := exec.Command("ffmpeg", "-v", "error", "-i", clip, "-f", "null", "-")
	play.Stderr = &errs
	if err := play.Run(); err != nil || errs.Len() > 0 {
		t.Fatalf("%s does not play: %v: %s", clip, err, errs.String())
	}
	probe, err := exec.Command("ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", clip).Output()
	if err != nil {
		t.Fatal(err)
	}
	got, _ := strconv.ParseFloat(strings.TrimSpace(string(probe)), 64)
	// The stay began with the recording (nothing before it to keep), and
	// nothing was recorded in the second after it (the stream hung).
	stay := (leave.End - leave.Start) / 1000
	t.Logf("%s: %.2f s; the stay %.2f s", leave.Clip, got, stay)
	if got < stay-0.1 || got > stay+2.5 {
		t.Errorf("the clip lasts %.2f s; the stay %.2f s (%v to %v ms)\n%s", got, stay, leave.Start, leave.End, stderr)
	}
	if n := probeFrames(t, clip); float64(n) < stay*20 {
		t.Errorf("the clip has %d frames for a stay of %.2f s at 25 frames/s", n, stay)
	}
	// Every leave, those of the stop's flush too, names a clip that is
	// there once livecam has exited.
	leaves := 0
	filepath.WalkDir(out, func(p string, d os.DirEntry, err error) error {
		if err != nil || !strings.Contains(filepath.Base(p), "events") {
			return nil
		}
		b, _ := os.ReadFile(p)
		for _, line := range strings.Split(string(b), "\n") {
			var ev struct{ Type, Clip, Snapshot string }
			if json.Unmarshal([]byte(line), &ev) != nil || ev.Type != "leave" {
				continue
			}
			leaves++
			if _, err := os.Stat(filepath.Join(out, ev.Clip)); ev.Clip == "" || err != nil {
				t.Errorf("a leave event names clip %q: %v\n%s", ev.Clip, err, line)
			}
			if _, err := os.Stat(filepath.Join(out, ev.Snapshot)); ev.Snapshot != strings.TrimSuffix(ev.Clip, ".mp4")+".jpg" || err != nil {
				t.Errorf("a leave event names snapshot %q (want it beside its clip %q): %v\n%s", ev.Snapshot, ev.Clip, err, line)
			}
		}
		return nil
	})
	t.Logf("%d leave events", leaves)
	if strings.Contains(stderr.String(), "was not cut") {
		t.Errorf("warnings:\n%s", stderr)
	}
}

// TestFileClips does what a user reviewing a recorded file does: a run
// on the file with -out-dir and -clips 1s. Every leave event names a
// clip and a snapshot in NAME.clips/ beside the annotated NAME.mp4,
// there once livecam has exited: the clip plays, the snapshot is one
// JPEG frame.
func TestFileClips(t *testing.T) {
	if testing.Short() {
		t.Skip("10-12 s of live camera and ffmpeg; sink/clips and sink/segment test the same in -short, make check runs it whole")
	}
	useSharedModels(t)
	out := t.TempDir()
	_, errOut, code := livecam(t, "-quiet", "-out-dir", out, "-clips", "1s", "-event-enter", "0.01", "-event-leave", "0.005",
		"-source", "shapes=../../testdata/videos/shapes_320x240.avi")
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, errOut)
	}
	leaves := 0
	for _, line := range readLines(t, filepath.Join(out, "shapes.events.jsonl")) {
		var ev struct{ Type, Clip, Snapshot string }
		if json.Unmarshal([]byte(line), &ev) != nil || ev.Type != "leave" {
			continue
		}
		leaves++
		if !strings.HasPrefix(ev.Clip, "shapes.clips/00-00-0") || ev.Snapshot != strings.TrimSuffix(ev.Clip, ".mp4")+".jpg" {
			t.Fatalf("a leave event names clip %q and snapshot %q; want shapes.clips/00-00-0S.LABEL.mp4 and .jpg\n%s", ev.Clip, ev.Snapshot, line)
		}
		for _, name := range []string{ev.Clip, ev.Snapshot} {
			var errs bytes.Buffer
			play := exec.Command("ffmpeg", "-v", "error", "-i", filepath.Join(out, name), "-f", "null", "-")
			play.Stderr = &errs
			if err := play.Run(); err != nil || errs.Len() > 0 {
				t.Errorf("%s does not play: %v: %s", name, err, errs.String())
			}
		}
		if n := probeFrames(t, filepath.Join(out, ev.Snapshot)); n != 1 {
			t.Errorf("%s has %d frames", ev.Snapshot, n)
		}
	}
	if leaves == 0 {
		t.Fatalf("no leave event:\n%s", errOut)
	}
	if strings.Contains(errOut, "not cut") || strings.Contains(errOut, "not taken") {
		t.Errorf("warnings:\n%s", errOut)
	}
}

// TestCamerasKeepSizeCoversClips does what a Frigate user with a disk
// budget does: yesterday's clips and snapshots fill most of -keep-size;
// the camera records with -clips. The oldest files go first, clips as
// well as segments, and the camera's folder stays within the budget;
// a file of the user's in clips/ stays.
func TestCamerasKeepSizeCoversClips(t *testing.T) {
	srv, err := mjpegtest.Start(160, 120, 25)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop()
	out := t.TempDir()
	cam := filepath.Join(out, "porch")
	const budget = 60_000
	day := filepath.Join(cam, "clips", time.Now().AddDate(0, 0, -1).Format("2006-01-02"))
	if err := os.MkdirAll(day, 0o755); err != nil {
		t.Fatal(err)
	}
	old := []string{"10-00-00.dog-3.mp4", "10-00-00.dog-3.jpg", "11-00-00.person.mp4", "11-00-00.person.jpg"}
	for _, name := range old {
		if err := os.WriteFile(filepath.Join(day, name), bytes.Repeat([]byte{1}, 12_000), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	mine := filepath.Join(day, "notes.txt")
	if err := os.WriteFile(mine, []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd, stderr, done := startLivecam(t, "-out-dir", out, "-segment", "1s", "-keep-size", "60KB", "-clips", "1s",
		"-event-enter", "0.01", "-event-leave", "0.005", "-source", "porch="+srv.URL())
	defer cmd.Process.Kill()
	segments := func() int {
		segs, _ := filepath.Glob(filepath.Join(cam, "20*", "[0-9][0-9]-[0-9][0-9]-[0-9][0-9].mp4"))
		return len(segs)
	}
	waitFor(t, 60*time.Second, stderr, func() bool { return segments() >= 2 }, "two finished segments")
	cmd.Process.Signal(syscall.SIGINT)
	if code := exitCode(<-done); code != 0 {
		t.Fatalf("exit %d:\n%s", code, stderr)
	}
	gone := 0
	for i, name := range old {
		if _, err := os.Stat(filepath.Join(day, name)); err != nil {
			if gone < i {
				t.Errorf("%s was deleted before an older file", name)
			}
			gone++
		}
	}
	if gone < 2 {
		t.Errorf("%d of yesterday's 4 clips and snapshots deleted; want the oldest 2 at least (48 KB of a 60 KB budget)", gone)
	}
	if _, err := os.Stat(mine); err != nil {
		t.Errorf("the user's %s: %v", mine, err)
	}
	if used := du(t, cam) - 4; used > budget {
		t.Errorf("%d bytes in %s, budget %d", used, cam, budget)
		filepath.WalkDir(cam, func(p string, d os.DirEntry, err error) error {
			if info, err := d.Info(); err == nil && !d.IsDir() {
				t.Logf("%s %d", p, info.Size())
			}
			return nil
		})
		t.Logf("%s", stderr)
	}
}
