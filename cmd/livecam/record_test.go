package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/livecam/livecam/internal/testrig/mjpegtest"
	"github.com/livecam/livecam/sink/jsonl"
)

// TestCamerasRestartRecords does what the operator of many cameras did:
// run a cameras' command with -out-dir, stop it, run it again. The live
// camera's video is recorded in time-named segments in its own folder;
// the second run starts new segments and new results, never failing on
// or touching the first run's files (it once failed every camera
// because its recording existed).
func TestCamerasRestartRecords(t *testing.T) {
	srv, err := mjpegtest.Start(160, 120, 25)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop()
	out := t.TempDir()
	segments := func() int {
		segs, _ := filepath.Glob(filepath.Join(out, "porch", "20*", "[0-9][0-9]-[0-9][0-9]-[0-9][0-9]*.mp4"))
		n := 0
		for _, s := range segs {
			if !strings.Contains(s, ".partial") {
				n++
			}
		}
		return n
	}
	runFor := func() string {
		before := segments()
		cmd, stderr, done := startLivecam(t, "-out-dir", out, "-segment", "1s", "-source", "porch="+srv.URL())
		waitFor(t, 20*time.Second, stderr, func() bool { return segments() >= before+2 }, "two finished segments")
		cmd.Process.Signal(syscall.SIGINT)
		if code := exitCode(<-done); code != 0 {
			t.Fatalf("exit %d:\n%s", code, stderr)
		}
		return stderr.String()
	}
	log1 := runFor()
	firstRun := snapshotFiles(t, out)
	time.Sleep(time.Until(time.Now().Truncate(time.Second).Add(time.Second))) // a new second: a new run's names
	log2 := runFor()
	for path, data := range firstRun {
		got, err := os.ReadFile(path)
		if err != nil || !bytes.Equal(got, data) {
			t.Errorf("the second run changed the first run's %s (%v):\n%s", path, err, log2)
		}
	}
	// The results are beside each segment, not in files of a run.
	if results, _ := filepath.Glob(filepath.Join(out, "porch.*")); len(results) != 0 {
		t.Errorf("results outside the segments: %q\n%s\n%s", results, log1, log2)
	}
	segs, _ := filepath.Glob(filepath.Join(out, "porch", "20*", "*.mp4"))
	for _, s := range segs {
		if strings.Contains(s, ".partial") {
			t.Errorf("a segment left under its partial name: %s", s)
			continue
		}
		if n := probeFrames(t, s); n < 1 {
			t.Errorf("segment %s has no frame", s)
		}
		if end, err := jsonl.ReadEnd(strings.TrimSuffix(s, ".mp4") + ".results.jsonl"); err != nil || end.Frames < 1 {
			t.Errorf("segment %s: its results: %+v, %v", s, end, err)
		}
	}
}

// snapshotFiles reads every file under dir.
func snapshotFiles(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() && filepath.Base(path) != ".lock" {
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			files[path] = b
		}
		return nil
	})
	return files
}

// TestAnnotatedVideoKeepsAudio: a phone-like video with AAC sound gives
// an annotated video with the sound (copied, as long as the frames);
// -no-audio leaves it out.
func TestAnnotatedVideoKeepsAudio(t *testing.T) {
	useSharedModels(t)
	dir := t.TempDir()
	src := filepath.Join(dir, "phone.mp4")
	if out, err := exec.Command("ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=25:duration=2",
		"-f", "lavfi", "-i", "sine=frequency=440:duration=2", "-c:v", "libx264", "-c:a", "aac", "-shortest", src).CombinedOutput(); err != nil {
		t.Fatalf("making the source: %v: %s", err, out)
	}
	streams := func(video string) string {
		out, err := exec.Command("ffprobe", "-v", "error", "-show_entries", "stream=codec_type,codec_name", "-of", "csv=p=0", video).Output()
		if err != nil {
			t.Fatalf("ffprobe %s: %v", video, err)
		}
		return strings.Join(strings.Fields(string(out)), " ")
	}
	with := filepath.Join(dir, "with.mp4")
	if _, stderr, code := livecam(t, "-quiet", "-out", with, src); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if got := streams(with); got != "h264,video aac,audio" {
		t.Errorf("streams of the annotated video: %q, want video and the source's AAC", got)
	}
	without := filepath.Join(dir, "without.mp4")
	if _, stderr, code := livecam(t, "-quiet", "-no-audio", "-out", without, src); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if got := streams(without); got != "h264,video" {
		t.Errorf("streams with -no-audio: %q, want the video alone", got)
	}
}
