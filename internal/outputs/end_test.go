package outputs_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/livecam/livecam/classify"
	"github.com/livecam/livecam/internal/outputs"
	"github.com/livecam/livecam/pipeline"
	"github.com/livecam/livecam/sink/jsonl"
)

// TestClosingLine: a whole run's results file ends with its closing line
// (the frames, the time they cover, the source without its credentials,
// the label seen longest); a run that failed, or that a signal cut
// short, gets none, so that it is never taken for finished.
func TestClosingLine(t *testing.T) {
	for _, tc := range []struct {
		name string
		o    outputs.Outcome
		end  bool
	}{
		{"whole", outputs.Outcome{Source: "rtsp://admin:secret@cam/live"}, true},
		{"cut short", outputs.Outcome{CutShort: "at 0:00.4 of 0:10.0", Interrupted: true}, false},
		{"failed", outputs.Outcome{Err: errors.New("decoder died")}, false},
	} {
		dir := t.TempDir()
		plan := outputs.Plan{Results: filepath.Join(dir, "r.jsonl")}
		s, err := outputs.Open(plan, outputs.Options{})
		if err != nil {
			t.Fatal(err)
		}
		for i := range 35 { // 1 s of cat, 1.5 s of banjo, 1 s of cat, at 10 frames/s
			var r pipeline.Result
			r.Frame, r.PTS, r.Inferred = int64(i), time.Duration(i)*100*time.Millisecond, true
			p := classify.Prediction{Class: 281, Label: "tabby, tabby cat", Score: 0.9}
			if i >= 10 && i < 25 {
				p = classify.Prediction{Class: 420, Label: "banjo", Score: 0.8}
			}
			r.SetTop([]classify.Prediction{p})
			for _, k := range s.Sinks() {
				if err := k.Write(&pipeline.Output{Result: &r}); err != nil {
					t.Fatal(err)
				}
			}
		}
		s.Close()
		kept, _ := s.Finish(tc.o)
		if got := s.Frames(); got != 35 || s.Duration() != 3500*time.Millisecond || s.Seen() != "tabby, tabby cat" {
			t.Errorf("%s: Frames %d, Duration %v, Seen %q; want 35, 3.5s, the cat (2 s in all)", tc.name, got, s.Duration(), s.Seen())
		}
		if !tc.end {
			if len(kept) != 1 {
				t.Fatalf("%s: kept %v", tc.name, kept)
			}
			if _, err := jsonl.ReadEnd(kept[0]); !errors.Is(err, jsonl.ErrNoEnd) {
				t.Errorf("%s: the partial results: ReadEnd = %v, want ErrNoEnd", tc.name, err)
			}
			continue
		}
		end, err := jsonl.ReadEnd(plan.Results)
		want := jsonl.End{Frames: 35, Duration: 3500 * time.Millisecond, Source: "rtsp://admin:xxxxx@cam/live", Seen: "tabby, tabby cat"}
		if err != nil || end.Frames != want.Frames || end.Duration != want.Duration || end.Seen != want.Seen || end.Source != want.Source {
			t.Errorf("%s: ReadEnd = %+v, %v; want %+v (credentials redacted)", tc.name, end, err, want)
		}
	}
}

// TestClosingLineFails: when the closing line cannot be written, the
// run is not whole: its results keep their partial name, and the error
// names the results file.
func TestClosingLineFails(t *testing.T) {
	dir := t.TempDir()
	plan := outputs.Plan{Results: filepath.Join(dir, "r.jsonl")}
	s, err := outputs.Open(plan, outputs.Options{})
	if err != nil {
		t.Fatal(err)
	}
	feed(t, s, 3)
	s.Close()
	// The partial file becomes a folder behind livecam's back: the
	// closing line cannot be written, though the file could be moved.
	for _, n := range names(dir) {
		os.Remove(filepath.Join(dir, n))
		os.Mkdir(filepath.Join(dir, n), 0o755)
	}
	_, err = s.Finish(outputs.Outcome{})
	if err == nil || !strings.Contains(err.Error(), plan.Results) {
		t.Fatalf("Finish without its closing line = %v", err)
	}
	if _, serr := os.Stat(plan.Results); !errors.Is(serr, os.ErrNotExist) {
		t.Errorf("the results file is in place: %v", serr)
	}
}
