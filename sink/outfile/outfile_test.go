package outfile_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/livecam/livecam/internal/testrig/shareddata"
	"github.com/livecam/livecam/sink/outfile"
	"golang.org/x/sys/unix"
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

// TestLinksOnlyToRegularFiles: a link in an output folder is followed
// only to a regular file; a link to a block or character device, a FIFO,
// a folder or nothing is refused by Check and by Create, overwrite or
// not, and so is a block device named directly. A character device or
// FIFO named directly stays allowed.
func TestLinksOnlyToRegularFiles(t *testing.T) {
	dir := t.TempDir()
	j := func(p string) string { return filepath.Join(dir, p) }
	// A block device of a major number reserved for local use (no
	// driver behind it): nothing can be written to it even if the check
	// failed.
	blk := j("blockdev")
	if err := unix.Mknod(blk, unix.S_IFBLK|0o600, int(unix.Mkdev(240, 0))); err != nil {
		shareddata.Need(t, "cannot make a block device (needs root): %v", err)
	}
	if err := unix.Mkfifo(j("fifo"), 0o644); err != nil {
		t.Fatal(err)
	}
	write(t, j("file.mp4"), "someone's video")
	os.Mkdir(j("sub"), 0o755)
	for link, to := range map[string]string{"toblock.mp4": blk, "tonull.mp4": "/dev/null", "tofifo.mp4": j("fifo"),
		"todir.mp4": j("sub"), "dangling.mp4": j("nowhere"), "tofile.mp4": j("file.mp4")} {
		if err := os.Symlink(to, j(link)); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct{ path, want string }{
		{j("toblock.mp4"), "a block device: refusing to write through it"},
		{j("tonull.mp4"), "a character device: refusing to write through it"},
		{j("tofifo.mp4"), "a FIFO: refusing to write through it"},
		{j("todir.mp4"), "a folder: refusing to write through it"},
		{j("dangling.mp4"), "symbolic link to a file that does not exist"},
		{blk, "is a block device"},
	} {
		for _, overwrite := range []bool{false, true} {
			err := outfile.Check(nil, []outfile.Target{{Path: tc.path}}, overwrite)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Check %s (overwrite %v): %v, want %q", tc.path, overwrite, err, tc.want)
			}
			if tc.want == "symbolic link to a file that does not exist" {
				continue // Create makes a partial file beside it: nothing is written through it
			}
			f, err := outfile.Create(tc.path, overwrite)
			if err == nil {
				f.Discard()
				t.Errorf("Create %s (overwrite %v) wrote through it", tc.path, overwrite)
			} else if !strings.Contains(err.Error(), "refusing") {
				t.Errorf("Create %s: %v, want a refusal", tc.path, err)
			}
		}
	}
	// A link to a regular file is followed: it exists, so it needs
	// overwrite; and it is never an input.
	if err := outfile.Check(nil, []outfile.Target{{Path: j("tofile.mp4")}}, false); !errors.Is(err, outfile.ErrExists) {
		t.Errorf("a link to a regular file: %v, want ErrExists", err)
	}
	if err := outfile.Check([]string{j("file.mp4")}, []outfile.Target{{Path: j("tofile.mp4")}}, true); !errors.Is(err, outfile.ErrIsInput) {
		t.Errorf("a link to an input: %v, want ErrIsInput", err)
	}
	// Named directly, a character device and a FIFO are written directly.
	if err := outfile.Check(nil, []outfile.Target{{Path: "/dev/null"}, {Path: j("fifo")}}, false); err != nil {
		t.Errorf("a device or FIFO named directly: %v", err)
	}
	if got, _ := os.ReadFile(j("file.mp4")); string(got) != "someone's video" {
		t.Errorf("the link's target changed: %q", got)
	}
}

// TestInputNeverExists: an output that is an input is refused as an
// input (ErrIsInput), not as an existing file that -overwrite would
// replace, with or without overwrite.
func TestInputNeverExists(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.mp4")
	write(t, in, "video")
	for _, overwrite := range []bool{false, true} {
		err := outfile.Check([]string{in}, []outfile.Target{{Path: in, Flag: "-out"}}, overwrite)
		if !errors.Is(err, outfile.ErrIsInput) || errors.Is(err, outfile.ErrExists) {
			t.Errorf("overwrite %v: %v, want ErrIsInput only", overwrite, err)
		}
	}
}

