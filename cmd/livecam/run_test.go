package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/livecam/livecam/internal/testrig/shareddata"
	"github.com/livecam/livecam/sink/jsonl"
)

func TestRunOnBundledVideo(t *testing.T) {
	useSharedModels(t)
	dir := t.TempDir()
	out, results := filepath.Join(dir, "out.mp4"), filepath.Join(dir, "r.jsonl")
	_, errOut, code := livecam(t, "-source", "../../testdata/videos/shapes_320x240.avi", "-out", out, "-results", results, "-every", "2")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"file mode", "45 in, 45 out, 0 dropped, 23 inferences", "wrote 45 frames"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
	data, err := os.ReadFile(results)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(data), "\n"); n != 46 {
		t.Errorf("%d lines, want 45 results and the closing line", n)
	}
	if end, err := jsonl.ReadEnd(results); err != nil || end.Frames != 45 || end.Source != "../../testdata/videos/shapes_320x240.avi" {
		t.Errorf("the closing line: %+v, %v; want 45 frames of the source given", end, err)
	}
}

func TestRunBadSources(t *testing.T) {
	useSharedModels(t)
	dir := t.TempDir()
	videos := shareddata.Path(t, "videos")
	huge := filepath.Join(dir, "huge.png")
	if out, err := exec.Command("ffmpeg", "-v", "error", "-f", "lavfi", "-i", "color=blue:size=12000x12000", "-frames:v", "1", huge).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v: %s", err, out)
	}
	// A playlist named like a video, whose segment is a real video
	// elsewhere: ffmpeg would read it (or the network) on livecam's behalf.
	segment := filepath.Join(t.TempDir(), "private.ts")
	if out, err := exec.Command("ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc=size=64x48:rate=5", "-t", "1", segment).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v: %s", err, out)
	}
	playlist := filepath.Join(filepath.Dir(segment), "playlist.mp4")
	os.WriteFile(playlist, []byte("#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:1,\n"+segment+"\n#EXT-X-ENDLIST\n"), 0o644)
	for _, tc := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"-source", playlist}, 1, "playlist.mp4: a hls file, which refers to other files or streams: livecam reads only self-contained video files"},
		{[]string{"-source", filepath.Join(dir, "missing.mp4")}, 1, "missing.mp4: no such file (nor a camera index"},
		{[]string{"-source", dir}, 2, "a folder with no videos in it"},
		{[]string{"-source", filepath.Join(videos, "garbage.mp4")}, 1, "garbage.mp4: not a video ffmpeg can read (invalid data found when processing input)"},
		{[]string{"-source", "97"}, 1, "camera 97: no such camera"},
		{[]string{"-source", huge}, 1, "huge.png: frames of 12000x12000 are larger than livecam takes (at most 8192x8192)"},
		{[]string{"-source", "../../testdata/videos/shapes_320x240.avi", "-out", filepath.Join(dir, "no", "such", "dir", "o.mp4")}, 1, "dir: no such file or directory"},
		{[]string{"-source", "../../testdata/videos/shapes_320x240.avi", "-out", filepath.Join(dir, "o.xyz")}, 1, "unknown video extension"},
		{[]string{}, 2, "no source: give -source"},
		{[]string{"-source", "x", "-every", "0"}, 2, "-every 0: want a whole number from 1"},
	} {
		_, errOut, code := livecam(t, append([]string{"-v=false"}, tc.args...)...)
		if code != tc.code || !strings.Contains(errOut, tc.msg) {
			t.Errorf("%v: exit %d, stderr %q; want exit %d and %q", tc.args, code, errOut, tc.code, tc.msg)
		}
		if strings.Contains(errOut, "goroutine ") || strings.Contains(errOut, "panic") {
			t.Errorf("%v: stack dump on stderr", tc.args)
		}
		if strings.Count(strings.TrimSpace(errOut), "\n") > 0 && tc.code == 1 {
			t.Errorf("%v: want one error line, got:\n%s", tc.args, errOut)
		}
	}
}

// TestRunTruncatedVideo: a truncated file yields every frame that can be
// decoded, a warning that says how it ended, and exit status 3 (a
// source that did not finish whole), as in a batch.
func TestRunTruncatedVideo(t *testing.T) {
	if testing.Short() {
		t.Skip("429 frames through the real model")
	}
	useSharedModels(t)
	out := filepath.Join(t.TempDir(), "out.mp4")
	_, errOut, code := livecam(t, "-source", shareddata.Path(t, "videos", "corrupt.mp4"), "-out", out)
	if code != 3 {
		t.Fatalf("exit %d, want 3: %s", code, errOut)
	}
	// 429 frames are decodable (../shared/videos/README.md); OpenCV's
	// reader lost the last 2, the ffmpeg decoder gets them all.
	for _, want := range []string{"warning:", "truncated or damaged after 429 of 720 frames", "wrote 429 frames", "corrupt.mp4 ended early at ", ": damaged file\n"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
}

// TestRunNoVideoStream: a valid media file with no video in it (audio only).
func TestRunNoVideoStream(t *testing.T) {
	useSharedModels(t)
	audio := filepath.Join(t.TempDir(), "sound.mp4")
	if out, err := exec.Command("ffmpeg", "-v", "error", "-f", "lavfi", "-i", "sine=frequency=440:duration=1", "-c:a", "aac", audio).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v: %s", err, out)
	}
	_, errOut, code := livecam(t, "-source", audio)
	if code != 1 || !strings.Contains(errOut, "sound.mp4: ") || strings.Count(strings.TrimSpace(errOut), "\n") != 0 {
		t.Errorf("exit %d, stderr %q: want one line naming the file, exit 1", code, errOut)
	}
}

