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

// TestRotatesAtLength: a fake clock crossing two boundaries of 2 s
// makes three segments, named after their first frame's local time (the
// last in the next day's folder), each playable on its own, whose frame
// counts add up to the frames written; no partial file is left.
func TestRotatesAtLength(t *testing.T) {
	needFFmpeg(t)
	dir := t.TempDir()
	clk := newClock(time.Date(2026, 11, 30, 23, 59, 58, 0, time.Local))
	r, err := segment.New(segment.Options{Dir: dir, Camera: "porch", Length: 2 * time.Second, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	cam := newCamera(clk, 64, 48)
	defer cam.close()
	cam.write(t, r, 125) // 5 s: 50 + 50 + 25 frames
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	segs, err := r.Segments()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"porch/2026-11-30/23-59-58.mp4", "porch/2026-12-01/00-00-00.mp4", "porch/2026-12-01/00-00-02.mp4"}
	if got := names(segs, dir); !slices.Equal(got, want) {
		t.Fatalf("segments %q, want %q", got, want)
	}
	if got := tree(t, dir); !slices.Equal(got, append([]string{"porch/.lock"}, want...)) {
		t.Errorf("files %q: want the segments alone", got)
	}
	for i, n := range []int{50, 50, 25} {
		if got, w, h := probe(t, segs[i].Path); got != n || w != 64 || h != 48 {
			t.Errorf("%s: %d frames of %dx%d, want %d of 64x48", segs[i].Path, got, w, h, n)
		}
		if segs[i].Cut || segs[i].Size == 0 {
			t.Errorf("%s: %+v", segs[i].Path, segs[i])
		}
	}
	if start := segs[1].Start; !start.Equal(time.Date(2026, 12, 1, 0, 0, 0, 0, time.Local)) {
		t.Errorf("second segment starts at %v", start)
	}
}

// TestRestartNeverCollides: a restart in the same second takes the next
// free name and leaves the old file byte-identical; so does a file
// someone put there, before the segment starts or while it is written.
func TestRestartNeverCollides(t *testing.T) {
	needFFmpeg(t)
	dir := t.TempDir()
	start := time.Date(2026, 12, 1, 15, 30, 0, 0, time.Local)
	run := func(at time.Time, during func()) {
		t.Helper()
		clk := newClock(at)
		r, err := segment.New(segment.Options{Dir: dir, Camera: "gate", Now: clk.Now})
		if err != nil {
			t.Fatal(err)
		}
		cam := newCamera(clk, 64, 48)
		defer cam.close()
		cam.write(t, r, 10)
		if during != nil {
			during()
		}
		if err := r.Close(); err != nil {
			t.Fatal(err)
		}
	}
	day := filepath.Join(dir, "gate", "2026-12-01")
	run(start, nil)
	first := filepath.Join(day, "15-30-00.mp4")
	before := sum(t, first)
	run(start, nil)
	if sum(t, first) != before {
		t.Errorf("the first run's segment changed")
	}
	// A user's file with the name the next segment would take.
	if err := os.WriteFile(filepath.Join(day, "15-30-05.mp4"), []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	run(start.Add(5*time.Second), nil)
	// A file that appears while the segment is written.
	run(start.Add(10*time.Second), func() {
		if err := os.WriteFile(filepath.Join(day, "15-30-10.mp4"), []byte("also mine"), 0o644); err != nil {
			t.Fatal(err)
		}
	})
	want := []string{"gate/.lock", "gate/2026-12-01/15-30-00-1.mp4", "gate/2026-12-01/15-30-00.mp4",
		"gate/2026-12-01/15-30-05-1.mp4", "gate/2026-12-01/15-30-05.mp4",
		"gate/2026-12-01/15-30-10-1.mp4", "gate/2026-12-01/15-30-10.mp4"}
	if got := tree(t, dir); !slices.Equal(got, want) {
		t.Fatalf("files %q, want %q", got, want)
	}
	for name, content := range map[string]string{"15-30-05.mp4": "mine", "15-30-10.mp4": "also mine"} {
		if b, _ := os.ReadFile(filepath.Join(day, name)); string(b) != content {
			t.Errorf("%s holds %q, want the user's %q", name, b, content)
		}
	}
	for _, name := range []string{"15-30-00.mp4", "15-30-00-1.mp4", "15-30-05-1.mp4", "15-30-10-1.mp4"} {
		if n, _, _ := probe(t, filepath.Join(day, name)); n != 10 {
			t.Errorf("%s: %d frames, want 10", name, n)
		}
	}
}

// TestOneRecorderPerCamera: a second Recorder of the same camera folder
// (the same name, or one made safe to the same folder) is refused while
// the first records; after Close it is welcome.
func TestOneRecorderPerCamera(t *testing.T) {
	needFFmpeg(t)
	dir := t.TempDir()
	r, err := segment.New(segment.Options{Dir: dir, Camera: "a/b"})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"a/b", "a_b"} {
		if _, err := segment.New(segment.Options{Dir: dir, Camera: name}); err == nil || !strings.Contains(err.Error(), "being recorded already") {
			t.Errorf("%q while a/b records: %v", name, err)
		}
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	r2, err := segment.New(segment.Options{Dir: dir, Camera: "a_b"})
	if err != nil {
		t.Fatalf("after Close: %v", err)
	}
	r2.Close()
}

// TestHostileCameraNames: a camera's folder is always one level under
// Dir, whatever its name; a name with nothing usable is refused with an
// error that quotes it.
func TestHostileCameraNames(t *testing.T) {
	needFFmpeg(t)
	root := t.TempDir()
	dir := filepath.Join(root, "rec")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"../escape", "../../tmp/x", "/etc", "a/../../b", "x\x00y", "line\nbreak", "..\\..\\win", ".hidden", "porch top"} {
		r, err := segment.New(segment.Options{Dir: dir, Camera: name})
		if err != nil {
			t.Errorf("%q: %v", name, err)
			continue
		}
		rel, err := filepath.Rel(dir, r.Dir())
		if err != nil || rel == "." || strings.Contains(rel, "/") || strings.HasPrefix(rel, ".") || strings.ContainsAny(rel, "\x00\n\\") {
			t.Errorf("%q records in %s", name, r.Dir())
		}
		r.Close()
	}
	for _, name := range []string{"", ".", "..", "///", " . "} {
		if _, err := segment.New(segment.Options{Dir: dir, Camera: name}); err == nil || !strings.Contains(err.Error(), "camera name") {
			t.Errorf("%q: %v, want it refused", name, err)
		}
	}
	if got := tree(t, root); len(got) == 0 || slices.ContainsFunc(got, func(p string) bool { return !strings.HasPrefix(p, "rec/") }) {
		t.Errorf("files outside the recordings folder: %q", got)
	}
}

// TestSizeChangeStartsSegment: frames of another size start a new
// segment of that size, even in the same second.
func TestSizeChangeStartsSegment(t *testing.T) {
	needFFmpeg(t)
	dir := t.TempDir()
	clk := newClock(time.Date(2026, 12, 1, 15, 30, 0, 0, time.Local))
	r, err := segment.New(segment.Options{Dir: dir, Camera: "cam", Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	cam := newCamera(clk, 64, 48)
	defer cam.close()
	cam.write(t, r, 10)
	cam.resize(32, 24)
	cam.write(t, r, 8)
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	segs, _ := r.Segments()
	if got := names(segs, dir); !slices.Equal(got, []string{"cam/2026-12-01/15-30-00.mp4", "cam/2026-12-01/15-30-00-1.mp4"}) {
		t.Fatalf("segments %q", got)
	}
	for i, want := range [][3]int{{10, 64, 48}, {8, 32, 24}} {
		if n, w, h := probe(t, segs[i].Path); [3]int{n, w, h} != want {
			t.Errorf("%s: %d frames of %dx%d, want %v", segs[i].Path, n, w, h, want)
		}
	}
}
