package batch_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/livecam/livecam/internal/batch"
	"github.com/livecam/livecam/sink/jsonl"
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

// A batch run again after a video was added: the source done before is
// skipped (its results end with their closing line), the new one runs,
// and the batch ends with its table.
func ExampleRunEach() {
	dir, _ := os.MkdirTemp("", "batch")
	defer os.RemoveAll(dir)
	jobs := []batch.Job{
		{Source: "beach.mp4", Results: filepath.Join(dir, "beach.jsonl")},
		{Source: "porch.mp4", Results: filepath.Join(dir, "porch.jsonl")},
	}
	// beach.mp4 was done by an earlier run.
	os.WriteFile(jobs[0].Results, jsonl.AppendEnd(nil, jsonl.End{Frames: 600, Duration: 24 * time.Second, Source: "beach.mp4", Seen: "seashore"}), 0o644)
	now := time.Time{}
	err := batch.RunEach(jobs, func(j batch.Job) (batch.Summary, error) {
		return batch.Summary{Frames: 250, Duration: 10 * time.Second, Seen: "pelican"}, nil // label j.Source
	}, batch.Options{
		Logf:    func(format string, a ...any) { fmt.Println(strings.ReplaceAll(fmt.Sprintf(format, a...), dir+"/", "")) },
		Signals: make(chan os.Signal, 1),
		Now:     func() time.Time { now = now.Add(2 * time.Second); return now },
		Resume:  true, // false for -overwrite
		Table:   os.Stdout,
	})
	fmt.Println(err)
	// Output:
	// 1 already done, 1 new
	// [1/1] porch.mp4
	// [1/1] porch.mp4: done in 2.0s -> porch.jsonl
	// source     frames  duration  frames/s  status                 seen most
	// beach.mp4  600     0:24.0    -         skipped: already done  seashore
	// porch.mp4  250     0:10.0    125.0     done                   pelican
	// 1 of 1 new sources done in 6.0s (1 already done)
	// <nil>
}
