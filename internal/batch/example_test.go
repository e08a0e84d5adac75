package batch_test

import (
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/livecam/livecam/internal/batch"
)

// Three videos, one after another; the second is no video: it is
// reported, and the third still runs.
func ExampleRun() {
	var jobs []batch.Job
	for _, name := range []string{"a", "b", "c"} {
		jobs = append(jobs, batch.Job{Source: name + ".mp4", Out: "out/" + name + ".mp4", Results: "out/" + name + ".jsonl", Report: "out/" + name + ".html"})
	}
	run := func(j batch.Job) error {
		if j.Source == "b.mp4" {
			return errors.New("b.mp4: not a video")
		}
		return nil // label j.Source, write j.Out, j.Results, j.Report
	}
	stopped := make(chan os.Signal, 1) // as signal.Notify would fill it
	err := batch.Run(jobs, run, batch.Options{
		Logf:    func(format string, a ...any) { fmt.Printf(format+"\n", a...) },
		Signals: stopped,
		Now:     func() time.Time { return time.Time{} },
	})
	fmt.Println(err)
	// Output:
	// [1/3] a.mp4
	// [1/3] a.mp4: done in 0.0s -> out/a.mp4, out/a.jsonl, out/a.html
	// [2/3] b.mp4
	// [2/3] b.mp4: FAILED: b.mp4: not a video
	// [3/3] c.mp4
	// [3/3] c.mp4: done in 0.0s -> out/c.mp4, out/c.jsonl, out/c.html
	// 2 of 3 sources done in 0.0s, 1 failed
	// some sources failed
}
