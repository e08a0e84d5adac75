package fleet

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// jobFixture makes an input root holding v.avi ("the video"), an empty
// output root and a folder outside both holding private.avi, and returns
// the limits Resolved.
func jobFixture(t *testing.T) (in, out, elsewhere string, l Limits) {
	t.Helper()
	base := t.TempDir()
	in, out, elsewhere = filepath.Join(base, "in"), filepath.Join(base, "out"), filepath.Join(base, "elsewhere")
	for _, d := range []string{in, out, elsewhere} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	writeFile(t, filepath.Join(in, "v.avi"), "the video")
	writeFile(t, filepath.Join(elsewhere, "private.avi"), "private")
	l, err := Limits{InputRoots: []string{in}, OutputRoots: []string{out}}.Resolved()
	if err != nil {
		t.Fatal(err)
	}
	return in, out, elsewhere, l
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// openChecked checks a job, as a worker does first, and opens its files.
func openChecked(t *testing.T, l Limits, j Job) *JobFiles {
	t.Helper()
	run, err := l.Check(j)
	if err != nil {
		t.Fatal(err)
	}
	f, err := l.OpenJob(run)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// runFake does what a job's pipeline does with its files: reads the
// source, writes the outputs.
func runFake(t *testing.T, f *JobFiles) string {
	t.Helper()
	src, err := os.ReadFile(f.Source)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, f.Results, "{\"frame\":0}\n")
	if f.Video != "" {
		writeFile(t, f.Video, "video of "+string(src))
	}
	return string(src)
}

// names lists a folder, hidden names included.
func names(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var ns []string
	for _, e := range es {
		ns = append(ns, e.Name())
	}
	return ns
}

// TestJobFilesConfined: the job reads the source it opened and checked,
// not what its name leads to later; a source swapped for a link out of
// the input roots after the check is refused with nothing left behind;
// a video and results of one base name in two folders are two files,
// both moved whole; the job's errors and log name the paths the user
// knows, never the /proc paths.
func TestJobFilesConfined(t *testing.T) {
	in, out, elsewhere, l := jobFixture(t)
	for _, d := range []string{"a", "b"} {
		if err := os.Mkdir(filepath.Join(out, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	src := filepath.Join(in, "v.avi")
	f := openChecked(t, l, NewJob(src, filepath.Join(out, "a", "same.avi"), filepath.Join(out, "b", "same.avi")))
	if !strings.HasPrefix(f.Source, "/proc/") || !strings.HasPrefix(f.Results, "/proc/") || !strings.HasPrefix(f.Video, "/proc/") {
		t.Fatalf("the pipeline's paths: %q %q %q; want /proc paths of the open descriptors", f.Source, f.Results, f.Video)
	}
	swapForLink(t, src, filepath.Join(elsewhere, "private.avi")) // opened already
	if got := runFake(t, f); got != "the video" {
		t.Errorf("read %q after the swap; want the file checked", got)
	}
	moved, err := f.Commit()
	if want := []string{filepath.Join(out, "b", "same.avi"), filepath.Join(out, "a", "same.avi")}; err != nil || !slices.Equal(moved, want) {
		t.Fatalf("Commit = %q, %v; want %q (the results first)", moved, err, want)
	}
	if b, _ := os.ReadFile(filepath.Join(out, "a", "same.avi")); string(b) != "video of the video" {
		t.Errorf("the video: %q", b)
	}
	if b, _ := os.ReadFile(filepath.Join(out, "b", "same.avi")); !strings.HasPrefix(string(b), "{") {
		t.Errorf("the results: %q", b)
	}

	// The job's messages, as the pipeline would print them.
	perr := fmt.Errorf("cannot read %s: %w (writing %s)", f.Source, fs.ErrPermission, f.Results)
	shown := f.Shown(perr)
	var log strings.Builder
	fmt.Fprintf(f.Log(&log), "opened %s; writing %s\n", f.Source, f.Video)
	for _, msg := range []string{shown.Error(), log.String()} {
		if strings.Contains(msg, "/proc/") || !strings.Contains(msg, src) || !strings.Contains(msg, filepath.Join(out, "b", ".livecam-job-")) {
			t.Errorf("%q: want the source and the workspace by the names the user knows", msg)
		}
	}
	if !errors.Is(shown, fs.ErrPermission) || f.Shown(nil) != nil {
		t.Errorf("Shown(%v) = %v (Is ErrPermission %v), Shown(nil) = %v", perr, shown, errors.Is(shown, fs.ErrPermission), f.Shown(nil))
	}
	if err := f.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if ns := names(t, filepath.Join(out, "b")); !slices.Equal(ns, []string{"same.avi"}) {
		t.Errorf("the results' folder holds %q after Close; want the results alone", ns)
	}

	// Checked, then swapped for a link out of the roots before it opens.
	other := filepath.Join(in, "w.avi")
	writeFile(t, other, "w")
	run, err := l.Check(NewJob(other, filepath.Join(out, "w.avi"), filepath.Join(out, "w.jsonl")))
	if err != nil {
		t.Fatal(err)
	}
	swapForLink(t, other, filepath.Join(elsewhere, "private.avi"))
	if f, err := l.OpenJob(run); err == nil || !errors.Is(err, ErrRefused) {
		if f != nil {
			f.Close()
		}
		t.Errorf("a source swapped for a link out of the roots after the check: %v; want refused", err)
	}
	if ns := names(t, out); !slices.Equal(ns, []string{"a", "b"}) {
		t.Errorf("the output root holds %q; want a and b alone", ns)
	}
}

// TestJobFilesMoveTogether: when the video cannot move into place (a file
// took its name after the job checked it), the results that moved first
// are moved back, the job is refused, that file is left alone, and both
// outputs stay whole in the workspace, which the message names and Close
// keeps.
func TestJobFilesMoveTogether(t *testing.T) {
	in, out, _, l := jobFixture(t)
	f := openChecked(t, l, NewJob(filepath.Join(in, "v.avi"), filepath.Join(out, "v.avi"), filepath.Join(out, "v.jsonl")))
	runFake(t, f)
	beforeCommit = func() { writeFile(t, filepath.Join(out, "v.avi"), "someone else's") }
	defer func() { beforeCommit = nil }()
	moved, err := f.Commit()
	if err == nil || !errors.Is(err, ErrRefused) || moved != nil {
		t.Fatalf("the video's name taken before the move: %q, %v; want refused", moved, err)
	}
	if _, serr := os.Stat(filepath.Join(out, "v.jsonl")); serr == nil {
		t.Errorf("the results are under their final name, the video is not")
	}
	if b, _ := os.ReadFile(filepath.Join(out, "v.avi")); string(b) != "someone else's" {
		t.Errorf("the file that took the video's name was replaced")
	}
	m := regexp.MustCompile(`is in (/[^ )]+)`).FindStringSubmatch(err.Error())
	if m == nil || strings.HasPrefix(m[1], "/proc/") {
		t.Fatalf("the message does not say where the output is: %v", err)
	}
	f.Close()
	for _, p := range []string{m[1], filepath.Join(filepath.Dir(m[1]), "results.jsonl")} {
		if st, serr := os.Stat(p); serr != nil || st.Size() == 0 {
			t.Errorf("%s after Close: %v (the message: %v)", p, serr, err)
		}
	}
}

// TestJobFilesExisting: without Overwrite, an output that exists when the
// job is done refuses it before anything moves, and Close removes the
// workspace; with Overwrite the outputs replace what is there.
func TestJobFilesExisting(t *testing.T) {
	in, out, _, l := jobFixture(t)
	job := NewJob(filepath.Join(in, "v.avi"), filepath.Join(out, "v.avi"), filepath.Join(out, "v.jsonl"))
	f := openChecked(t, l, job)
	runFake(t, f)
	writeFile(t, filepath.Join(out, "v.avi"), "old")
	if moved, err := f.Commit(); !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), "-overwrite") {
		t.Errorf("an existing video without Overwrite: %q, %v; want refused", moved, err)
	}
	f.Close()
	if ns := names(t, out); !slices.Equal(ns, []string{"v.avi"}) {
		t.Errorf("the output root holds %q; want the old video alone", ns)
	}

	job.Overwrite = true
	f = openChecked(t, l, job)
	runFake(t, f)
	if _, err := f.Commit(); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(out, "v.avi")); string(b) != "video of the video" {
		t.Errorf("with Overwrite, the video holds %q", b)
	}
}

// TestJobFilesClearStale: a workspace of the same job that no one holds
// locked (its worker died) is removed when the job opens again; one in
// use is kept.
func TestJobFilesClearStale(t *testing.T) {
	in, out, _, l := jobFixture(t)
	job := NewJob(filepath.Join(in, "v.avi"), "", filepath.Join(out, "v.jsonl"))
	stale := filepath.Join(out, ".livecam-job-"+job.ID+"-dead")
	if err := os.Mkdir(stale, 0o700); err != nil {
		t.Fatal(err)
	}
	busy := openChecked(t, l, job)
	f := openChecked(t, l, job)
	if _, err := os.Stat(stale); err == nil {
		t.Errorf("%s was kept", stale)
	}
	if ns := names(t, out); len(ns) != 2 || f.Video != "" {
		t.Errorf("the output root holds %q (video %q); want the two workspaces in use", ns, f.Video)
	}
	busy.Close()
	f.Close()
	if ns := names(t, out); len(ns) != 0 {
		t.Errorf("after Close the output root holds %q", ns)
	}
}

// TestReplacerLongestFirst: one descriptor's /proc path never takes a
// piece of another's.
func TestReplacerLongestFirst(t *testing.T) {
	r := replacer("/proc/1/fd/5", "/in/v.avi", "/proc/1/fd/50", "/out/.ws")
	if got := r.Replace("/proc/1/fd/50/results.jsonl and /proc/1/fd/5"); got != "/out/.ws/results.jsonl and /in/v.avi" {
		t.Errorf("got %q", got)
	}
}
