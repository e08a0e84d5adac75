package batch

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func touch(t *testing.T, paths ...string) {
	t.Helper()
	for _, p := range paths {
		if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestExpand: a folder gives its videos in name order (not its other
// files, sub-folders or partial outputs), a pattern its matches; a URL or
// a GStreamer pipeline with pattern characters stays as it is.
func TestExpand(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in")
	os.MkdirAll(filepath.Join(in, "sub.mp4"), 0o755)
	touch(t, filepath.Join(in, "b.MKV"), filepath.Join(in, "a.avi"), filepath.Join(in, "notes.txt"),
		filepath.Join(in, "c.partial-123.mp4"), filepath.Join(dir, "x1.mp4"), filepath.Join(dir, "x2.mp4"))
	url := "rtsp://cam.lan/live?ch=[1]"
	pipe := "videotestsrc ! video/x-raw,width=[320] ! appsink"
	got, many, err := Expand([]string{in, filepath.Join(dir, "x?.mp4"), url, pipe, "0"})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{filepath.Join(in, "a.avi"), filepath.Join(in, "b.MKV"), filepath.Join(dir, "x1.mp4"), filepath.Join(dir, "x2.mp4"), url, pipe, "0"}
	if !slices.Equal(got, want) || !many {
		t.Errorf("Expand = %q, %v; want %q, true", got, many, want)
	}
	if got, many, _ := Expand([]string{filepath.Join(in, "a.avi")}); len(got) != 1 || many {
		t.Errorf("a lone file: %q, many %v", got, many)
	}
	if _, many, _ := Expand([]string{filepath.Join(dir, "x1.m?4")}); !many {
		t.Error("a pattern with one match is not a batch")
	}
}

func TestExpandRefuses(t *testing.T) {
	empty := t.TempDir()
	touch(t, filepath.Join(empty, "notes.txt"))
	for _, tc := range []struct{ spec, msg string }{
		{empty, "a folder with no videos in it (.mp4 .m4v"},
		{filepath.Join(empty, "*.mkv"), "matches no file"},
		{filepath.Join(empty, "[.mkv"), "syntax error in pattern"},
	} {
		_, _, err := Expand([]string{"a.mp4", tc.spec})
		if !errors.Is(err, ErrUsage) || !strings.HasPrefix(err.Error(), "usage: "+tc.spec) || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("Expand(%s): %v; want a usage error saying %q", tc.spec, err, tc.msg)
		}
	}
	if os.Geteuid() != 0 {
		locked := filepath.Join(t.TempDir(), "locked")
		os.Mkdir(locked, 0o300)
		if _, _, err := Expand([]string{locked}); err == nil || errors.Is(err, ErrUsage) {
			t.Errorf("an unreadable folder: %v; want the filesystem's error, not a usage error", err)
		}
	}
}

// TestName: each source's outputs are in the folder and named after it,
// made safe (no dot-file, no escape sequence, no credentials); two
// sources that would write the same names, whatever their case, are
// refused.
func TestName(t *testing.T) {
	in, out := t.TempDir(), filepath.Join(t.TempDir(), "out")
	a, dots, esc := filepath.Join(in, "a.avi"), filepath.Join(in, "..avi"), filepath.Join(in, "x\x1b[2J.avi")
	touch(t, a, dots, esc)
	jobs, err := Name([]string{a, dots, esc, "rtsp://admin:secret@cam.lan:554/live"}, out, ".webm")
	if err != nil {
		t.Fatal(err)
	}
	want := []Job{
		{Source: a, Out: filepath.Join(out, "a.webm"), Results: filepath.Join(out, "a.jsonl"), Report: filepath.Join(out, "a.html")},
		{Source: dots, Out: filepath.Join(out, "video.webm"), Results: filepath.Join(out, "video.jsonl"), Report: filepath.Join(out, "video.html")},
		{Source: esc, Out: filepath.Join(out, "x_[2J.webm"), Results: filepath.Join(out, "x_[2J.jsonl"), Report: filepath.Join(out, "x_[2J.html")},
		{Source: "rtsp://admin:secret@cam.lan:554/live", Out: filepath.Join(out, "cam.lan_live.webm"), Results: filepath.Join(out, "cam.lan_live.jsonl"), Report: filepath.Join(out, "cam.lan_live.html")},
	}
	if !slices.Equal(jobs, want) {
		t.Errorf("Name =\n%q\nwant\n%q", jobs, want)
	}
	if jobs, _ := Name([]string{a}, out, ""); jobs[0].Out != filepath.Join(out, "a.mp4") {
		t.Errorf("default video %s, want a.mp4", jobs[0].Out)
	}
	other := filepath.Join(t.TempDir(), "A.mkv")
	touch(t, other)
	for _, pair := range [][]string{{a, other}, {dots, filepath.Join(in, "...avi")}} {
		touch(t, pair[1])
		_, err := Name(pair, out, "")
		if !errors.Is(err, ErrUsage) || !strings.Contains(err.Error(), "would both write") {
			t.Errorf("Name(%q): %v; want a collision refused", pair, err)
		}
	}
}

func TestOutputBase(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "Front door.mp4")
	touch(t, f)
	for _, tc := range []struct{ src, want string }{
		{f, "Front door"},
		{"0", "camera0"},
		{"12", "camera12"},
		{"rtsp://admin:secret@cam.lan:554/live?pwd=x", "cam.lan_live"},
		{"http://cam.lan:8080/video", "cam.lan_8080_video"},
		{"rtsp://", "video"},
	} {
		if got := OutputBase(tc.src); got != tc.want {
			t.Errorf("OutputBase(%q) = %q, want %q", tc.src, got, tc.want)
		}
	}
}
