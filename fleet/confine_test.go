package fleet

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// swapForLink replaces path with a link to target, as an attacker who can
// write into the roots would between a check and a use.
func swapForLink(t *testing.T, path, target string) {
	t.Helper()
	if err := os.Rename(path, path+".away"); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, path); err != nil {
		t.Fatal(err)
	}
}

// TestOpenSourceAfterSwap: a source checked, then swapped for a link to a
// file outside the input roots before the worker opens it, is refused as
// opened; one swapped after it was opened is still read as checked
// through its /proc path.
func TestOpenSourceAfterSwap(t *testing.T) {
	in, out, outside, l := limitsFixture(t)
	video := filepath.Join(in, "v.mp4")
	job := NewJob(video, "", filepath.Join(out, "v.jsonl"))
	if _, err := l.Check(job); err != nil {
		t.Fatal(err)
	}
	swapForLink(t, video, filepath.Join(outside, "secret"))
	if f, p, err := l.OpenSource(video); err == nil || !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), "outside") {
		if f != nil {
			f.Close()
		}
		t.Fatalf("a source swapped for a link out of the roots after the check: opened (%s, %v)", p, err)
	}

	// Opened first, swapped after: the /proc path still leads to the
	// file that was checked.
	other := filepath.Join(in, "other.mp4")
	if err := os.WriteFile(other, []byte("checked"), 0o644); err != nil {
		t.Fatal(err)
	}
	f, p, err := l.OpenSource(other)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if !strings.HasPrefix(p, "/proc/") {
		t.Fatalf("path to read: %s", p)
	}
	swapForLink(t, other, filepath.Join(outside, "secret"))
	b, err := os.ReadFile(p)
	if err != nil || string(b) != "checked" {
		t.Errorf("read through %s after the swap: %q, %v; want the checked file", p, b, err)
	}

	// A FIFO or a folder in its place is not opened for reading.
	for _, s := range []string{filepath.Join(in, "fifo.mp4"), filepath.Join(in, "sub")} {
		if f, _, err := l.OpenSource(s); err == nil || !errors.Is(err, ErrRefused) {
			if f != nil {
				f.Close()
			}
			t.Errorf("%s: opened (%v)", s, err)
		}
	}
}

