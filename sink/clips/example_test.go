package clips_test

import (
	"fmt"
	"os"
	"time"

	"gocv.io/x/gocv"

	"github.com/livecam/livecam/pipeline"
	"github.com/livecam/livecam/sink/clips"
	"github.com/livecam/livecam/sink/segment"
	"github.com/livecam/livecam/track"
)

// Record a camera through a Clipper, and keep a clip of a dog's stay
// from 2 s to 3 s, with a second before and after, and a snapshot of its
// best frame, at 2.4 s.
func Example() {
	dir, err := os.MkdirTemp("", "clips")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	start := time.Date(2026, 12, 2, 15, 42, 0, 0, time.Local)
	now := start
	clock := func() time.Time { return now }
	rec, err := segment.New(segment.Options{Dir: dir, Camera: "porch", Length: 10 * time.Second, Now: clock})
	if err != nil {
		fmt.Println(err)
		return
	}
	c, err := clips.New(clips.Options{Recorder: rec, Root: dir, Around: time.Second, Now: clock,
		Logf: func(format string, args ...any) { fmt.Printf(format+"\n", args...) }})
	if err != nil {
		fmt.Println(err)
		return
	}
	o := &pipeline.Output{Image: gocv.NewMatWithSize(48, 64, gocv.MatTypeCV8UC3), Result: &pipeline.Result{},
		Source: pipeline.SourceInfo{FPS: 25}}
	defer o.Image.Close()
	for i := range 125 {
		o.Result.PTS = time.Duration(i) * 40 * time.Millisecond
		o.Result.Time = start.Add(o.Result.PTS)
		now = o.Result.Time
		if err := c.Write(o); err != nil {
			fmt.Println(err)
			return
		}
		if i == 75 {
			ev := c.ObjectEvent(track.Event{Type: track.Leave, ID: 3, Label: "dog", Start: 2 * time.Second, End: 3 * time.Second,
				PeakTime: 2400 * time.Millisecond})
			fmt.Println("the leave event names", ev.Clip, "and", ev.Snapshot)
		}
	}
	if err := c.Close(); err != nil { // the clip is due at 7 s: cut now
		fmt.Println(err)
		return
	}
	for _, name := range []string{"15-42-02.dog-3.mp4", "15-42-02.dog-3.jpg"} {
		if _, err := os.Stat(dir + "/porch/clips/2026-12-02/" + name); err == nil {
			fmt.Println(name, "is there")
		}
	}
	// Output:
	// the leave event names porch/clips/2026-12-02/15-42-02.dog-3.mp4 and porch/clips/2026-12-02/15-42-02.dog-3.jpg
	// 15-42-02.dog-3.mp4 is there
	// 15-42-02.dog-3.jpg is there
}
