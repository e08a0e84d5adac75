package timeline

import (
	"os"
	"strings"
	"testing"
	"time"
)

func ExampleWriteSummary() {
	segs := []Segment{
		{Start: 0, End: 5 * time.Second, Class: 281, Label: "tabby, tabby cat", MeanScore: 0.84, PeakScore: 0.9},
		{Start: 5 * time.Second, End: 8 * time.Second, Class: Unsure},
		{Start: 8 * time.Second, End: 9 * time.Second, Class: 420, Label: "banjo", MeanScore: 0.7, PeakScore: 0.7},
	}
	WriteSummary(os.Stdout, "door", segs, time.Second, 2)
	// Output:
	// livecam: door: what was seen (best label; changes shorter than 1s merged):
	//   0:00.0 - 0:05.0  tabby       mean  84%  peak  90%
	//   0:05.0 - 0:08.0  (not sure)
	//   ... and 1 more segments (-report FILE lists them all)
}

func ExampleWriteObjectSummary() {
	b := NewObjects(Options{})
	for i := range 30 { // 3 s at 10 fps
		b.Add(time.Duration(i)*100*time.Millisecond, []Object{{ID: 1, Label: "person", Score: 0.8}})
	}
	WriteObjectSummary(os.Stdout, "", b, 40)
	// Output:
	// livecam: what was seen (1 labels):
	//   person  1 track   in view 0:03.0  0:00.0 - 0:03.0
}

// TestSummaryBounded: at most max segments or labels are listed, a
// line counts the segments left out, max <= 0 lists all, and a camera's
// name cannot rewrite the terminal.
func TestSummaryBounded(t *testing.T) {
	var segs []Segment
	for i := range 45 {
		segs = append(segs, Segment{Start: time.Duration(i) * time.Second, End: time.Duration(i+1) * time.Second, Class: i, Label: "l", MeanScore: 0.5, PeakScore: 0.5})
	}
	var b strings.Builder
	if err := WriteSummary(&b, "cam\x1b[2J", segs, time.Second, 40); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	if len(lines) != 42 || lines[41] != "  ... and 5 more segments (-report FILE lists them all)" {
		t.Errorf("%d lines, last %q; want 42, the count of the 5 left out", len(lines), lines[len(lines)-1])
	}
	if !strings.HasPrefix(lines[0], `livecam: cam\x1b[2J: what was seen`) {
		t.Errorf("header %q: the camera's name not escaped", lines[0])
	}
	b.Reset()
	WriteSummary(&b, "", segs, time.Second, 0)
	if n := strings.Count(b.String(), "\n"); n != 46 || strings.Contains(b.String(), "more segments") {
		t.Errorf("max 0: %d lines, want the header and all 45", n)
	}
	objs := NewObjects(Options{})
	for i := range 10 {
		objs.Add(time.Duration(i)*100*time.Millisecond, []Object{{Label: "a", Score: 0.9}, {Label: "b", Score: 0.9}, {Label: "c", Score: 0.9}})
	}
	b.Reset()
	WriteObjectSummary(&b, "", objs, 2)
	if got := b.String(); !strings.HasPrefix(got, "livecam: what was seen (3 labels):\n") || strings.Count(got, "\n") != 3 {
		t.Errorf("objects, max 2:\n%s", got)
	}
}
