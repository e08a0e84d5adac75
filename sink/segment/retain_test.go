package segment_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/livecam/livecam/sink/segment"
)

// plant writes a file with its parents and sets its times.
func plant(t *testing.T, path, content string, mtime time.Time) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(path, mtime, mtime); err != nil {
		t.Fatal(err)
	}
}

// TestKeepByAge: segments that started longer ago than Keep are deleted
// at New and after each segment closes, oldest first; younger ones stay;
// files that are not segments (a user's notes, other.mp4, a segment-like
// name outside a date folder, a folder named like a segment) stay; a
// date folder left empty goes, one with a user's file stays.
func TestKeepByAge(t *testing.T) {
	needFFmpeg(t)
	dir := t.TempDir()
	cam := filepath.Join(dir, "yard")
	now := time.Date(2026, 12, 1, 15, 30, 0, 0, time.Local)
	old := map[string]time.Time{
		"2026-11-20/10-00-00.mp4":     time.Date(2026, 11, 20, 10, 0, 0, 0, time.Local),
		"2026-11-20/10-10-00.cut.mp4": time.Date(2026, 11, 20, 10, 10, 0, 0, time.Local),
		"2026-11-23/09-00-00-1.mp4":   time.Date(2026, 11, 23, 9, 0, 0, 0, time.Local),
	}
	young := map[string]time.Time{
		"2026-11-24/15-30-03.mp4": time.Date(2026, 11, 24, 15, 30, 3, 0, time.Local), // 7 d less 3 s
		"2026-11-30/08-00-00.mp4": time.Date(2026, 11, 30, 8, 0, 0, 0, time.Local),
	}
	foreign := []string{"notes.txt", "other.mp4", "10-00-00.mp4", "2026-11-20/other.mp4", "2026-11-20/notes.txt",
		"2026-11-20/10-00-00.mp4.bak", "2026-11-20/1-00-00.mp4", "2026-11-21/x/10-00-00.mp4"}
	for name, at := range old {
		plant(t, filepath.Join(cam, name), "old", at.Add(10*time.Minute))
	}
	for name, at := range young {
		plant(t, filepath.Join(cam, name), "young", at.Add(10*time.Minute))
	}
	for _, name := range foreign {
		plant(t, filepath.Join(cam, name), "user's", now.AddDate(-1, 0, 0))
	}
	if err := os.MkdirAll(filepath.Join(cam, "2026-11-22", "08-00-00.mp4"), 0o755); err != nil {
		t.Fatal(err)
	}
	clk := newClock(now)
	r, err := segment.New(segment.Options{Dir: dir, Camera: "yard", Length: 2 * time.Second, Keep: 7 * 24 * time.Hour, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	exist := func(name string) bool {
		_, err := os.Lstat(filepath.Join(cam, name))
		return err == nil
	}
	for name := range old {
		if exist(name) {
			t.Errorf("New kept %s, older than 7 days", name)
		}
	}
	for name := range young {
		if !exist(name) {
			t.Errorf("New deleted %s, younger than 7 days", name)
		}
	}
	if exist("2026-11-23") {
		t.Errorf("the empty date folder 2026-11-23 is still there")
	}
	// Recording moves the clock 4 s on: 15-30-03 is older than 7 days
	// when the second segment closes at 15:30:04.
	c := newCamera(clk, 64, 48)
	defer c.close()
	c.write(t, r, 101)
	if exist("2026-11-24/15-30-03.mp4") {
		t.Errorf("15-30-03 of 7 days ago is still there after a segment closed at %v", clk.Now())
	}
	if !exist("2026-11-30/08-00-00.mp4") {
		t.Errorf("the young 2026-11-30/08-00-00.mp4 was deleted")
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	for _, name := range append(foreign, "2026-11-22/08-00-00.mp4") {
		if !exist(name) {
			t.Errorf("%s, not a segment, was deleted", name)
		}
	}
	segs, _ := r.Segments()
	want := []string{"yard/2026-11-30/08-00-00.mp4", "yard/2026-12-01/15-30-00.mp4", "yard/2026-12-01/15-30-02.mp4", "yard/2026-12-01/15-30-04.mp4"}
	if got := names(segs, dir); !slices.Equal(got, want) {
		t.Errorf("segments %q, want %q", got, want)
	}
}

// segmentSize returns the size of a segment of 200 noisy frames of
// 320x240 (8 s, 4 fragments). Frames that large keep ffmpeg's pipe
// short, so that what ffmpeg has not written yet stays small.
func segmentSize(t *testing.T) int64 {
	clk := newClock(time.Date(2026, 12, 1, 15, 0, 0, 0, time.Local))
	r, err := segment.New(segment.Options{Dir: t.TempDir(), Camera: "cam", Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	c := newCamera(clk, 320, 240)
	c.noise = true
	defer c.close()
	c.write(t, r, 200)
	r.Close()
	segs, _ := r.Segments()
	return segs[0].Size
}

// TestKeepBySize: with a budget of about three segments, the camera's
// files never take more than the budget and a fragment (2 s of video, what ffmpeg writes at once; the test writes frames faster than
// ffmpeg takes them, so what it has not written yet counts too), the
// oldest segments go first, and the newest finished ones stay.
func TestKeepBySize(t *testing.T) {
	needFFmpeg(t)
	seg := segmentSize(t)
	budget := 3*seg + seg/4
	dir := t.TempDir()
	clk := newClock(time.Date(2026, 12, 1, 15, 30, 0, 0, time.Local))
	r, err := segment.New(segment.Options{Dir: dir, Camera: "cam", Length: 8 * time.Second, KeepBytes: budget, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	c := newCamera(clk, 320, 240)
	c.noise = true
	defer c.close()
	var seen []string
	var most int64
	for i := range 7 * 200 {
		c.write(t, r, 1)
		used := du(t, filepath.Join(dir, "cam"))
		most = max(most, used)
		if used > budget+seg/4 {
			t.Fatalf("frame %d: %d bytes on disk, budget %d + a fragment %d", i, used, budget, seg/4)
		}
		if i%20 == 0 {
			segs, _ := r.Segments()
			for _, s := range names(segs, dir) {
				if !slices.Contains(seen, s) {
					seen = append(seen, s)
				}
			}
		}
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	segs, _ := r.Segments()
	got := names(segs, dir)
	for _, s := range got {
		if !slices.Contains(seen, s) {
			seen = append(seen, s)
		}
	}
	t.Logf("segment %d bytes, budget %d, at most %d on disk; kept %q of %q", seg, budget, most, got, seen)
	if len(got) < 2 || !slices.Equal(got, seen[len(seen)-len(got):]) {
		t.Errorf("kept %q of %q: want the newest", got, seen)
	}
	if used := du(t, filepath.Join(dir, "cam")); used > budget {
		t.Errorf("%d bytes on disk after Close, budget %d", used, budget)
	}
	if len(seen) < 7 {
		t.Errorf("segments %q: want 7 (rotation early for nothing?)", seen)
	}
}

// TestBudgetSmallerThanSegment: a budget smaller than one segment cuts
// the segments short, says so once, and keeps the disk within the budget
// and a fragment.
func TestBudgetSmallerThanSegment(t *testing.T) {
	needFFmpeg(t)
	seg := segmentSize(t)
	budget := seg / 2
	dir := t.TempDir()
	clk := newClock(time.Date(2026, 12, 1, 15, 30, 0, 0, time.Local))
	var log []string
	r, err := segment.New(segment.Options{Dir: dir, Camera: "cam", KeepBytes: budget, Now: clk.Now,
		Logf: func(f string, a ...any) { log = append(log, f) }})
	if err != nil {
		t.Fatal(err)
	}
	c := newCamera(clk, 320, 240)
	c.noise = true
	defer c.close()
	var most int64
	for i := range 500 {
		c.write(t, r, 1)
		used := du(t, filepath.Join(dir, "cam"))
		most = max(most, used)
		if used > budget+seg/4 {
			t.Fatalf("frame %d: %d bytes on disk, budget %d + a fragment %d", i, used, budget, seg/4)
		}
	}
	r.Close()
	segs, _ := r.Segments()
	t.Logf("budget %d, at most %d on disk, segments %q", budget, most, names(segs, dir))
	if len(log) != 1 || !strings.Contains(log[0], "less than one segment") {
		t.Errorf("log %q: want one warning", log)
	}
	if len(segs) != 1 || segs[0].Start.Equal(time.Date(2026, 12, 1, 15, 30, 0, 0, time.Local)) {
		t.Errorf("segments %q: want one, not the first", names(segs, dir))
	}
}

// TestStalePartialsKept: segments a stopped run left under partial names
// are kept as cut segments that play up to where they stopped; an empty
// one is removed; another camera's are not touched.
func TestStalePartialsKept(t *testing.T) {
	needFFmpeg(t)
	dir := t.TempDir()
	clk := newClock(time.Date(2026, 12, 1, 15, 20, 0, 0, time.Local))
	r, err := segment.New(segment.Options{Dir: dir, Camera: "cam", Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	c := newCamera(clk, 64, 48)
	defer c.close()
	c.write(t, r, 200)
	r.Close()
	day := filepath.Join(dir, "cam", "2026-12-01")
	whole := filepath.Join(day, "15-20-00.mp4")
	b, err := os.ReadFile(whole)
	if err != nil {
		t.Fatal(err)
	}
	// A crash: the file as it was mid-write, under its partial name.
	os.Remove(whole)
	plant(t, filepath.Join(day, "15-20-00.partial-123.mp4"), string(b[:len(b)*3/4]), clk.Now())
	plant(t, filepath.Join(day, "15-21-00-1.partial-456.mp4"), "", clk.Now())
	plant(t, filepath.Join(dir, "other", "2026-12-01", "15-20-00.partial-123.mp4"), "x", clk.Now())
	var log []string
	r, err = segment.New(segment.Options{Dir: dir, Camera: "cam", Now: clk.Now, Logf: func(f string, a ...any) { log = append(log, f) }})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	want := []string{"cam/.lock", "cam/2026-12-01/15-20-00.cut.mp4", "other/2026-12-01/15-20-00.partial-123.mp4"}
	if got := tree(t, dir); !slices.Equal(got, want) {
		t.Fatalf("files %q, want %q", got, want)
	}
	if n, _, _ := probe(t, filepath.Join(day, "15-20-00.cut.mp4")); n == 0 || n >= 200 {
		t.Errorf("the cut segment plays %d frames, want some of 200", n)
	}
	segs, _ := r.Segments()
	if len(segs) != 1 || !segs[0].Cut {
		t.Errorf("segments %+v: want the cut one", segs)
	}
	if len(log) != 2 {
		t.Errorf("log %q: want what was kept and removed", log)
	}
}
