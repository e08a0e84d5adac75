package batch

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/livecam/livecam/sink/jsonl"
)

// damaged is how corrupt.mp4 ends in these tests: early, at 0:04.9 of 24 s.
var damaged = jsonl.Ending{Early: true, At: 4900 * time.Millisecond, Of: 24 * time.Second, Reason: "damaged file"}

// rerun runs jobs as a batch (Resume unless overwrite) whose fake run
// writes finished outputs; a source named corrupt.mp4 ends early
// (damaged), its closing line saying so as livecam's does. It returns
// RunEach's error, its lines, the table and the sources run.
func rerun(t *testing.T, jobs []Job, overwrite bool) (err error, log, table string, ran []string) {
	t.Helper()
	var l, tb strings.Builder
	err = RunEach(jobs, func(j Job) (Summary, error) {
		ran = append(ran, filepath.Base(j.Source))
		sum := Summary{Frames: 25, Duration: time.Second, Seen: "seashore"}
		if filepath.Base(j.Source) == "corrupt.mp4" {
			sum = Summary{Frames: 147, Duration: 4900 * time.Millisecond, Seen: "tiger", Ended: damaged}
		}
		end := jsonl.End{Frames: sum.Frames, Duration: sum.Duration, Source: j.Source, Seen: sum.Seen, Ended: sum.Ended}
		body := strings.Repeat(resultLine, int(sum.Frames)) + string(jsonl.AppendEnd(nil, end))
		for p, b := range map[string]string{j.Out: "video", j.Report: "<html>", j.Results: body} {
			if err := os.WriteFile(p, []byte(b), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return sum, nil
	}, Options{
		Logf:    func(format string, a ...any) { fmt.Fprintf(&l, format+"\n", a...) },
		Signals: make(chan os.Signal, 1),
		Resume:  !overwrite,
		Table:   &tb,
	})
	return err, l.String(), tb.String(), ran
}

// TestRerunEndedEarly: the folder-of-videos user's damaged file ended
// early on the first run (exit status 3). Run again with a new video,
// the batch does not redo it (the same file ends at the same place) but
// says so, in the skip line, the table and the last line, and its
// status stays ErrCutShort while the batch holds it, so that a script
// running the batch every night keeps seeing it; -overwrite redoes it.
func TestRerunEndedEarly(t *testing.T) {
	t.Chdir(t.TempDir()) // short names: the table has room for the status
	dir := "."
	jobs := folder(t, dir, "a.mp4", "corrupt.mp4")
	err, log, table, _ := rerun(t, jobs, false)
	if !errors.Is(err, ErrCutShort) {
		t.Fatalf("first run: %v, want ErrCutShort:\n%s", err, log)
	}
	want(t, table, "damaged file at 0:04.9 of 0:24.0")
	if f, err := Inspect(jobs[1]); err != nil || !f.Done || f.End.Ended != damaged {
		t.Fatalf("Inspect of the damaged file's outputs = %+v, %v; want done, ended early", f, err)
	}

	corrupt := filepath.Join(dir, "videos", "corrupt.mp4")
	jobs = folder(t, dir, "c.mp4")
	err, log, table, ran := rerun(t, jobs, false)
	if strings.Join(ran, " ") != "c.mp4" {
		t.Errorf("rerun ran %v; want c.mp4 alone", ran)
	}
	if !errors.Is(err, ErrCutShort) {
		t.Errorf("rerun: %v, want ErrCutShort: a source of the batch ended early", err)
	}
	want(t, log, "2 already done ("+corrupt+" ended early at 0:04.9 of 0:24.0: damaged file; -overwrite redoes it), 1 new\n",
		"1 of 1 new sources done in", "(2 already done, 1 ended early)\n")
	row := rowOf(table, "corrupt.mp4")
	if !strings.Contains(row, "skipped: damaged file at 0:04.9 of 0:24.0") || !strings.Contains(row, "147") || !strings.Contains(row, "tiger") {
		t.Errorf("the damaged file's row on the rerun: %q\n%s", row, table)
	}
	if row := rowOf(table, "a.mp4"); !strings.Contains(row, "skipped: already done") {
		t.Errorf("a whole file's row on the rerun: %q", row)
	}

	// Nothing new: still said, still status 3.
	err, log, _, ran = rerun(t, jobs, false)
	if len(ran) != 0 || !errors.Is(err, ErrCutShort) {
		t.Errorf("third run: %v after running %v", err, ran)
	}
	want(t, log, "3 already done (", "nothing new: all 3 sources were done already (1 ended early)\n")

	// -overwrite redoes everything, the damaged file too.
	err, _, _, ran = rerun(t, jobs, true)
	if len(ran) != 3 || !errors.Is(err, ErrCutShort) {
		t.Errorf("-overwrite: %v after running %v", err, ran)
	}

	// Once the damaged file leaves the batch, the batch is whole again.
	if err, log, _, _ := rerun(t, jobs[:1], false); err != nil || strings.Contains(log, "early") {
		t.Errorf("a batch without the damaged file: %v\n%s", err, log)
	}
}

// rowOf is the table's line of the source whose name ends with name.
func rowOf(table, name string) string {
	for _, l := range strings.Split(table, "\n") {
		if f := strings.Fields(l); len(f) > 0 && strings.HasSuffix(f[0], name) {
			return l
		}
	}
	return ""
}

// TestSkippedString: the skip line names the sources that ended early,
// at most three, and the flag that redoes them.
func TestSkippedString(t *testing.T) {
	j := func(name string) Job { return Job{Source: name} }
	whole, early := Found{Done: true}, Found{Done: true, End: jsonl.End{Ended: damaged}}
	var s Skipped
	if s.String() != "0 already done" {
		t.Errorf("nothing skipped: %q", s.String())
	}
	s.Add(j("a.mp4"), whole)
	s.Add(j("b.mp4"), whole)
	if got := s.String(); got != "2 already done" {
		t.Errorf("whole ones: %q", got)
	}
	s.Add(j("c\x1b.mp4"), early)
	if got, want := s.String(), `3 already done (c\x1b.mp4 ended early at 0:04.9 of 0:24.0: damaged file; -overwrite redoes it)`; got != want {
		t.Errorf("String = %q, want %q", got, want)
	}
	s.Redo = "--again"
	for _, n := range []string{"d.mp4", "e.mp4", "f.mp4"} {
		s.Add(j(n), early)
	}
	if got, want := s.String(), `6 already done (c\x1b.mp4 ended early at 0:04.9 of 0:24.0: damaged file; d.mp4 ended early at 0:04.9 of 0:24.0: damaged file; e.mp4 ended early at 0:04.9 of 0:24.0: damaged file; 1 more ended early; --again redoes them)`; got != want {
		t.Errorf("String = %q, want %q", got, want)
	}
}
