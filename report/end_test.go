package report

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/livecam/livecam/sink/jsonl/endline"
	"github.com/livecam/livecam/timeline"
)

// closing is a whole run's closing line (sink/jsonl's End).
func closing(frames int64) string {
	return string(endline.AppendEnd(nil, endline.End{Frames: frames, Duration: time.Duration(frames) * 40 * time.Millisecond, Source: "clip.mp4", Seen: "tabby"}))
}

// TestClosingLineSkipped: a whole run's results file ends with its
// closing line; the frames read, and the story built from them
// (classifier's segments, detector's tracks and labels), are the same
// with it as without it, and nothing is taken for cut short.
func TestClosingLineSkipped(t *testing.T) {
	var cls strings.Builder
	for i := range 60 {
		label, class := "tabby, tabby cat", 281
		if i >= 30 {
			label, class = "banjo", 420
		}
		cls.WriteString(line(i, label, class, "0.8700", 10))
	}
	for name, body := range map[string]string{"classifier": cls.String(), "detector": trackedRun()} {
		without, cut, err := ReadResults(strings.NewReader(body), "r.jsonl")
		if err != nil || cut != nil {
			t.Fatalf("%s: %v, %v", name, cut, err)
		}
		with, cut, err := ReadResults(strings.NewReader(body+closing(int64(len(without)))), "r.jsonl")
		if err != nil || cut != nil {
			t.Fatalf("%s with its closing line: cut %v, err %v", name, cut, err)
		}
		if fmt.Sprint(with) != fmt.Sprint(without) { // NaN scores: not DeepEqual
			t.Errorf("%s: %d frames with the closing line, %d without", name, len(with), len(without))
		}
		opts := timeline.Options{MinDuration: time.Second, MinScore: 0.2}
		if a, b := Build(with, opts), Build(without, opts); !reflect.DeepEqual(a, b) || len(a) == 0 {
			t.Errorf("%s: story with the closing line %v, without %v", name, a, b)
		}
	}
	// A line shaped like a closing line that is not a valid one is no
	// results line either.
	bad := cls.String() + `{"end":{"frames":60}}` + "\n" + line(60, "banjo", 420, "0.5", 1)
	if _, _, err := ReadResults(strings.NewReader(bad), "r.jsonl"); err == nil || !strings.Contains(err.Error(), "r.jsonl:61") {
		t.Errorf("an invalid closing line mid-file: %v", err)
	}
}

// TestWriteFileWithClosingLine: the report of a finished results file
// (closing line last) renders, with every frame and no cut-short note.
func TestWriteFileWithClosingLine(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	for i := range 50 {
		b.WriteString(line(i, "tabby, tabby cat", 281, "0.9000", 10))
	}
	b.WriteString(closing(50))
	res := filepath.Join(dir, "clip.jsonl")
	if err := os.WriteFile(res, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	page := filepath.Join(dir, "clip.html")
	if err := WriteFile(res, "", page, &FileOptions{Merge: time.Second}); err != nil {
		t.Fatal(err)
	}
	html, _ := os.ReadFile(page)
	if !strings.Contains(string(html), "tabby") || strings.Contains(string(html), "cut short") {
		t.Errorf("the page of a finished results file:\n%.2000s", html)
	}
	d, err := fileData(res, "", &FileOptions{})
	if err != nil || len(d.Frames) != 50 {
		t.Errorf("fileData: %v, %v frames", err, d)
	}
}
