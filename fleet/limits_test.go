package fleet

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// limitsFixture makes an input root with a video, an output root, a
// folder outside both, and the links an attacker would plant.
func limitsFixture(t *testing.T) (in, out, outside string, l Limits) {
	t.Helper()
	base := t.TempDir()
	in, out, outside = filepath.Join(base, "in"), filepath.Join(base, "out"), filepath.Join(base, "outside")
	for _, d := range []string{in, out, outside, filepath.Join(in, "sub")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []string{filepath.Join(in, "v.mp4"), filepath.Join(outside, "secret"), filepath.Join(out, "old.jsonl"), filepath.Join(in, "other.mp4")} {
		if err := os.WriteFile(f, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	links := map[string]string{
		filepath.Join(in, "escape.mp4"):      filepath.Join(outside, "secret"), // a source link out of the roots
		filepath.Join(in, "inside.mp4"):      filepath.Join(in, "v.mp4"),       // a source link within
		filepath.Join(out, "dev.jsonl"):      "/dev/null",                      // an output link to a device
		filepath.Join(out, "keys.jsonl"):     filepath.Join(outside, "secret"), // an output link out of the roots
		filepath.Join(out, "toold.jsonl"):    filepath.Join(out, "old.jsonl"),  // an output link to a regular file within
		filepath.Join(out, "outlink"):        outside,                          // a folder link out of the roots
		filepath.Join(out, "tosource.jsonl"): filepath.Join(in, "v.mp4"),       // an output link to the source
	}
	for link, target := range links {
		if err := os.Symlink(target, link); err != nil {
			t.Fatal(err)
		}
	}
	for _, fifo := range []string{filepath.Join(in, "fifo.mp4"), filepath.Join(out, "fifo.jsonl")} {
		if err := syscall.Mkfifo(fifo, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(filepath.Join(out, "fifo.jsonl"), filepath.Join(out, "tofifo.jsonl")); err != nil {
		t.Fatal(err)
	}
	l, err := Limits{InputRoots: []string{in}, OutputRoots: []string{out}}.Resolved()
	if err != nil {
		t.Fatal(err)
	}
	return in, out, outside, l
}

// TestLimitsCheck: a job names a video under an input root and outputs
// under an output root, nothing else: pipelines, devices, FIFOs,
// folders, links out of the roots, outputs that are inputs or links to
// anything but a regular file, and existing outputs without Overwrite are
// refused with the reason.
func TestLimitsCheck(t *testing.T) {
	in, out, outside, l := limitsFixture(t)
	video := filepath.Join(in, "v.mp4")
	res := filepath.Join(out, "v.jsonl")
	job := func(src, outVideo, results string, overwrite bool) Job {
		j := NewJob(src, outVideo, results)
		j.Overwrite = overwrite
		return j
	}
	ok := []struct {
		name string
		job  Job
	}{
		{"a video and new outputs", job(video, filepath.Join(out, "v.mp4"), res, false)},
		{"results only", job(video, "", res, false)},
		{"a link to a video within the roots", job(filepath.Join(in, "inside.mp4"), "", res, false)},
		{"a video in a subfolder", job(filepath.Join(in, "sub", "..", "v.mp4"), "", res, false)},
		{"an existing output with overwrite", job(video, "", filepath.Join(out, "old.jsonl"), true)},
		{"a link to a regular output with overwrite", job(video, "", filepath.Join(out, "toold.jsonl"), true)},
	}
	for _, c := range ok {
		r, err := l.Check(c.job)
		if err != nil {
			t.Errorf("%s: refused: %v", c.name, err)
			continue
		}
		if !strings.HasPrefix(r.Results, l.OutputRoots[0]) || !strings.HasPrefix(r.Source, l.InputRoots[0]) {
			t.Errorf("%s: resolved to %+v", c.name, r)
		}
	}
	if r, err := l.Check(job(video, "", filepath.Join(out, "toold.jsonl"), true)); err == nil && r.Results != filepath.Join(l.OutputRoots[0], "old.jsonl") {
		t.Errorf("a link to a regular output: writes %s, want its target", r.Results)
	}

	bad := []struct {
		name string
		job  Job
		want string
	}{
		{"a GStreamer pipeline", job("filesrc location=/etc/shadow ! filesink location="+res+" videotestsrc ! appsink", "", res, false), "GStreamer"},
		{"a device", job("/dev/zero", "", res, false), "outside"},
		{"a FIFO", job(filepath.Join(in, "fifo.mp4"), "", res, false), "FIFO"},
		{"a folder", job(filepath.Join(in, "sub"), "", res, false), "folder"},
		{"a file outside the roots", job(filepath.Join(outside, "secret"), "", res, false), "outside"},
		{"a link out of the roots", job(filepath.Join(in, "escape.mp4"), "", res, false), "outside"},
		{"dot-dot out of the roots", job(filepath.Join(in, "..", "outside", "secret"), "", res, false), "outside"},
		{"a camera index", job("0", "", res, false), "absolute"},
		{"a URL on a worker without -allow-urls", job("rtsp://cam/x", "", res, false), "-allow-urls"},
		{"a missing source", job(filepath.Join(in, "nope.mp4"), "", res, false), "no such file"},
		{"results outside the roots", job(video, "", filepath.Join(outside, "x.jsonl"), false), "outside"},
		{"results in a linked folder out of the roots", job(video, "", filepath.Join(out, "outlink", "x.jsonl"), false), "outside"},
		{"results through a link to a device", job(video, "", filepath.Join(out, "dev.jsonl"), true), "other than a regular file"},
		{"results on a FIFO", job(video, "", filepath.Join(out, "fifo.jsonl"), true), "not a regular file"},
		{"results through a link to a FIFO", job(video, "", filepath.Join(out, "tofifo.jsonl"), true), "other than a regular file"},
		{"results through a link out of the roots", job(video, "", filepath.Join(out, "keys.jsonl"), true), "outside"},
		{"results through a link to the source", job(video, "", filepath.Join(out, "tosource.jsonl"), true), "outside"},
		{"results on the source", job(video, "", video, true), "outside"},
		{"results on another input", job(video, "", filepath.Join(in, "other.mp4"), true), "outside"},
		{"an existing output without overwrite", job(video, "", filepath.Join(out, "old.jsonl"), false), "-overwrite"},
		{"the video and results one file", job(video, res, res, false), "one file"},
		{"a relative output", job(video, "", "v.jsonl", false), "absolute"},
		{"an output that is a folder", job(video, "", out+"/", false), "not a file name"},
		{"another job's id", func() Job {
			j := job(video, "", res, false)
			j.ID = job(video, "", filepath.Join(out, "x.jsonl"), false).ID
			return j
		}(), "not the one"},
	}
	for _, c := range bad {
		_, err := l.Check(c.job)
		if err == nil || !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v; want a refusal with %q", c.name, err, c.want)
		}
	}

	// Where the roots overlap, an output still never replaces an input.
	both, err := Limits{InputRoots: []string{in, out}, OutputRoots: []string{in, out}}.Resolved()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := both.Check(job(video, "", video, true)); err == nil || !strings.Contains(err.Error(), "source") {
		t.Errorf("results on the source with overlapping roots: %v", err)
	}
	if _, err := both.Check(job(video, "", filepath.Join(in, "other.mp4"), true)); err == nil || !strings.Contains(err.Error(), "input") {
		t.Errorf("results on another input with overlapping roots: %v", err)
	}
}

// TestLimitsURLs: with AllowURLs, http, https and rtsp sources are taken,
// other schemes and pipelines are not; a refusal never shows a password.
func TestLimitsURLs(t *testing.T) {
	_, out, _, l := limitsFixture(t)
	l.AllowURLs = true
	res := filepath.Join(out, "cam.jsonl")
	for _, src := range []string{"rtsp://cam.local/stream1", "https://example.com/v.mp4", "HTTP://example.com/v.mp4"} {
		if _, err := l.Check(NewJob(src, "", res)); err != nil {
			t.Errorf("%s: %v", src, err)
		}
	}
	for _, src := range []string{"file:///etc/shadow", "rtmp://x/y", "rtsp://x/y ! filesink location=/tmp/x", "rtsp:///nohost", "rtsp://admin:hunter2@cam/x ! appsink"} {
		_, err := l.Check(NewJob(src, "", res))
		if err == nil || !errors.Is(err, ErrRefused) {
			t.Errorf("%s: %v; want a refusal", src, err)
		}
		if err != nil && strings.Contains(err.Error(), "hunter2") {
			t.Errorf("the refusal shows the password: %v", err)
		}
	}
}

// TestLimitsResolved: a worker without roots, or with a root that is not
// a folder, does not start.
func TestLimitsResolved(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "f")
	os.WriteFile(file, nil, 0o644)
	for _, l := range []Limits{{}, {InputRoots: []string{dir}}, {OutputRoots: []string{dir}},
		{InputRoots: []string{filepath.Join(dir, "missing")}, OutputRoots: []string{dir}},
		{InputRoots: []string{dir}, OutputRoots: []string{file}}} {
		if _, err := l.Resolved(); err == nil {
			t.Errorf("%+v: accepted", l)
		}
	}
}

// TestWithin compares paths component by component, not as strings.
func TestWithin(t *testing.T) {
	for _, c := range []struct {
		path, root string
		want       bool
	}{
		{"/a/b", "/a", true}, {"/a", "/a", true}, {"/ab", "/a", false}, {"/a/..b", "/a", true},
		{"/", "/a", false}, {"/a/b/c", "/a/b", true}, {"/x/a", "/a", false}, {"/a", "/", true},
	} {
		if got := within(c.path, c.root); got != c.want {
			t.Errorf("within(%q, %q) = %v", c.path, c.root, got)
		}
	}
}

// TestWorkerFaultClassified: a full disk, a read-only filesystem, a
// quota, or a Process that says so are the worker's faults; anything else
// is the job's.
func TestWorkerFaultClassified(t *testing.T) {
	w := &Worker{Limits: Limits{OutputRoots: []string{t.TempDir()}}}
	for _, err := range []error{fmt.Errorf("writing x: %w", syscall.ENOSPC), &os.PathError{Op: "open", Path: "x", Err: syscall.EROFS},
		fmt.Errorf("x: %w", syscall.EDQUOT), fmt.Errorf("%w: encoder stopped", ErrWorkerFault)} {
		if _, mine := w.workerFault(err); !mine {
			t.Errorf("%v: charged to the job", err)
		}
	}
	for _, err := range []error{errors.New("not a video ffmpeg can read"), fmt.Errorf("x: %w", syscall.EACCES)} {
		if why, mine := w.workerFault(err); mine {
			t.Errorf("%v: taken as the worker's fault (%s)", err, why)
		}
	}
}