// TestGroup: the files of a group are finished by Commit but stay under
// their partial names until the group commits them; Keep leaves them
// there (removing those that hold nothing) and says where they are.
func TestGroup(t *testing.T) {
	dir := t.TempDir()
	for _, commit := range []bool{true, false} {
		g := &outfile.Group{}
		a, b, empty := filepath.Join(dir, "a.mp4"), filepath.Join(dir, "a.jsonl"), filepath.Join(dir, "a.events.jsonl")
		var files []*outfile.File
		for _, p := range []string{a, b, empty} {
			f, err := outfile.CreateWith(p, outfile.Options{Group: g})
			if err != nil {
				t.Fatal(err)
			}
			files = append(files, f)
		}
		files[0].WriteString("video")
		files[1].WriteString("{}\n")
		for _, f := range files {
			if err := f.Commit(); err != nil {
				t.Fatal(err)
			}
			if _, err := os.Stat(f.Target()); err == nil {
				t.Fatalf("%s is under its final name before the group commits", f.Target())
			}
		}
		if g.Partial(a) != files[0].Name() {
			t.Errorf("Partial(%s) = %q, want %q", a, g.Partial(a), files[0].Name())
		}
		if commit {
			if err := g.Commit(); err != nil {
				t.Fatal(err)
			}
			if got, _ := os.ReadFile(a); string(got) != "video" {
				t.Errorf("after Commit %s holds %q", a, got)
			}
			for _, f := range files {
				os.Remove(f.Target())
			}
			continue
		}
		kept := g.Keep()
		if len(kept) != 2 || kept[0] != files[0].Name() || kept[1] != files[1].Name() {
			t.Errorf("Keep = %v, want the two files that hold data", kept)
		}
		for _, p := range []string{a, b, empty, files[2].Name()} {
			if _, err := os.Stat(p); err == nil {
				t.Errorf("%s exists after Keep", p)
			}
		}
		if got, _ := os.ReadFile(files[0].Name()); string(got) != "video" {
			t.Errorf("the kept partial holds %q", got)
		}
	}
}

// TestFailedMoveNamesWhereTheDataIs: when a finished output cannot move
// into place (its target became a folder that is not empty, or a file
// appeared there without overwriting asked for), alone or in a Group,
// the error names the partial file, and that file is there with the data.
func TestFailedMoveNamesWhereTheDataIs(t *testing.T) {
	inPartial := regexp.MustCompile(`(?:\(it is in |the output is in )(\S+?)\)?$`)
	check := func(what string, err error, data string) {
		t.Helper()
		m := inPartial.FindStringSubmatch(err.Error())
		if m == nil {
			t.Fatalf("%s: the error names no partial file: %v", what, err)
		}
		if got, rerr := os.ReadFile(m[1]); rerr != nil || string(got) != data {
			t.Errorf("%s: the error names %s, which holds %q (%v)", what, m[1], got, rerr)
		}
	}
	dir := t.TempDir()
	for _, overwrite := range []bool{false, true} {
		target := filepath.Join(dir, fmt.Sprintf("a%v.jsonl", overwrite))
		f, err := outfile.Create(target, overwrite)
		if err != nil {
			t.Fatal(err)
		}
		f.WriteString("data")
		os.MkdirAll(filepath.Join(target, "x"), 0o755) // a folder, not empty
		err = f.Commit()
		if err == nil {
			t.Fatalf("overwrite %v: moved over a folder", overwrite)
		}
		check(fmt.Sprintf("overwrite %v", overwrite), err, "data")
	}

	var g outfile.Group
	a, b := filepath.Join(dir, "ga.jsonl"), filepath.Join(dir, "gb.jsonl")
	fa, err := outfile.CreateWith(a, outfile.Options{Group: &g})
	if err != nil {
		t.Fatal(err)
	}
	fb, err := outfile.CreateWith(b, outfile.Options{Group: &g})
	if err != nil {
		t.Fatal(err)
	}
	fa.WriteString("a")
	fb.WriteString("b")
	if err := errors.Join(fa.Commit(), fb.Commit()); err != nil {
		t.Fatal(err)
	}
	write(t, a, "someone's") // appeared meanwhile
	err = g.Commit()
	if err == nil {
		t.Fatal("the group moved over a file that appeared")
	}
	check("group", err, "a")
	if got, _ := os.ReadFile(a); string(got) != "someone's" {
		t.Errorf("the file that appeared was replaced")
	}
	if got, _ := os.ReadFile(b); string(got) != "b" {
		t.Errorf("the other file of the group did not move: %q", got)
	}
}
