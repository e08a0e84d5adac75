package mainjob_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/livecam/livecam/internal/mainjob"
	"github.com/livecam/livecam/sink/jsonl"
)

// TestSubmissionEndedEarly: livecam submit uses the batch's test of
// done: a video whose previous run ended early (its closing line says
// so) is not queued again, and the line that says what was skipped names
// it and how to redo it, as a batch's rerun does.
func TestSubmissionEndedEarly(t *testing.T) {
	in, out := submitFolder(t, "a.mp4", "corrupt.mp4", "c.mp4")
	done(t, filepath.Join(out, "a"))
	done(t, filepath.Join(out, "corrupt"))
	end := jsonl.End{Frames: 147, Duration: 4900 * time.Millisecond, Source: "corrupt.mp4",
		Ended: jsonl.Ending{Early: true, At: 4900 * time.Millisecond, Of: 24 * time.Second, Reason: "damaged file"}}
	if err := os.WriteFile(filepath.Join(out, "corrupt.jsonl"), jsonl.AppendEnd([]byte(`{"frame":0,"pts_ms":0.0}`+"\n"), end), 0o644); err != nil {
		t.Fatal(err)
	}
	s := mainjob.Submission{Sources: []string{in}, OutDir: out, TopK: 3, Every: 1}
	jobs, skipped, err := s.Jobs(nil)
	if err != nil || len(jobs) != 1 || filepath.Base(jobs[0].Source) != "c.mp4" {
		t.Fatalf("Jobs = %+v, %v; want c.mp4 alone", jobs, err)
	}
	want := "2 already done (" + filepath.Join(in, "corrupt.mp4") + " ended early at 0:04.9 of 0:24.0: damaged file; -overwrite redoes it)"
	if skipped.String() != want || skipped.N != 2 {
		t.Errorf("skipped = %q, want %q", skipped, want)
	}
	s.Overwrite = true
	if jobs, skipped, err := s.Jobs(nil); err != nil || len(jobs) != 3 || skipped.N != 0 || strings.Contains(skipped.String(), "early") {
		t.Errorf("-overwrite: %d jobs, %v, %v; want all 3 queued", len(jobs), skipped, err)
	}
}
