package report

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/livecam/livecam/timeline"
)

func line(frame int, label string, class int, score string, latency float64) string {
	return fmt.Sprintf(`{"frame":%d,"pts_ms":%d.0,"top":[{"class":%d,"label":%q,"score":%s}],"inferred":true,"latency_ms":%.1f,"dropped":0}`+"\n", frame, frame*40, class, label, score, latency)
}

func TestReadResults(t *testing.T) {
	good := line(0, "tabby, tabby cat", 281, "0.8700", 10) + "\n" + line(1, "banjo", 420, "null", 12)
	frames, cut, err := ReadResults(strings.NewReader(good), "r.jsonl")
	if err != nil || cut != nil || len(frames) != 2 {
		t.Fatalf("%d frames, %v, %v", len(frames), cut, err)
	}
	if f := frames[0]; f.Class != 281 || f.Label != "tabby, tabby cat" || f.Score != 0.87 || f.Latency != 10*time.Millisecond || f.PTS != 0 {
		t.Errorf("frame 0: %+v", f)
	}
	if f := frames[1]; !math.IsNaN(float64(f.Score)) || f.PTS != 40*time.Millisecond {
		t.Errorf("frame 1 (score null): %+v", f)
	}
	for _, c := range []struct{ in, err string }{
		{line(0, "a", 1, "0.5", 1) + "{oops\n" + line(2, "a", 1, "0.5", 1), "r.jsonl:2: not a results line"},
		{`{"type":"enter","class":1,"label":"a","start_ms":0.0}` + "\n", "r.jsonl:1: not a results line (no \"frame\""},
		{"", "r.jsonl: no results lines"},
		{"{oops\n", "r.jsonl:1: not a results line"},
	} {
		if _, _, err := ReadResults(strings.NewReader(c.in), "r.jsonl"); err == nil || !strings.Contains(err.Error(), c.err) {
			t.Errorf("ReadResults(%q) = %v, want %q", c.in, err, c.err)
		}
	}
	// A last line cut short by a crash: the frames before it, and a note.
	frames, cut, err = ReadResults(strings.NewReader(good+"\n"+`{"frame":2,"pts_m`), "r.jsonl")
	if err != nil || len(frames) != 2 || cut == nil || !strings.Contains(cut.Error(), "r.jsonl:5") {
		t.Errorf("cut last line: %d frames, cut %v, err %v", len(frames), cut, err)
	}
}

// endless is a reader of one line that never ends (a results file that
// is /dev/zero, or a FIFO a writer keeps filling); it counts what it gave.
type endless struct{ n int64 }

func (e *endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'x'
	}
	e.n += int64(len(p))
	return len(p), nil
}

// TestReadResultsLongLine: a line longer than MaxLine is refused naming
// the file, the line and the limit (not "bufio.Scanner: token too
// long"), and a line that never ends is not read past the limit.
func TestReadResultsLongLine(t *testing.T) {
	in := line(0, "a", 1, "0.5", 1) + line(1, "a", 1, "0.5", 1) + `{"frame":2,"pts_ms":80,"top":[{"label":"` + strings.Repeat("x", 20<<20) + `"}]}` + "\n" + line(3, "a", 1, "0.5", 1)
	_, _, err := ReadResults(strings.NewReader(in), "r.jsonl")
	if err == nil || err.Error() != "r.jsonl:3: a line longer than 16 MiB: not a results file (livecam -results writes lines of a few hundred bytes)" {
		t.Errorf("a 20 MB line 3: %v", err)
	}
	e := &endless{}
	_, _, err = ReadResults(io.MultiReader(strings.NewReader(line(0, "a", 1, "0.5", 1)), e), "/dev/zero")
	if err == nil || !strings.HasPrefix(err.Error(), "/dev/zero:2: a line longer than 16 MiB") {
		t.Errorf("a line without end: %v", err)
	}
	if e.n > MaxLine+1<<20 {
		t.Errorf("read %d bytes of a line without end, limit %d", e.n, MaxLine)
	}
}

// TestSummarize checks the percentiles against a sort done here: latencies
// 1..100 ms have p50 50, p95 95, p99 99, max 100.
func TestSummarize(t *testing.T) {
	var frames []Frame
	for i := 100; i >= 1; i-- {
		frames = append(frames, Frame{PTS: time.Duration(100-i) * 40 * time.Millisecond, Latency: time.Duration(i) * time.Millisecond, Inferred: i%2 == 0})
	}
	s := Summarize(frames)
	if s.P50 != 50 || s.P95 != 95 || s.P99 != 99 || s.Max != 100 || s.Frames != 100 || s.Inferred != 50 || s.Duration != 99*40*time.Millisecond {
		t.Errorf("%+v", s)
	}
}

func TestWritePage(t *testing.T) {
	var in strings.Builder
	for i := range 100 {
		label, class := "tabby, tabby cat", 281
		if i >= 60 {
			label, class = "banjo", 420
		}
		in.WriteString(line(i, label, class, "0.9000", 10+float64(i%7)))
	}
	frames, _, err := ReadResults(strings.NewReader(in.String()), "r.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	d := &Data{Title: "clip <1>", Results: "r.jsonl", Frames: frames, Settings: []Setting{{"model", "m"}}}
	d.Segments = Build(frames, timeline.Options{MinDuration: time.Second})
	var b bytes.Buffer
	if err := Write(&b, d); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	for _, want := range []string{"<h1>clip &lt;1&gt;</h1>", "0:02.4", ">tabby<", ">banjo<", "<svg", "<b>100</b>frames", "<th>model</th><td>m</td>"} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	if strings.Contains(page, "http://") && !strings.Contains(page, "http://www.w3.org") {
		t.Error("the page refers to something outside itself")
	}
	if os.Getenv("REPORT_OUT") != "" {
		os.WriteFile(os.Getenv("REPORT_OUT"), b.Bytes(), 0o644)
	}
}

func TestWriteNothing(t *testing.T) {
	if err := Write(&bytes.Buffer{}, &Data{}); err == nil {
		t.Error("a page for no frames")
	}
}
