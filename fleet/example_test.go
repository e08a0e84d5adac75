package fleet_test

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/livecam/livecam/fleet"
)

// A worker's Process opens a checked job's files, runs the job on them
// (here: copies the source), and moves the outputs into place.
func ExampleLimits_OpenJob() {
	base, _ := os.MkdirTemp("", "fleet-example-")
	defer os.RemoveAll(base)
	in, out := filepath.Join(base, "in"), filepath.Join(base, "out")
	os.Mkdir(in, 0o755)
	os.Mkdir(out, 0o755)
	os.WriteFile(filepath.Join(in, "v.mp4"), []byte("a video"), 0o644)

	limits, _ := fleet.Limits{InputRoots: []string{in}, OutputRoots: []string{out}}.Resolved()
	job, err := limits.Check(fleet.NewJob(filepath.Join(in, "v.mp4"), "", filepath.Join(out, "v.jsonl")))
	if err != nil {
		fmt.Println(err)
		return
	}
	files, err := limits.OpenJob(job)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer files.Close()
	src, _ := os.ReadFile(files.Source) // the file checked, whatever its name leads to now
	os.WriteFile(files.Results, []byte(fmt.Sprintf("{\"read\":%q}\n", src)), 0o644)
	moved, err := files.Commit()
	if err != nil {
		fmt.Println(files.Shown(err))
		return
	}
	for _, m := range moved {
		b, _ := os.ReadFile(m)
		fmt.Printf("%s: %s", filepath.Base(m), b)
	}
	// Output:
	// v.jsonl: {"read":"a video"}
}

// WriteStates prints what `livecam jobs` shows, without the credentials
// of a source.
func ExampleWriteStates() {
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	states := []fleet.State{
		{Job: fleet.Job{ID: "3f2a", Source: "/videos/a.mp4"}, State: fleet.Running, Worker: "w1", Progress: 0.5, Attempts: 2,
			Error: "handed back by w0: its disk is full"},
		{Job: fleet.Job{ID: "9c1e", Source: "rtsp://admin:secret@cam/live"}, State: fleet.Done, Worker: "w2", Attempts: 1, Frames: 320},
	}
	workers := []fleet.WorkerState{{Name: "w1", State: fleet.WorkerWorking, Job: "3f2a", Updated: now.Add(-2 * time.Second)}}
	fleet.WriteStates(os.Stdout, states, workers, now)
	// Output:
	// JOB   STATE    WORKER  PROGRESS  ATTEMPTS  SOURCE                       NOTE
	// 3f2a  running  w1      50%       2         /videos/a.mp4                handed back by w0: its disk is full
	// 9c1e  done     w2                1         rtsp://admin:xxxxx@cam/live  320 frames
	// 2 jobs: 0 queued, 1 running, 1 done, 0 failed
	//
	// WORKER  STATE    JOB   SEEN    NOTE
	// w1      working  3f2a  2s ago
}

// Resolve reads the secrets: here a user's password from a file, which
// comes before $LIVECAM_NATS_PASSWORD. Printed, an Auth hides them.
func ExampleAuth_Resolve() {
	dir, _ := os.MkdirTemp("", "fleet-example-")
	defer os.RemoveAll(dir)
	file := filepath.Join(dir, "password")
	os.WriteFile(file, []byte("s3cret\n"), 0o600)

	auth, err := fleet.Auth{User: "worker", PasswordFile: file}.Resolve()
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(auth.Password == "s3cret", auth.PasswordFile == "")
	fmt.Printf("%v\n", auth)
	// Output:
	// true true
	// {CredsFile: NkeyFile: User:worker Password:xxxxx PasswordFile: Token: TokenFile: CAFile: CertFile: KeyFile:}
}

// A results batch is its frames' result lines joined by '\n', with its
// frames in the Livecam-Frames header; SplitBatch reads it back.
func ExampleSplitBatch() {
	data := []byte("{\"frame\":0}\n{\"frame\":1}\n{\"frame\":2}\n{\"frame\":5}")
	frames, lines, err := fleet.SplitBatch("0-2 5", data)
	if err != nil {
		fmt.Println(err)
		return
	}
	for i, f := range frames {
		fmt.Printf("%d %s\n", f, lines[i])
	}
	_, _, err = fleet.SplitBatch("0-3", data[:len(data)-12])
	fmt.Println(err)
	// Output:
	// 0 {"frame":0}
	// 1 {"frame":1}
	// 2 {"frame":2}
	// 5 {"frame":5}
	// 3 lines for 4 frames (0-3)
}
