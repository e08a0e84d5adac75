package outputs_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gocv.io/x/gocv"

	"github.com/livecam/livecam/detect"
	"github.com/livecam/livecam/internal/outputs"
	"github.com/livecam/livecam/sink/snapshot"
	"github.com/livecam/livecam/track"
)

// TestObjectEventNamesSnapshot: an object's leave event names the
// snapshot written for it, relative to the out-dir; a zone's leave, and
// an object with no best frame, name none.
func TestObjectEventNamesSnapshot(t *testing.T) {
	root := t.TempDir()
	snapDir := filepath.Join(root, "snaps")
	snaps, err := snapshot.New(snapDir, "porch", "20261202T154200.000", nil)
	if err != nil {
		t.Fatal(err)
	}
	pub := &fakePub{}
	events := filepath.Join(root, "e.jsonl")
	s, err := outputs.Open(outputs.Plan{Events: events}, outputs.Options{Camera: "porch", Detector: true, Snapshots: snaps,
		SnapshotDir: snapDir, Root: root, Publishers: []outputs.Publisher{{Publisher: pub}}})
	if err != nil {
		t.Fatal(err)
	}
	frame := gocv.NewMatWithSize(48, 64, gocv.MatTypeCV8UC3)
	defer frame.Close()
	s.OnBestFrame()(detect.Object{ID: 3, Label: "dog"}, frame)
	s.OnObjectEvent()(track.Event{Type: track.Leave, ID: 3, Label: "dog", Zone: "yard"})
	s.OnObjectEvent()(track.Event{Type: track.Leave, ID: 3, Label: "dog"})
	s.OnObjectEvent()(track.Event{Type: track.Leave, ID: 4, Label: "cat"})
	closeSinks(s)
	s.Finish(outputs.Outcome{})
	want := filepath.Join("snaps", "porch-20261202T154200.000-3-dog.jpg")
	if _, err := os.Stat(filepath.Join(root, want)); err != nil {
		t.Fatal(err)
	}
	if len(pub.objects) != 3 || pub.objects[0].Snapshot != "" || pub.objects[1].Snapshot != want || pub.objects[2].Snapshot != "" {
		t.Fatalf("published events %+v; want the second to name %s", pub.objects, want)
	}
	b, err := os.ReadFile(events)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) != 3 || strings.Contains(lines[0], "snapshot") || !strings.HasSuffix(lines[1], `,"snapshot":"`+want+`"}`) || strings.Contains(lines[2], "snapshot") {
		t.Errorf("events file:\n%s\nwant the second line to name %s", b, want)
	}
}
