package report

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/livecam/livecam/timeline"
)

// TestNoSignalSegment: a live camera's results with an outage (no frame
// from 4 s to 150 s) and the stale limit as timeline.Options.Gap: the
// report's table has a "(no signal)" row, without scores, between the
// pelican's, in place of one pelican row across the outage.
func TestNoSignalSegment(t *testing.T) {
	var in strings.Builder
	for i := range 100 {
		n := i
		if i >= 50 {
			n = i + 3700 // 3750 frames of 40 ms later: 150 s
		}
		in.WriteString(line(n, "pelican", 144, "1.0000", 10))
	}
	frames, _, err := ReadResults(strings.NewReader(in.String()), "r.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	d := &Data{Title: "porch", Results: "r.jsonl", Frames: frames}
	d.Segments = Build(frames, timeline.Options{MinDuration: time.Second, Gap: 5 * time.Second})
	var b bytes.Buffer
	if err := Write(&b, d); err != nil {
		t.Fatal(err)
	}
	page := regexp.MustCompile(`\s+`).ReplaceAllString(b.String(), " ")
	i, j := strings.Index(page, "(no signal)"), strings.LastIndex(page, ">pelican<")
	if len(d.Segments) != 3 || i < 0 || j < i || strings.Count(page, ">pelican<") < 2 {
		t.Errorf("segments %+v; the page's table:\n%s", d.Segments, page[strings.Index(page, "<table"):])
	}
	if !strings.Contains(page, "#282828") {
		t.Error("the outage has no colour of its own")
	}
}
