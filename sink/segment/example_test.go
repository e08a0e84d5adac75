package segment_test

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"gocv.io/x/gocv"

	"github.com/livecam/livecam/events"
	"github.com/livecam/livecam/pipeline"
	"github.com/livecam/livecam/sink/jsonl"
	"github.com/livecam/livecam/sink/segment"
)

// Record 5 s of a camera in segments of 2 s, with a fake clock, and list
// them.
func Example() {
	dir, err := os.MkdirTemp("", "segments")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	now := time.Date(2026, 12, 1, 15, 30, 0, 0, time.Local)
	rec, err := segment.New(segment.Options{Dir: dir, Camera: "porch", Length: 2 * time.Second,
		Keep: 7 * 24 * time.Hour, Now: func() time.Time { return now }})
	if err != nil {
		fmt.Println(err)
		return
	}
	o := &pipeline.Output{Image: gocv.NewMatWithSize(48, 64, gocv.MatTypeCV8UC3), Result: &pipeline.Result{},
		Source: pipeline.SourceInfo{FPS: 25}}
	defer o.Image.Close()
	for i := range 125 {
		o.Result.PTS = time.Duration(i) * 40 * time.Millisecond
		if err := rec.Write(o); err != nil {
			fmt.Println(err)
			return
		}
		now = now.Add(40 * time.Millisecond)
	}
	if err := rec.Close(); err != nil {
		fmt.Println(err)
		return
	}
	segs, _ := rec.Segments()
	for _, s := range segs {
		rel, _ := filepath.Rel(dir, s.Path)
		fmt.Println(rel, s.Start.Format("15:04:05"))
	}
	// Output:
	// porch/2026-12-01/15-30-00.mp4 15:30:00
	// porch/2026-12-01/15-30-02.mp4 15:30:02
	// porch/2026-12-01/15-30-04.mp4 15:30:04
}

// Record a camera's results and events beside its segments (Sidecars):
// the events go with the frame that follows them, and each results file
// ends with its closing line.
func Example_sidecars() {
	dir, err := os.MkdirTemp("", "segments")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	now := time.Date(2026, 12, 1, 15, 30, 0, 0, time.Local)
	rec, err := segment.New(segment.Options{Dir: dir, Camera: "porch", Length: 2 * time.Second,
		Sidecars: true, Source: "rtsp://porch/1", Now: func() time.Time { return now }})
	if err != nil {
		fmt.Println(err)
		return
	}
	o := &pipeline.Output{Image: gocv.NewMatWithSize(48, 64, gocv.MatTypeCV8UC3), Result: &pipeline.Result{},
		Source: pipeline.SourceInfo{FPS: 25}}
	defer o.Image.Close()
	for i := range 100 {
		if i == 60 { // as the pipeline's Config.OnEvent gives it, before its frame
			rec.Event(events.Event{Type: events.Enter, Label: "cat", Start: 2400 * time.Millisecond})
		}
		o.Result.PTS = time.Duration(i) * 40 * time.Millisecond
		if err := rec.Write(o); err != nil {
			fmt.Println(err)
			return
		}
		now = now.Add(40 * time.Millisecond)
	}
	if err := rec.Close(); err != nil {
		fmt.Println(err)
		return
	}
	segs, _ := rec.Segments()
	for _, s := range segs {
		end, _ := jsonl.ReadEnd(s.Results)
		fmt.Printf("%s %s (%d frames), events file: %t\n", filepath.Base(s.Path), filepath.Base(s.Results), end.Frames, s.Events != "")
	}
	// Output:
	// 15-30-00.mp4 15-30-00.results.jsonl (50 frames), events file: false
	// 15-30-02.mp4 15-30-02.results.jsonl (50 frames), events file: true
}
