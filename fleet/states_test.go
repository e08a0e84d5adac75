package fleet

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/livecam/livecam/internal/testrig/natstest"
)

// TestWriteStates: the jobs table shows each job's state, progress while
// running, frames when done and the failure otherwise, counts the jobs by
// state and lists the workers with how long ago they were heard from;
// credentials and terminal escapes in what a job message or a worker
// brought are never printed raw.
func TestWriteStates(t *testing.T) {
	now := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	evil := "/in/\x1b[2J\x1b[31mevil\nline.avi"
	states := []State{
		{Job: Job{ID: "run1", Source: "/in/a.mp4"}, State: Running, Worker: "w1", Progress: 0.42, Attempts: 1},
		{Job: Job{ID: "que1", Source: "rtsp://admin:hunter2@cam.local/live?token=s3cret"}, State: Queued},
		{Job: Job{ID: "bad1", Source: evil}, State: Failed, Attempts: 3, Error: "cannot open rtsp://admin:hunter2@cam.local/live"},
		{Job: Job{ID: "don1", Source: "/in/b.mp4"}, State: Done, Worker: "w2", Frames: 320, Attempts: 1},
	}
	workers := []WorkerState{{Name: "w1", State: WorkerWorking, Job: "run1", Updated: now.Add(-3 * time.Second)}}
	var b strings.Builder
	if err := WriteStates(&b, states, workers, now); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		`(?m)^JOB +STATE +WORKER +PROGRESS +ATTEMPTS +SOURCE +NOTE$`,
		`(?m)^run1 +running +w1 +42% +1 +/in/a\.mp4 *$`,
		`(?m)^que1 +queued +0 +rtsp://admin:xxxxx@cam\.local/live\?token=xxxxx *$`,
		`(?m)^bad1 +failed +3 +/in/\\x1b\[2J\\x1b\[31mevil\\nline\.avi +cannot open rtsp://admin:xxxxx@cam\.local/live$`,
		`(?m)^don1 +done +w2 +1 +/in/b\.mp4 +320 frames$`,
		`(?m)^4 jobs: 1 queued, 1 running, 1 done, 1 failed$`,
		`(?m)^WORKER +STATE +JOB +SEEN +NOTE\nw1 +working +run1 +3s ago`,
	} {
		if !regexp.MustCompile(want).MatchString(out) {
			t.Errorf("no line like %s in:\n%s", want, out)
		}
	}
	if strings.Contains(out, "hunter2") || strings.Contains(out, "s3cret") || strings.Contains(out, "\x1b") || strings.Contains(out, "evil\nline") {
		t.Errorf("the table shows a secret or an escape raw:\n%q", out)
	}
	b.Reset()
	if err := WriteStates(&b, nil, nil, now); err != nil || strings.Contains(b.String(), "SEEN") {
		t.Errorf("no jobs, no workers: %v\n%s", err, b.String())
	}
}

// TestStatesRedacted: a state recorded with credentials in the bucket (by
// an older livecam, or by hand) is listed, and printed in the table and as
// JSON, without them.
func TestStatesRedacted(t *testing.T) {
	js := connectAs(t, natstest.Start(t), "")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, _, err := Setup(ctx, js, Options{}); err != nil {
		t.Fatal(err)
	}
	kv, err := js.KeyValue(ctx, StateBucket)
	if err != nil {
		t.Fatal(err)
	}
	job := NewJob("rtsp://admin:hunter2@cam.local/live?token=s3cret", "", "/out/cam.jsonl")
	raw := fmt.Sprintf(`{"job":{"id":%q,"source":%q,"results":"/out/cam.jsonl"},"state":"failed","error":"cannot open rtsp://admin:hunter2@cam.local/live"}`, job.ID, job.Source)
	if _, err := kv.Put(ctx, job.ID, []byte(raw)); err != nil {
		t.Fatal(err)
	}
	states, err := List(ctx, js)
	if err != nil || len(states) != 1 {
		t.Fatalf("List = %+v, %v", states, err)
	}
	for name, write := range map[string]func(*strings.Builder) error{
		"table": func(b *strings.Builder) error { return WriteStates(b, states, nil, time.Now()) },
		"json":  func(b *strings.Builder) error { return WriteStatesJSON(b, states) },
	} {
		var b strings.Builder
		err := write(&b)
		if out := b.String(); err != nil || strings.Contains(out, "hunter2") || strings.Contains(out, "s3cret") || !strings.Contains(out, "cam.local") {
			t.Errorf("%s: %v\n%s", name, err, out)
		}
	}
}