// TestWorkspaceMoveAfterSwap: an output folder opened and checked, then
// swapped for a link to a folder outside the output roots while the job
// runs: the job's files are made in, and moved into, the folder that was
// opened; nothing outside is touched.
func TestWorkspaceMoveAfterSwap(t *testing.T) {
	_, out, outside, l := limitsFixture(t)
	sub := filepath.Join(l.OutputRoots[0], "sub")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	d, err := l.OpenOutputDir(sub)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	ws, err := d.NewWorkspace(".livecam-job-x-")
	if err != nil {
		t.Fatal(err)
	}
	swapForLink(t, sub, outside) // the job runs in the meantime
	if err := os.WriteFile(ws.Path("results.jsonl"), []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(outside, "v.jsonl"), []byte("theirs"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := ws.MoveOut("results.jsonl", d, "v.jsonl", true); err != nil {
		t.Fatal(err)
	}
	if err := ws.Remove(); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(filepath.Join(sub+".away", "v.jsonl")); err != nil || string(b) != "mine" {
		t.Errorf("the output in the folder opened: %q, %v", b, err)
	}
	if b, _ := os.ReadFile(filepath.Join(outside, "v.jsonl")); string(b) != "theirs" {
		t.Errorf("a file outside the roots was replaced: %q", b)
	}
	if es, _ := os.ReadDir(outside); len(es) != 2 { // secret, v.jsonl
		t.Errorf("outside the roots: %v", es)
	}
	if es, _ := os.ReadDir(sub + ".away"); len(es) != 1 {
		t.Errorf("the folder opened holds %v; want the output alone (the temporary folder removed)", es)
	}
	// Opened after the swap: refused.
	if d2, err := l.OpenOutputDir(sub); err == nil {
		d2.Close()
		t.Errorf("a folder swapped for a link out of the roots: opened")
	}
	if d2, err := l.OpenOutputDir(filepath.Join(out, "outlink")); err == nil {
		d2.Close()
		t.Errorf("a folder link out of the roots: opened")
	}
	// A folder above swapped for a link to a hidden folder (another
	// job's workspace): refused as opened.
	hidden := filepath.Join(l.OutputRoots[0], ".livecam-job-other-1")
	if err := os.MkdirAll(filepath.Join(hidden, "deep"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(hidden, filepath.Join(l.OutputRoots[0], "up")); err != nil {
		t.Fatal(err)
	}
	if d2, err := l.OpenOutputDir(filepath.Join(l.OutputRoots[0], "up", "deep")); err == nil || !strings.Contains(err.Error(), "starts with '.'") {
		if d2 != nil {
			d2.Close()
		}
		t.Errorf("a folder reached through a link to a hidden folder: %v", err)
	}
}

// TestWorkspaceNoReplace: without overwrite, an output that appeared is
// left alone, the finished file stays in the workspace, and the message
// names where it is.
func TestWorkspaceNoReplace(t *testing.T) {
	_, out, _, l := limitsFixture(t)
	d, err := l.OpenOutputDir(out)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	ws, err := d.NewWorkspace(".livecam-job-y-")
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Remove()
	if err := os.WriteFile(ws.Path("results.jsonl"), []byte("new"), 0o644); err != nil {
		t.Fatal(err)
	}
	err = ws.MoveOut("results.jsonl", d, "old.jsonl", false)
	if err == nil || !strings.Contains(err.Error(), ws.Real("results.jsonl")) {
		t.Fatalf("moving over an existing output: %v", err)
	}
	if b, _ := os.ReadFile(filepath.Join(out, "old.jsonl")); string(b) != "x" {
		t.Errorf("the existing output was replaced: %q", b)
	}
	if _, err := os.Stat(ws.Real("results.jsonl")); err != nil {
		t.Errorf("the finished output is not where the message says: %v", err)
	}
}

// TestRemoveStaleKeepsLockedFolders: of two folders a job left, the one
// whose worker still holds it (locked) is kept, the other removed.
func TestRemoveStaleKeepsLockedFolders(t *testing.T) {
	_, out, _, l := limitsFixture(t)
	d, err := l.OpenOutputDir(out)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	dead, err := d.NewWorkspace(".livecam-job-z-")
	if err != nil {
		t.Fatal(err)
	}
	dead.Close() // its worker died: the folder is left, unlocked
	live, err := d.NewWorkspace(".livecam-job-z-")
	if err != nil {
		t.Fatal(err)
	}
	defer live.Remove()
	if err := os.WriteFile(live.Path("video.mp4"), []byte("in progress"), 0o644); err != nil {
		t.Fatal(err)
	}
	removed, kept, err := d.RemoveStale(".livecam-job-z-")
	if err != nil {
		t.Fatal(err)
	}
	if len(removed) != 1 || removed[0] != dead.Name || len(kept) != 1 || kept[0] != live.Name {
		t.Fatalf("removed %v, kept %v; want %s removed, %s kept", removed, kept, dead.Name, live.Name)
	}
	if _, err := os.Stat(filepath.Join(out, dead.Name)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the dead worker's folder: %v", err)
	}
	if b, err := os.ReadFile(live.Path("video.mp4")); err != nil || string(b) != "in progress" {
		t.Errorf("the live worker's file: %q, %v", b, err)
	}
}

// TestCheckRefusesHiddenOutputs: an output with a component under its
// output root that starts with '.' (another job's temporary folder) is
// refused.
func TestCheckRefusesHiddenOutputs(t *testing.T) {
	in, out, _, l := limitsFixture(t)
	video := filepath.Join(in, "v.mp4")
	hidden := filepath.Join(out, ".livecam-job-abc-123")
	if err := os.Mkdir(hidden, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, res := range []string{filepath.Join(hidden, "r.jsonl"), filepath.Join(out, ".r.jsonl")} {
		if _, err := l.Check(NewJob(video, "", res)); err == nil || !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), "starts with '.'") {
			t.Errorf("%s: %v; want a refusal", res, err)
		}
		if _, err := l.Check(NewJob(video, res, filepath.Join(out, "ok.jsonl"))); err == nil || !errors.Is(err, ErrRefused) {
			t.Errorf("video %s: %v; want a refusal", res, err)
		}
	}
	// A link to a hidden file is refused too.
	if err := os.WriteFile(filepath.Join(hidden, "r.jsonl"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(hidden, "r.jsonl"), filepath.Join(out, "tohidden.jsonl")); err != nil {
		t.Fatal(err)
	}
	j := NewJob(video, "", filepath.Join(out, "tohidden.jsonl"))
	j.Overwrite = true
	if _, err := l.Check(j); err == nil || !errors.Is(err, ErrRefused) {
		t.Errorf("a link to a hidden file: %v; want a refusal", err)
	}
}
