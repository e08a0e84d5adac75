package snapshot_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gocv.io/x/gocv"

	"github.com/livecam/livecam/detect"
	"github.com/livecam/livecam/sink/snapshot"
	"github.com/livecam/livecam/track"
)

// frame is a small grey image.
func frame(t testing.TB) gocv.Mat {
	m := gocv.NewMatWithSize(16, 16, gocv.MatTypeCV8UC3)
	m.SetTo(gocv.NewScalar(128, 128, 128, 0))
	return m
}

func Example() {
	dir, _ := os.MkdirTemp("", "snapshots")
	defer os.RemoveAll(dir)
	w, err := snapshot.New(dir, "front door", "20261201T220501.123", nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	m := frame(nil)
	defer m.Close()
	w.BestFrame(detect.Object{ID: 3, Label: "person"}, m) // the pipeline's OnBestFrame
	w.Event(track.Event{Type: track.Leave, ID: 3, Label: "person"})
	names, _ := filepath.Glob(filepath.Join(dir, "*.jpg"))
	for _, n := range names {
		fmt.Println(filepath.Base(n))
	}
	// Output:
	// front_door-20261201T220501.123-3-person.jpg
}

// TestWriter: a snapshot is written when its track leaves the view, not
// on entering or leaving a zone, once; a track with no best frame writes
// nothing; an existing file is never replaced (a warning says so); names
// are safe and bounded.
func TestWriter(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a", "b")
	var logged []string
	w, err := snapshot.New(dir, "cam/1", "RUN", func(f string, a ...any) { logged = append(logged, fmt.Sprintf(f, a...)) })
	if err != nil {
		t.Fatal(err)
	}
	m := frame(t)
	defer m.Close()
	list := func() []string {
		names, _ := filepath.Glob(filepath.Join(dir, "*"))
		for i, n := range names {
			names[i] = filepath.Base(n)
		}
		return names
	}
	w.BestFrame(detect.Object{ID: 1, Label: "dog"}, m)
	w.Event(track.Event{Type: track.Enter, ID: 1, Label: "dog"})
	w.Event(track.Event{Type: track.Leave, ID: 1, Label: "dog", Zone: "porch"})
	if got := list(); len(got) != 0 {
		t.Fatalf("written before the track left the view: %v", got)
	}
	w.Event(track.Event{Type: track.Leave, ID: 1, Label: "dog"})
	w.Event(track.Event{Type: track.Leave, ID: 2, Label: "cat"}) // no best frame
	if got := list(); len(got) != 1 || got[0] != "cam_1-RUN-1-dog.jpg" {
		t.Fatalf("files %v, want cam_1-RUN-1-dog.jpg", got)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "cam_1-RUN-1-dog.jpg")); len(b) < 4 || b[0] != 0xff || b[1] != 0xd8 {
		t.Error("not a JPEG")
	}
	w.Event(track.Event{Type: track.Leave, ID: 1, Label: "dog"}) // its frame went with the first
	if len(logged) != 0 {
		t.Fatalf("a track's snapshot written twice: %q", logged)
	}
	// A rerun with the same RUN (a clock set back): the file stays.
	old := filepath.Join(dir, "cam_1-RUN-1-dog.jpg")
	os.WriteFile(old, []byte("keep"), 0o644)
	w.BestFrame(detect.Object{ID: 1, Label: "dog"}, m)
	w.Event(track.Event{Type: track.Leave, ID: 1, Label: "dog"})
	if b, _ := os.ReadFile(old); string(b) != "keep" {
		t.Error("an existing snapshot was replaced")
	}
	if len(logged) != 1 || !strings.Contains(logged[0], "warning: snapshot: ") || !strings.Contains(logged[0], old) {
		t.Errorf("logged %q, want one warning naming %s", logged, old)
	}
	name := w.Name(7, strings.Repeat("x", 200)+"/..")
	label, ok := strings.CutPrefix(strings.TrimSuffix(name, ".jpg"), "cam_1-RUN-7-")
	if !ok || len(label) == 0 || len(label) > 64 || strings.ContainsAny(label, "/.") {
		t.Errorf("long label: %s", name)
	}
	if _, err := snapshot.New(old, "c", "", nil); err == nil {
		t.Error("a file as the folder: no error")
	}
}
