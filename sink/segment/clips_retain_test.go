package segment_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/livecam/livecam/sink/segment"
)

// TestKeepCoversClipsByAge: the camera's clips and snapshots
// (clips/DATE/HH-MM-SS.LABEL[-ID].mp4 and .jpg) older than Keep go at New
// like its segments; younger ones stay, and so does every file of
// clips/ not named like one (a clip being cut, a user's file, a clip
// outside a date folder).
func TestKeepCoversClipsByAge(t *testing.T) {
	dir := t.TempDir()
	cam := filepath.Join(dir, "yard")
	now := time.Date(2026, 12, 1, 15, 30, 0, 0, time.Local)
	old := []string{"clips/2026-11-20/10-00-00.dog-3.mp4", "clips/2026-11-20/10-00-00.dog-3.jpg",
		"clips/2026-11-23/09-00-00.pelican-2.mp4", "2026-11-20/10-00-00.mp4"}
	young := []string{"clips/2026-11-30/08-00-00.dog-7.mp4", "clips/2026-11-30/08-00-00.dog-7.jpg",
		"clips/2026-11-30/08-00-00.cat.mp4", "2026-11-30/08-00-00.mp4"}
	foreign := []string{"clips/2026-11-20/10-00-00.dog-4.partial-123.mp4", "clips/2026-11-20/notes.txt",
		"clips/2026-11-20/10-00-00.mp4", "clips/10-00-00.dog.mp4", "clips/other/10-00-00.dog.mp4",
		"clips/2026-11-20/10-00-00.dog.png"}
	for _, name := range old {
		plant(t, filepath.Join(cam, name), "old", now.AddDate(0, 0, -8))
	}
	for _, name := range append(young, foreign...) {
		plant(t, filepath.Join(cam, name), "kept", now.AddDate(-1, 0, 0))
	}
	clk := newClock(now)
	r, err := segment.New(segment.Options{Dir: dir, Camera: "yard", Keep: 7 * 24 * time.Hour, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	exist := func(name string) bool {
		_, err := os.Lstat(filepath.Join(cam, name))
		return err == nil
	}
	for _, name := range old {
		if exist(name) {
			t.Errorf("New kept %s, older than 7 days", name)
		}
	}
	for _, name := range append(young, foreign...) {
		if !exist(name) {
			t.Errorf("New deleted %s", name)
		}
	}
	if exist("clips/2026-11-23") {
		t.Errorf("the empty date folder clips/2026-11-23 was left")
	}
}

// TestKeepBudgetCoversClips: within -keep-size, clips and snapshots
// count with the segments, and the oldest file of either kind goes
// first.
func TestKeepBudgetCoversClips(t *testing.T) {
	dir := t.TempDir()
	cam := filepath.Join(dir, "yard")
	now := time.Date(2026, 12, 1, 15, 30, 0, 0, time.Local)
	hundred := strings.Repeat("x", 100)
	all := []string{ // oldest first, 100 bytes each
		"2026-12-01/10-00-00.mp4",
		"clips/2026-12-01/10-05-00.dog-3.mp4",
		"2026-12-01/10-10-00.mp4",
		"clips/2026-12-01/10-15-00.cat.jpg",
		"2026-12-01/10-20-00.mp4",
		"clips/2026-12-01/10-25-00.cat.mp4",
	}
	for _, name := range all {
		plant(t, filepath.Join(cam, name), hundred, now)
	}
	clk := newClock(now)
	r, err := segment.New(segment.Options{Dir: dir, Camera: "yard", KeepBytes: 350, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for i, name := range all {
		_, err := os.Lstat(filepath.Join(cam, name))
		if gone := err != nil; gone != (i < 3) {
			t.Errorf("%s: deleted %v, want %v (350 bytes keep the newest three files of either kind)", name, gone, i < 3)
		}
	}
	segs, err := r.Segments()
	if err != nil {
		t.Fatal(err)
	}
	if got := names(segs, cam); len(got) != 1 || got[0] != "2026-12-01/10-20-00.mp4" {
		t.Errorf("Segments lists %q, want the one segment left (clips are not segments)", got)
	}
}

// TestAddedCountsAtOnce: a clip written while the camera records
// (Added) counts in the size budget from the next frame on: the oldest
// segment goes then, not at the next rotation.
func TestAddedCountsAtOnce(t *testing.T) {
	needFFmpeg(t)
	dir := t.TempDir()
	clk := newClock(time.Date(2026, 12, 1, 15, 30, 0, 0, time.Local))
	r, err := segment.New(segment.Options{Dir: dir, Camera: "cam", Length: 2 * time.Second, KeepBytes: 1 << 30, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	c := newCamera(clk, 64, 48)
	defer c.close()
	c.write(t, r, 110) // two segments finished, the third begun
	segs, err := r.Segments()
	if err != nil || len(segs) != 2 {
		t.Fatalf("segments %v, %v; want 2", segs, err)
	}
	clip := filepath.Join(dir, "cam", segment.ClipsDir, "2026-12-01", "15-30-05.dog-1.mp4")
	plant(t, clip, "clip", clk.Now())
	r.Added(1 << 30) // as if it filled the budget
	c.write(t, r, 1)
	if _, err := os.Stat(segs[0].Path); err == nil {
		t.Errorf("%s is still there: the clip's bytes were not counted", segs[0].Path)
	}
}

// TestCloseCountsFilesAfterFinish: what is written into the camera's
// folder between Finish and Close (the clips cut at the end of a run)
// is in Close's retention.
func TestCloseCountsFilesAfterFinish(t *testing.T) {
	dir := t.TempDir()
	cam := filepath.Join(dir, "yard")
	now := time.Date(2026, 12, 1, 15, 30, 0, 0, time.Local)
	hundred := strings.Repeat("x", 100)
	plant(t, filepath.Join(cam, "2026-12-01/10-00-00.mp4"), hundred, now)
	plant(t, filepath.Join(cam, "clips/2026-12-01/10-05-00.dog-3.mp4"), hundred, now)
	r, err := segment.New(segment.Options{Dir: dir, Camera: "yard", KeepBytes: 250, Now: newClock(now).Now})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Finish(); err != nil {
		t.Fatal(err)
	}
	plant(t, filepath.Join(cam, "clips/2026-12-01/15-29-00.cat.mp4"), hundred, now)
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(cam, "clips/2026-12-01/10-05-00.dog-3.mp4")); err == nil {
		t.Errorf("the oldest clip stayed: 300 bytes kept of a budget of 250")
	}
	if err := r.Close(); err != nil {
		t.Errorf("a second Close: %v", err)
	}
}
