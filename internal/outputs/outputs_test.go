package outputs_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/livecam/livecam/classify"
	"github.com/livecam/livecam/detect"
	"github.com/livecam/livecam/events"
	"github.com/livecam/livecam/internal/outputs"
	"github.com/livecam/livecam/internal/runctl"
	"github.com/livecam/livecam/pipeline"
	"github.com/livecam/livecam/report"
	"github.com/livecam/livecam/sink/outfile"
	"github.com/livecam/livecam/timeline"
	"github.com/livecam/livecam/track"
)

// feed sends n frames of a classifier's results through the set's
// sinks, as a pipeline would.
func feed(t testing.TB, s *outputs.Set, n int) {
	for i := range n {
		var r pipeline.Result
		r.Frame, r.PTS, r.Inferred = int64(i), time.Duration(i)*100*time.Millisecond, true
		r.SetTop([]classify.Prediction{{Class: 281, Label: "tabby, tabby cat", Score: 0.9}})
		for _, k := range s.Sinks() {
			if err := k.Write(&pipeline.Output{Result: &r}); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// closeSinks closes the sinks, as a pipeline does at its end.
func closeSinks(s *outputs.Set) error { return s.Close() }

// logs collects Logf's lines.
type logs struct {
	mu    sync.Mutex
	lines []string
}

func (l *logs) logf(format string, a ...any) {
	l.mu.Lock()
	l.lines = append(l.lines, fmt.Sprintf(format, a...))
	l.mu.Unlock()
}

func (l *logs) String() string { return strings.Join(l.lines, "\n") }

// names lists the files in dir.
func names(dir string) []string {
	es, _ := os.ReadDir(dir)
	var n []string
	for _, e := range es {
		n = append(n, e.Name())
	}
	return n
}

func Example() {
	dir, _ := os.MkdirTemp("", "outputs")
	defer os.RemoveAll(dir)
	logf := func(format string, a ...any) {
		fmt.Println(strings.ReplaceAll(fmt.Sprintf(format, a...), dir+string(filepath.Separator), ""))
	}
	plan := outputs.Plan{Results: filepath.Join(dir, "clip.jsonl"), Report: filepath.Join(dir, "clip.jsonl")}
	fmt.Println(plan.Check() != nil) // two outputs in one file
	plan.Report = filepath.Join(dir, "clip.html")
	set, err := outputs.Open(plan, outputs.Options{Story: timeline.Options{MinDuration: time.Second}, Summary: os.Stdout, Logf: logf})
	if err != nil {
		fmt.Println(err)
		return
	}
	feed(nil, set, 30) // the pipeline's frames
	closeSinks(set)    // the pipeline's end
	kept, err := set.Finish(outputs.Outcome{})
	fmt.Println(kept, err, names(dir))
	// Output:
	// true
	// livecam: what was seen (best label; changes shorter than 1s merged):
	//   0:00.0 - 0:03.0  tabby  mean  90%  peak  90%
	// report in clip.html
	// [] <nil> [clip.html clip.jsonl]
}

// TestNothingBeforeTheFirstFrame: opening and closing the outputs of a
// pipeline that never ran creates no file.
func TestNothingBeforeTheFirstFrame(t *testing.T) {
	dir := t.TempDir()
	plan := outputs.Plan{Results: filepath.Join(dir, "r.jsonl"), Events: filepath.Join(dir, "e.jsonl"), Report: filepath.Join(dir, "r.html")}
	if err := plan.Check(); err != nil {
		t.Fatal(err)
	}
	s, err := outputs.Open(plan, outputs.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if n := names(dir); len(n) != 0 {
		t.Errorf("files of a run that never started: %v", n)
	}
}

// TestPlanCheck: outputs that collide, that are inputs (even with
// Overwrite), or that exist (without it) are refused naming their flag.
func TestPlanCheck(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.mp4")
	os.WriteFile(in, []byte("x"), 0o644)
	exists := filepath.Join(dir, "old.jsonl")
	os.WriteFile(exists, []byte("x"), 0o644)
	for _, c := range []struct {
		plan outputs.Plan
		want string
	}{
		{outputs.Plan{Results: in, Inputs: []string{in}, Overwrite: true}, "-results " + in},
		{outputs.Plan{Results: exists}, "-results " + exists},
		{outputs.Plan{Results: filepath.Join(dir, "a"), Events: filepath.Join(dir, "a")}, "-events"},
	} {
		if err := c.plan.Check(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want an error naming %q", c.plan, err, c.want)
		}
	}
	if err := (outputs.Plan{Results: exists, Video: "-", Overwrite: true}).Check(); err != nil {
		t.Errorf("with Overwrite: %v", err)
	}
}

// TestFinishCutShort: a run a signal cut short keeps its results under
// their partial name, with a report beside them that says where it
// stopped, moves nothing into place, and ends in a *runctl.StopError;
// in a scratch folder no file is named.
func TestFinishCutShort(t *testing.T) {
	for _, scratch := range []bool{false, true} {
		dir := t.TempDir()
		var l logs
		plan := outputs.Plan{Results: filepath.Join(dir, "r.jsonl"), Report: filepath.Join(dir, "r.html")}
		s, err := outputs.Open(plan, outputs.Options{Logf: l.logf})
		if err != nil {
			t.Fatal(err)
		}
		feed(t, s, 5)
		closeSinks(s)
		kept, err := s.Finish(outputs.Outcome{CutShort: "at 0:00.4 of 0:10.0", Interrupted: true, Scratch: scratch, Settings: []report.Setting{{Name: "model", Value: "m"}}})
		var se *runctl.StopError
		if !errors.As(err, &se) || se.At != "at 0:00.4 of 0:10.0" {
			t.Errorf("scratch %v: error %v, want a StopError at 0:00.4", scratch, err)
		}
		if _, err := os.Stat(plan.Results); err == nil {
			t.Errorf("scratch %v: the results of a run cut short moved into place", scratch)
		}
		if len(kept) != 2 || !strings.Contains(kept[0], "r.partial-") || kept[1] != outputs.PartialReportName(plan.Report, kept[0]) {
			t.Fatalf("scratch %v: kept %q, want the partial results and their report", scratch, kept)
		}
		page, _ := os.ReadFile(kept[1])
		if !strings.Contains(string(page), "at 0:00.4 of 0:10.0 by a signal: this is not the whole video") {
			t.Errorf("the partial report does not say where the run stopped")
		}
		want := "stopped at 0:00.4 of 0:10.0 by a signal; the outputs keep their partial names (not whole): " + strings.Join(kept, ", ")
		if scratch {
			want = "stopped at 0:00.4 of 0:10.0 by a signal; the outputs are not kept"
		}
		if !slices.Contains(l.lines, want) {
			t.Errorf("scratch %v: logged\n%s\nwant %q", scratch, &l, want)
		}
	}
}

// TestFinishFailed: a failed run keeps its files under their partial
// names (no report), says so and returns its error; a full disk's is a
// *runctl.DiskFullError; a whole run moves its files into place.
func TestFinishFailed(t *testing.T) {
	for _, runErr := range []error{errors.New("the source broke"), fmt.Errorf("r.jsonl: %w", syscall.ENOSPC)} {
		dir := t.TempDir()
		var l logs
		plan := outputs.Plan{Results: filepath.Join(dir, "r.jsonl"), Report: filepath.Join(dir, "r.html")}
		s, err := outputs.Open(plan, outputs.Options{Logf: l.logf})
		if err != nil {
			t.Fatal(err)
		}
		feed(t, s, 3)
		closeSinks(s)
		kept, err := s.Finish(outputs.Outcome{Err: runErr})
		var df *runctl.DiskFullError
		if full := errors.As(err, &df); !errors.Is(err, runErr) || full != errors.Is(runErr, syscall.ENOSPC) {
			t.Errorf("error %v (disk full %v) of %v", err, full, runErr)
		}
		if len(kept) != 1 || len(names(dir)) != 1 || !strings.Contains(kept[0], ".partial-") {
			t.Errorf("kept %q, files %q: want the partial results alone", kept, names(dir))
		}
		if !strings.Contains(l.String(), "the outputs keep their partial names (not whole): "+kept[0]) {
			t.Errorf("logged %s", &l)
		}
	}
}

// fakePub records what a broker's publisher is given.
type fakePub struct {
	frames, results int
	events          []events.Event
	objects         []track.Event
}

func (p *fakePub) Write(*pipeline.Output) error  { p.frames++; return nil }
func (p *fakePub) Close() error                  { return nil }
func (p *fakePub) Event(e events.Event)          { p.events = append(p.events, e) }
func (p *fakePub) Result(*pipeline.Output) error { p.results++; return nil }
func (p *fakePub) ObjectEvent(e track.Event)     { p.objects = append(p.objects, e) }
func (p *fakePub) String() string {
	return fmt.Sprint(p.frames, p.results, len(p.events), len(p.objects))
}

var _ pipeline.ObjectPublisher = (*fakePub)(nil)

// TestFanOut: frames, results, label events and per-object events reach
// the publishers that asked for them and the events file; a detector's
// set has no label events; nil callbacks when nobody takes them.
func TestFanOut(t *testing.T) {
	dir := t.TempDir()
	a, b := &fakePub{}, &fakePub{}
	s, err := outputs.Open(outputs.Plan{Events: filepath.Join(dir, "e.jsonl")}, outputs.Options{Publishers: []outputs.Publisher{{Publisher: a, Results: true}, {Publisher: b}}})
	if err != nil {
		t.Fatal(err)
	}
	feed(t, s, 2)
	s.OnEvent()(events.Event{Type: events.Enter, Label: "cat"})
	if s.OnObjectEvent() != nil || s.OnBestFrame() != nil || s.Objects() != nil {
		t.Error("a classifier's set has per-object callbacks")
	}
	closeSinks(s)
	if a.String() != "2 2 1 0" || b.String() != "2 0 1 0" {
		t.Errorf("publishers got %s and %s (frames, results, events, objects)", a, b)
	}
	s.Finish(outputs.Outcome{})
	if e, _ := os.ReadFile(filepath.Join(dir, "e.jsonl")); !strings.Contains(string(e), `"cat"`) {
		t.Errorf("events file %q", e)
	}

	dir = t.TempDir()
	a = &fakePub{}
	s, err = outputs.Open(outputs.Plan{Events: filepath.Join(dir, "e.jsonl")}, outputs.Options{Camera: "door", Detector: true, Publishers: []outputs.Publisher{{Publisher: a}}})
	if err != nil {
		t.Fatal(err)
	}
	if s.OnEvent() != nil {
		t.Error("a detector's set takes label events")
	}
	var r pipeline.Result
	r.SetObjects([]detect.Object{{ID: 1, Label: "dog", Score: 0.8}})
	for _, k := range s.Sinks() {
		k.Write(&pipeline.Output{Result: &r})
	}
	s.OnObjectEvent()(track.Event{Type: track.Enter, ID: 1, Label: "dog"})
	closeSinks(s)
	s.Finish(outputs.Outcome{})
	if len(a.objects) != 1 || s.Objects().Frames() != 1 {
		t.Errorf("object events published %d, story frames %d", len(a.objects), s.Objects().Frames())
	}
	if e, _ := os.ReadFile(filepath.Join(dir, "e.jsonl")); !strings.Contains(string(e), `"door"`) || !strings.Contains(string(e), `"dog"`) {
		t.Errorf("object events file %q", e)
	}
}

// TestCutShort: only a regular file read short of its end by a signal
// is cut short.
func TestCutShort(t *testing.T) {
	f := filepath.Join(t.TempDir(), "clip.mp4")
	os.WriteFile(f, []byte("x"), 0o644)
	info := pipeline.SourceInfo{Frames: 100, FPS: 10}
	for _, c := range []struct {
		src  string
		loop bool
		in   int64
		want string
	}{
		{f, false, 40, "at 0:03.9 of 0:10.0"},
		{f, true, 40, ""},
		{f, false, 100, ""},
		{"rtsp://cam/1", false, 40, ""},
		{filepath.Dir(f), false, 40, ""},
	} {
		if got := outputs.CutShort(c.src, info, c.loop, c.in, 3900*time.Millisecond); got != c.want {
			t.Errorf("CutShort(%s, loop %v, %d) = %q, want %q", c.src, c.loop, c.in, got, c.want)
		}
	}
	if got := outputs.PartialReportName("out/r.html", "out/r.partial-ab12.jsonl"); got != "out/r.partial-ab12.html" {
		t.Errorf("PartialReportName: %s", got)
	}
	_ = outfile.ErrExists
}

// TestStoryAllocatesNothing: the story's sink, on every frame, allocates
// nothing once running (the objects' slice is reused).
func TestStoryAllocatesNothing(t *testing.T) {
	s, err := outputs.Open(outputs.Plan{}, outputs.Options{Detector: true})
	if err != nil {
		t.Fatal(err)
	}
	sink := s.Sinks()[len(s.Sinks())-1]
	var r pipeline.Result
	r.SetObjects([]detect.Object{{ID: 1, Label: "dog", Score: 0.8}, {ID: 2, Label: "cat", Score: 0.7}})
	o := &pipeline.Output{Result: &r}
	sink.Write(o)
	if a := testing.AllocsPerRun(100, func() {
		r.PTS += 100 * time.Millisecond
		sink.Write(o)
	}); a != 0 {
		t.Errorf("%v allocations a frame", a)
	}
}
