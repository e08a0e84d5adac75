package report

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/livecam/livecam/sink/jsonl/endline"
)

// TestReportSaysEndedEarly: the report of a damaged file's results (its
// closing line says the source ended early) says where and why at the
// top, for a classifier's and a detector's results alike, and so does a
// report made again later from the same file (livecam report, or a
// rerun); a whole source's report, and one from an older closing line,
// say nothing of the sort.
func TestReportSaysEndedEarly(t *testing.T) {
	dir := t.TempDir()
	var cls strings.Builder
	for i := range 50 {
		cls.WriteString(line(i, "tiger, Panthera tigris", 292, "0.9000", 10))
	}
	early := endline.Ending{Early: true, At: 4900 * time.Millisecond, Of: 24 * time.Second, Reason: "damaged file"}
	const said = "the source ended at 0:04.9 of 0:24.0: damaged file."
	for _, tc := range []struct {
		name, body string
		ended      endline.Ending
		want       bool
	}{
		{"classifier", cls.String(), early, true},
		{"detector", trackedRun(), early, true},
		{"whole", cls.String(), endline.Ending{}, false},
		{"older", cls.String() + `{"end":{"frames":50,"duration_ms":2000.0,"complete":true,"source":"clip.mp4"}}` + "\n", endline.Ending{}, false},
	} {
		body := tc.body
		if tc.name != "older" {
			frames := int64(strings.Count(body, "\n"))
			body += string(endline.AppendEnd(nil, endline.End{Frames: frames, Duration: 2 * time.Second, Source: "corrupt.mp4", Ended: tc.ended}))
		}
		res := filepath.Join(dir, tc.name+".jsonl")
		if err := os.WriteFile(res, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		page := filepath.Join(dir, tc.name+".html")
		for _, again := range []bool{false, true} { // the run's report, then one made again later
			if err := WriteFile(res, "", page, &FileOptions{Merge: time.Second, Overwrite: again}); err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			html, _ := os.ReadFile(page)
			if got := strings.Contains(string(html), said) && strings.Contains(string(html), `id="ended"`); got != tc.want {
				t.Errorf("%s (made again: %v): the page says the source ended early: %v, want %v\n%.1500s", tc.name, again, got, tc.want, html)
			}
			if !tc.want && strings.Contains(string(html), `id="ended"`) {
				t.Errorf("%s: a whole source's page says it ended early", tc.name)
			}
		}
	}
}