// TestRunResultsDiskFull: results go to a full disk (/dev/full). The write
// error is reported naming the file, the run stops with status 1, and the
// video written so far is closed properly and stays readable, under its
// partial name (the run is not whole).
func TestRunResultsDiskFull(t *testing.T) {
	if _, err := os.Stat("/dev/full"); err != nil {
		shareddata.Need(t, "no /dev/full")
	}
	useSharedModels(t)
	video := filepath.Join(t.TempDir(), "out.mp4")
	_, errOut, code := livecam(t, "-source", "../../testdata/videos/shapes_320x240.avi", "-out", video, "-results", "/dev/full")
	if code != 1 || !strings.Contains(errOut, "/dev/full: ") || !strings.Contains(errOut, "no space left on device") {
		t.Fatalf("exit %d, stderr:\n%s", code, errOut)
	}
	if _, err := os.Stat(video); err == nil {
		t.Errorf("the failed run left %s under its final name", video)
	}
	if n := probeFrames(t, partialFile(t, video)); n == 0 {
		t.Errorf("video holds %d frames", n)
	}
}

func TestServeWarnsOffLoopback(t *testing.T) {
	useSharedModels(t)
	_, errOut, _ := livecam(t, "-source", filepath.Join(t.TempDir(), "missing.mp4"), "-serve", "0.0.0.0:0")
	if !strings.Contains(errOut, "warning: -serve 0.0.0.0:0 is reachable from other machines and has no -serve-token") {
		t.Errorf("no warning:\n%s", errOut)
	}
}

// TestRunVideoDiskFull writes the video to a 4 MiB tmpfs (mounted by the
// test; it needs root) while a looping source would fill it: livecam must
// stop before the disk is full, say so, exit 1, and leave a video that
// ffprobe reads with every frame it reports writing, under its partial
// name (nothing cut short passes for whole).
func TestRunVideoDiskFull(t *testing.T) {
	useSharedModels(t)
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", dir).CombinedOutput(); err != nil {
		shareddata.Need(t, "cannot mount a small tmpfs (needs root): %v: %s", err, out)
	}
	defer exec.Command("umount", dir).Run()
	video := filepath.Join(dir, "out.avi")
	_, errOut, code := livecam(t, "-source", "../../testdata/videos/shapes_320x240.avi", "-loop", "-out", video)
	if code != 1 || !strings.Contains(errOut, "disk (nearly) full") {
		t.Fatalf("exit %d, stderr:\n%s", code, errOut)
	}
	m := regexp.MustCompile(`wrote (\d+) frames`).FindStringSubmatch(errOut)
	if m == nil {
		t.Fatalf("no frame count:\n%s", errOut)
	}
	if _, err := os.Stat(video); err == nil {
		t.Errorf("the video cut short by the full disk is under its final name")
	}
	if got := probeFrames(t, partialFile(t, video)); strconv.Itoa(got) != m[1] {
		t.Errorf("the video holds %d frames, livecam wrote %s", got, m[1])
	}
	t.Logf("stopped after %s frames: %s", m[1], strings.TrimSpace(errOut[strings.LastIndex(errOut, "livecam:"):]))
	namedFilesExist(t, errOut)
}

// TestRunReadOnlyOutputs: outputs on a read-only filesystem (a tmpfs the
// test mounts read-only; it needs root) are refused at start-up, naming
// the file, before anything is read.
func TestRunReadOnlyOutputs(t *testing.T) {
	useSharedModels(t)
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", dir).CombinedOutput(); err != nil {
		shareddata.Need(t, "cannot mount a read-only tmpfs (needs root): %v: %s", err, out)
	}
	defer exec.Command("umount", dir).Run()
	for _, args := range [][]string{
		{"-out", filepath.Join(dir, "out.mp4")},
		{"-results", filepath.Join(dir, "r.jsonl")},
	} {
		_, errOut, code := livecam(t, append([]string{"-source", "../../testdata/videos/shapes_320x240.avi"}, args...)...)
		if code != 1 || !strings.Contains(errOut, args[1]) || !strings.Contains(errOut, "read-only file system") {
			t.Errorf("%v: exit %d, stderr %q", args, code, errOut)
		}
		if strings.Contains(errOut, "file mode") {
			t.Errorf("%v: the source was opened before the output was checked", args)
		}
	}
}

// TestRunVideoOnFullDevice: -out is a full device (a character device
// like /dev/full, named x.avi: the test makes it; it needs root), so
// ffmpeg itself fails with "No space left on device": livecam takes that
// (ffmpeg's own words, not a file's name) for a full disk, and exits 1.
func TestRunVideoOnFullDevice(t *testing.T) {
	useSharedModels(t)
	full := filepath.Join(t.TempDir(), "x.avi")
	if err := unix.Mknod(full, unix.S_IFCHR|0o666, int(unix.Mkdev(1, 7))); err != nil {
		shareddata.Need(t, "cannot make a /dev/full device (needs root): %v", err)
	}
	_, errOut, code := livecam(t, "-source", "../../testdata/videos/shapes_320x240.avi", "-out", full)
	if code != 1 || !strings.Contains(errOut, "disk (nearly) full") || !strings.Contains(errOut, "No space left on device") {
		t.Errorf("exit %d, want 1 and a full disk:\n%s", code, errOut)
	}
}
