package clips_test

import (
	"image"
	"image/color"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gocv.io/x/gocv"

	"github.com/livecam/livecam/events"
	"github.com/livecam/livecam/pipeline"
	"github.com/livecam/livecam/sink/clips"
	"github.com/livecam/livecam/sink/outfile"
	"github.com/livecam/livecam/sink/video"
	"github.com/livecam/livecam/track"
)

// A run on a file with -clips: the events name clips and snapshots in
// VIDEO.clips/, named after the stay's start in the video, and Cut cuts
// them from the finished annotated video, frame-exact for the snapshot,
// whatever the source's first timestamp.
func TestFileClips(t *testing.T) {
	needFFmpeg(t)
	root := t.TempDir()
	out := filepath.Join(root, "street.mp4")
	var logs []string
	f, err := clips.NewFile(clips.FileOptions{Video: out, Root: root, Around: time.Second,
		Logf: func(format string, args ...any) { logs = append(logs, format) }})
	if err != nil {
		t.Fatal(err)
	}
	v, err := video.Create(out, outfile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	o := &pipeline.Output{Image: gocv.NewMatWithSize(fh, fw, gocv.MatTypeCV8UC3), Result: &pipeline.Result{}, Source: pipeline.SourceInfo{Width: fw, Height: fh, FPS: fps}}
	defer o.Image.Close()
	var leave track.Event
	var label events.Event
	for n := range 80 { // frame n at 1 s + n/10 s
		o.Result.PTS, o.Result.Frame = time.Second+time.Duration(n)*step, int64(n)
		o.Image.SetTo(gocv.NewScalar(0, 0, 0, 0))
		for bit := range bits {
			if n>>bit&1 == 1 {
				gocv.Rectangle(&o.Image, image.Rect(bit*fw/bits, 0, (bit+1)*fw/bits, fh), color.RGBA{255, 255, 255, 255}, -1)
			}
		}
		for _, s := range []pipeline.Sink{v, f} {
			if err := s.Write(o); err != nil {
				t.Fatal(err)
			}
		}
		if n == 40 {
			leave = f.ObjectEvent(track.Event{Type: track.Leave, ID: 3, Label: "dog", Start: 3 * time.Second, End: 4 * time.Second, PeakTime: 3500 * time.Millisecond})
			label = f.Event(events.Event{Type: events.Leave, Label: "bullet train, bullet", Start: 3200 * time.Millisecond, End: 4 * time.Second, PeakTime: 3700 * time.Millisecond})
		}
	}
	if err := v.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if leave.Clip != "street.clips/00-00-02.dog-3.mp4" || leave.Snapshot != "street.clips/00-00-02.dog-3.jpg" {
		t.Fatalf("the leave event names %q and %q; want street.clips/00-00-02.dog-3.mp4 and .jpg", leave.Clip, leave.Snapshot)
	}
	if want := "street.clips/00-00-02.bullet_train"; label.Clip != want+".mp4" || label.Snapshot != want+".jpg" {
		t.Fatalf("the label's leave event names %q and %q; want %s.mp4 and .jpg", label.Clip, label.Snapshot, want)
	}
	if failed := f.Cut(); failed != 0 || len(logs) > 0 {
		t.Fatalf("%d not cut: %q", failed, logs)
	}
	checkSpan(t, filepath.Join(root, leave.Clip), 10, 40)
	checkSnapshot(t, filepath.Join(root, leave.Snapshot), 25)
	checkSpan(t, filepath.Join(root, label.Clip), 12, 40)
	checkSnapshot(t, filepath.Join(root, label.Snapshot), 27)
	// A rerun's clips take the next names, never a file's.
	again := f.ObjectEvent(track.Event{Type: track.Leave, ID: 3, Label: "dog", Start: 3 * time.Second, End: 4 * time.Second})
	if !strings.HasSuffix(again.Clip, "00-00-02.dog-3-2.mp4") {
		t.Errorf("a second clip of the name is named %q", again.Clip)
	}
	f.Drop("the video is not whole")
	if len(logs) != 1 || !strings.Contains(logs[0], "were not cut") {
		t.Errorf("Drop said %q", logs)
	}
}
