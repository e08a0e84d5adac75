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
			var ev struct{ Type, Clip string }
			if json.Unmarshal([]byte(line), &ev) != nil || ev.Type != "leave" {
				continue
			}
			leaves++
			if _, err := os.Stat(filepath.Join(out, ev.Clip)); ev.Clip == "" || err != nil {
				t.Errorf("a leave event names clip %q: %v\n%s", ev.Clip, err, line)
			}
		}
		return nil
	})
	t.Logf("%d leave events", leaves)
	if strings.Contains(stderr.String(), "was not cut") {
		t.Errorf("warnings:\n%s", stderr)
	}
}
