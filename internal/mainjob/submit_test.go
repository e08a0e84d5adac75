package mainjob_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/livecam/livecam/internal/batch"
	"github.com/livecam/livecam/internal/mainjob"
	"github.com/livecam/livecam/sink/jsonl"
)

// submitFolder makes a folder of videos named names (their contents do
// not matter before a worker runs) and returns it and a folder for their
// outputs.
func submitFolder(t *testing.T, names ...string) (in, out string) {
	t.Helper()
	in, out = t.TempDir(), t.TempDir()
	for _, n := range names {
		if err := os.WriteFile(filepath.Join(in, n), []byte("a video"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return in, out
}

// done writes base's outputs as a finished fleet job leaves them: the
// video, and results ending with their closing line.
func done(t *testing.T, base string) {
	t.Helper()
	os.WriteFile(base+".mp4", []byte("video"), 0o644)
	os.WriteFile(base+".jsonl", jsonl.AppendEnd([]byte(`{"frame":0,"pts_ms":0.0}`+"\n"), jsonl.End{Frames: 1}), 0o644)
}

// TestSubmissionJobs: videos whose outputs are done are left out and
// counted; -overwrite queues all; -no-video needs only the results done;
// an output in the way (no closing line) is refused, naming it.
func TestSubmissionJobs(t *testing.T) {
	in, out := submitFolder(t, "a.mp4", "b.mp4", "c.mp4")
	done(t, filepath.Join(out, "a"))
	done(t, filepath.Join(out, "b"))
	s := mainjob.Submission{Sources: []string{in}, OutDir: out, TopK: 3, Every: 1}
	jobs, skipped, err := s.Jobs(nil)
	if err != nil || skipped.N != 2 || len(jobs) != 1 || filepath.Base(jobs[0].Source) != "c.mp4" || jobs[0].TopK != 3 {
		t.Errorf("Jobs = %+v, %v, %v; want c.mp4 alone, 2 done", jobs, skipped, err)
	}
	s.Overwrite = true
	if jobs, skipped, err := s.Jobs(nil); err != nil || skipped.N != 0 || len(jobs) != 3 || !jobs[0].Overwrite {
		t.Errorf("-overwrite: %d jobs, %v, %v; want 3 to overwrite", len(jobs), skipped, err)
	}
	// -no-video: a done job's video is not needed.
	os.Remove(filepath.Join(out, "a.mp4"))
	s.Overwrite, s.NoVideo = false, true
	if jobs, skipped, err := s.Jobs(nil); err != nil || skipped.N != 2 || len(jobs) != 1 || jobs[0].Out != "" {
		t.Errorf("-no-video: %+v, %v, %v", jobs, skipped, err)
	}
	// Results without their closing line are in the way.
	s.NoVideo = false
	done(t, filepath.Join(out, "a"))
	cut := filepath.Join(out, "b.jsonl")
	os.WriteFile(cut, []byte(`{"frame":0,"pts_ms":0.0}`+"\n"), 0o644)
	_, _, err = s.Jobs(nil)
	if !errors.Is(err, batch.ErrUnfinished) || !strings.HasPrefix(fmt.Sprint(err), cut+": ") || !strings.HasSuffix(fmt.Sprint(err), "pass -overwrite to replace it") {
		t.Errorf("Jobs over unfinished outputs: %v", err)
	}
}

// A submission leaves out the videos whose outputs are done.
func ExampleSubmission_Jobs() {
	in, _ := os.MkdirTemp("", "videos")
	out, _ := os.MkdirTemp("", "labelled")
	defer os.RemoveAll(in)
	defer os.RemoveAll(out)
	for _, name := range []string{"beach.mp4", "yard.mp4"} {
		os.WriteFile(filepath.Join(in, name), []byte("a video"), 0o644)
	}
	// beach.mp4 was done: its video, and results ending with their
	// closing line.
	os.WriteFile(filepath.Join(out, "beach.mp4"), []byte("video"), 0o644)
	os.WriteFile(filepath.Join(out, "beach.jsonl"), jsonl.AppendEnd(nil, jsonl.End{}), 0o644)
	s := mainjob.Submission{Sources: []string{in}, OutDir: out, TopK: 3, Every: 1}
	jobs, done, err := s.Jobs(nil)
	fmt.Printf("%v, %d new: %s %v\n", done, len(jobs), filepath.Base(jobs[0].Source), err)
	// Output:
	// 1 already done, 1 new: yard.mp4 <nil>
}
