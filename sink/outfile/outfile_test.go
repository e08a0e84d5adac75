package outfile_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/livecam/livecam/internal/shareddata"
	"github.com/livecam/livecam/sink/outfile"
)

func write(t *testing.T, path, data string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestCheck(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.mp4")
	write(t, in, "video")
	os.Symlink("in.mp4", filepath.Join(dir, "link.mp4"))
	os.Link(in, filepath.Join(dir, "hard.mp4"))
	os.Mkdir(filepath.Join(dir, "sub"), 0o755)
	write(t, filepath.Join(dir, "old.jsonl"), "{}\n")
	os.Symlink("nowhere", filepath.Join(dir, "dangling"))
	tgt := func(paths ...string) []outfile.Target {
		var ts []outfile.Target
		for i, p := range paths {
			ts = append(ts, outfile.Target{Path: p, Flag: fmt.Sprintf("-o%d", i)})
		}
		return ts
	}
	j := func(p ...string) string { return filepath.Join(append([]string{dir}, p...)...) }
	for _, tc := range []struct {
		targets   []outfile.Target
		overwrite bool
		want      string // "" for no error
	}{
		{tgt(j("new.mp4"), j("new.jsonl")), false, ""},
		{tgt("-", j("new.jsonl")), false, ""},
		{tgt("/dev/null"), false, ""},
		{tgt(j("old.jsonl")), false, "exists, and replacing it was not asked for"},
		{tgt(j("old.jsonl")), true, ""},
		{tgt(in), true, "is the input"},
		{tgt(j("sub", "..", "in.mp4")), true, "is the input"},
		{tgt(j("link.mp4")), true, "is the input"},
		{tgt(j("hard.mp4")), true, "is the input"},
		{tgt(j("a.mp4"), j("sub", "..", "a.mp4")), false, "are the same file"},
		{tgt(j("old.jsonl"), j("old.jsonl")), true, "are the same file"},
		{tgt(j("sub")), true, "is a directory"},
		{tgt(j("missing", "x.mp4")), false, "no such file or directory"},
		{tgt(j("dangling")), false, "symbolic link to a file that does not exist"},
	} {
		err := outfile.Check([]string{in, "0", ""}, tc.targets, tc.overwrite)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%v: %v", tc.targets, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%v: error %v, want %q", tc.targets, err, tc.want)
		}
	}
	if got, _ := os.ReadFile(in); string(got) != "video" {
		t.Errorf("the input changed: %q", got)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 6 {
		t.Errorf("Check created files: %v", entries)
	}
}

// TestCommit: the data is invisible under the target's name until Commit,
// and Commit never replaces a file that appeared meanwhile unless asked.
func TestCommit(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "out.jsonl")
	f, err := outfile.Create(target, false)
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Dir(f.Name()) != dir || !strings.HasPrefix(filepath.Base(f.Name()), "out.partial-") || filepath.Ext(f.Name()) != ".jsonl" {
		t.Errorf("partial file %s, want out.partial-*.jsonl in %s", f.Name(), dir)
	}
	f.WriteString("line\n")
	if _, err := os.Stat(target); err == nil {
		t.Error("the target exists before Commit")
	}
	if err := f.Commit(); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(target); string(got) != "line\n" {
		t.Errorf("target holds %q", got)
	}
	if _, err := os.Stat(f.Name()); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the partial file is still there: %v", err)
	}

	// Someone else's file appears during the run.
	g, _ := outfile.Create(target, false)
	g.WriteString("new\n")
	err = g.Commit()
	if err == nil || !strings.Contains(err.Error(), "left alone") {
		t.Errorf("Commit over an existing file: %v", err)
	}
	if got, _ := os.ReadFile(target); string(got) != "line\n" {
		t.Errorf("the existing file was replaced: %q", got)
	}
	if got, _ := os.ReadFile(g.Name()); string(got) != "new\n" {
		t.Errorf("the new data is lost: %q", got)
	}

	h, _ := outfile.Create(target, true)
	h.WriteString("replaced\n")
	if err := h.Commit(); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(target); string(got) != "replaced\n" {
		t.Errorf("with overwrite the target holds %q", got)
	}
}

// TestCreateRelative: a bare file name is written in the current folder,
// not in $TMPDIR.
func TestCreateRelative(t *testing.T) {
	dir := t.TempDir()
	shareddata.Chdir(t, dir)
	f, err := outfile.Create("out.mp4", false)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Discard()
	if abs, _ := filepath.Abs(f.Name()); filepath.Dir(abs) != dir {
		t.Errorf("partial file in %s, want %s", filepath.Dir(abs), dir)
	}
}

func TestDiscardAndDevices(t *testing.T) {
	dir := t.TempDir()
	f, _ := outfile.Create(filepath.Join(dir, "x.mp4"), false)
	if err := f.Discard(); err != nil {
		t.Fatal(err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("Discard left %v", entries)
	}
	d, err := outfile.Create("/dev/null", false)
	if err != nil {
		t.Fatal(err)
	}
	if d.Name() != "/dev/null" {
		t.Errorf("a device is written directly, not through %s", d.Name())
	}
	if err := d.Commit(); err != nil {
		t.Error(err)
	}
}

func Example() {
	dir, _ := os.MkdirTemp("", "outfile")
	defer os.RemoveAll(dir)
	target := filepath.Join(dir, "results.jsonl")

	// Before the run: check every output, create nothing.
	if err := outfile.Check(nil, []outfile.Target{{Path: target, Flag: "-results"}}, false); err != nil {
		fmt.Println(err)
		return
	}
	// The run: write under a partial name, then move into place.
	f, _ := outfile.Create(target, false)
	fmt.Fprintln(f, `{"frame":0}`)
	fmt.Println("during the run, the target exists:", exists(target))
	f.Commit()
	fmt.Println("after Commit, the target exists:", exists(target))

	// A second run may not replace it.
	err := outfile.Check(nil, []outfile.Target{{Path: target, Flag: "-results"}}, false)
	fmt.Println(errors.Is(err, outfile.ErrExists))
	// Output:
	// during the run, the target exists: false
	// after Commit, the target exists: true
	// true
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
