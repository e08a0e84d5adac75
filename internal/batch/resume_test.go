package batch

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/livecam/livecam/internal/runctl"
	"github.com/livecam/livecam/sink/jsonl"
)

const resultLine = `{"frame":0,"pts_ms":0.0,"top":[{"class":1,"label":"a","score":0.5000}],"inferred":true,"latency_ms":1.0,"dropped":0}` + "\n"

// finish writes j's outputs as a whole run of livecam's leaves them:
// the video and report, and results of frames lines ending with their
// closing line.
func finish(t testing.TB, j Job, frames int64) {
	t.Helper()
	body := strings.Repeat(resultLine, int(frames)) + string(jsonl.AppendEnd(nil, jsonl.End{Frames: frames, Duration: time.Duration(frames) * 40 * time.Millisecond, Source: j.Source, Seen: "seashore"}))
	for p, b := range map[string]string{j.Out: "video", j.Report: "<html>", j.Results: body} {
		if p == "" {
			continue
		}
		if err := os.WriteFile(p, []byte(b), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// folder makes a folder of videos named names, and the jobs of a batch
// of it writing into out.
func folder(t *testing.T, dir string, names ...string) []Job {
	t.Helper()
	videos, out := filepath.Join(dir, "videos"), filepath.Join(dir, "out")
	os.MkdirAll(videos, 0o755)
	os.MkdirAll(out, 0o755)
	for _, n := range names {
		if err := os.WriteFile(filepath.Join(videos, n), []byte("not really a video"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	sources, _, err := Expand([]string{videos})
	if err != nil {
		t.Fatal(err)
	}
	jobs, err := Name(sources, out, "")
	if err != nil {
		t.Fatal(err)
	}
	return jobs
}

// batchRun runs jobs with Resume as given; the fake run writes whole
// outputs, 25 frames each. It returns RunEach's error, its lines, the
// table and the sources run.
func batchRun(t *testing.T, jobs []Job, resume bool) (error, string, string, []string) {
	t.Helper()
	var log, table strings.Builder
	var ran []string
	now := time.Unix(0, 0)
	err := RunEach(jobs, func(j Job) (Summary, error) {
		ran = append(ran, filepath.Base(j.Source))
		finish(t, j, 25)
		return Summary{Frames: 25, Duration: time.Second, Seen: "seashore"}, nil
	}, Options{
		Logf:    func(format string, a ...any) { fmt.Fprintf(&log, format+"\n", a...) },
		Signals: make(chan os.Signal, 1),
		Explain: func(err error) error { return fmt.Errorf("%w; pass -overwrite to replace it", err) },
		Now:     func() time.Time { now = now.Add(500 * time.Millisecond); return now },
		Resume:  resume,
		Table:   &table,
	})
	return err, log.String(), table.String(), ran
}

// TestResumeNewFile: the folder-of-videos user adds a video and runs the
// same batch again: only the new one runs, and the batch says so.
func TestResumeNewFile(t *testing.T) {
	dir := t.TempDir()
	jobs := folder(t, dir, "a.mp4", "b.mp4", "c.mp4", "d.mp4")
	if err, _, _, ran := batchRun(t, jobs, true); err != nil || len(ran) != 4 {
		t.Fatalf("first run: %v after %v", err, ran)
	}
	jobs = folder(t, dir, "e.mp4")
	err, log, table, ran := batchRun(t, jobs, true)
	if err != nil || strings.Join(ran, " ") != "e.mp4" {
		t.Errorf("rerun: %v after running %v; want e.mp4 alone", err, ran)
	}
	want(t, log, "4 already done, 1 new\n", "[1/1] "+filepath.Join(dir, "videos", "e.mp4")+": done in 0.5s",
		"1 of 1 new sources done in 1.5s (4 already done)\n")
	if strings.Index(log, "already done, 1 new") > strings.Index(log, "[1/1]") {
		t.Errorf("the skipped sources are told after the batch began:\n%s", log)
	}
	if n := strings.Count(table, "skipped: already done"); n != 4 || strings.Count(table, "  done  ") != 1 {
		t.Errorf("the table of the rerun:\n%s", table)
	}
	// A third run has nothing to do.
	err, log, _, ran = batchRun(t, jobs, true)
	if err != nil || len(ran) != 0 {
		t.Errorf("third run: %v after running %v", err, ran)
	}
	want(t, log, "5 already done, 0 new\n", "nothing new: all 5 sources were done already\n")
}

// TestOverwriteRedoesAll: without Resume (-overwrite), every job runs,
// done or not.
func TestOverwriteRedoesAll(t *testing.T) {
	jobs := folder(t, t.TempDir(), "a.mp4", "b.mp4", "c.mp4")
	for _, j := range jobs {
		finish(t, j, 10)
	}
	err, log, _, ran := batchRun(t, jobs, false)
	if err != nil || len(ran) != 3 || strings.Contains(log, "already done") {
		t.Errorf("overwrite: %v after running %v:\n%s", err, ran, log)
	}
}

// TestNotDone: outputs that are not those of a whole run are never taken
// for done: results without their closing line (a foreign file, a file
// from before closing lines, a run cut short), a closing line that is
// not last, a missing output, an output without its results. Partial
// files are neither done nor in the way.
func TestNotDone(t *testing.T) {
	for _, tc := range []struct {
		name    string
		make    func(j Job)
		inWay   string // the output named, "" for none
		why     string
		blocked bool
	}{
		{"no closing line", func(j Job) { finish(t, j, 3); os.WriteFile(j.Results, []byte(resultLine), 0o644) }, "results", "no closing line", true},
		{"foreign", func(j Job) { finish(t, j, 3); os.WriteFile(j.Results, []byte("name,score\nx,1\n"), 0o644) }, "results", "no closing line", true},
		{"line after closing", func(j Job) {
			finish(t, j, 3)
			b, _ := os.ReadFile(j.Results)
			os.WriteFile(j.Results, append(b, resultLine...), 0o644)
		}, "results", "no closing line", true},
		{"video missing", func(j Job) { finish(t, j, 3); os.Remove(j.Out) }, "results", "a.mp4 is missing", true},
		{"results missing", func(j Job) { finish(t, j, 3); os.Remove(j.Results) }, "out", "a.jsonl is missing", true},
		{"partial files", func(j Job) {
			base := strings.TrimSuffix(j.Results, ".jsonl")
			os.WriteFile(base+".partial-123.jsonl", []byte(resultLine), 0o644)
			os.WriteFile(base+".partial-456.mp4", []byte("video"), 0o644)
		}, "", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			jobs := folder(t, t.TempDir(), "a.mp4")
			j := jobs[0]
			tc.make(j)
			f, err := Inspect(j)
			if err != nil || f.Done {
				t.Fatalf("Inspect = %+v, %v: taken for done", f, err)
			}
			named := map[string]string{"results": j.Results, "out": j.Out, "": ""}[tc.inWay]
			if f.Unfinished != named || !strings.Contains(f.Why, tc.why) {
				t.Errorf("Inspect = %+v; want %q in the way: %q", f, named, tc.why)
			}
			err, log, _, ran := batchRun(t, jobs, true)
			if !tc.blocked {
				if err != nil || len(ran) != 1 {
					t.Errorf("Run = %v after running %v", err, ran)
				}
				return
			}
			if !errors.Is(err, ErrFailed) || len(ran) != 0 {
				t.Errorf("Run = %v after running %v; want ErrFailed, nothing run", err, ran)
			}
			msg := named + ": exists, and is not a finished livecam output (" + f.Why + "): pass -overwrite to replace it\n"
			want(t, log, "0 already done, 0 new, 1 in the way", "FAILED: "+msg)
			if strings.Count(log, "pass -overwrite") != 1 {
				t.Errorf("the advice is given %d times:\n%s", strings.Count(log, "pass -overwrite"), log)
			}
		})
	}
}

// TestDone: a whole run's outputs are done, with its closing line.
func TestDone(t *testing.T) {
	jobs := folder(t, t.TempDir(), "a.mp4")
	if done, err := Done(jobs[0]); done || err != nil {
		t.Errorf("Done of a job with no outputs = %v, %v", done, err)
	}
	finish(t, jobs[0], 7)
	f, err := Inspect(jobs[0])
	if !f.Done || err != nil || f.End.Frames != 7 || f.End.Seen != "seashore" {
		t.Errorf("Inspect of a finished job = %+v, %v", f, err)
	}
}

// TestEndTable: the table at the end of a batch: a row per source in
// the jobs' order, with its frames, duration, speed, how it ended and
// what was seen most; aligned, at most TableWidth columns, long names
// shortened in the middle and escaped.
func TestEndTable(t *testing.T) {
	t.Chdir(t.TempDir())
	long := "d" + strings.Repeat(" very long name", 8) + " end.mp4"
	jobs := folder(t, ".", "a.mp4", "b.mp4", "corrupt.mp4", long, "e\x1b.mp4", "f.mp4", "g.mp4")
	finish(t, jobs[0], 600) // a.mp4: done before
	sigs := make(chan os.Signal, 1)
	var log, table strings.Builder
	now := time.Unix(0, 0)
	err := RunEach(jobs, func(j Job) (Summary, error) {
		switch filepath.Base(j.Source) {
		case "b.mp4":
			return Summary{Frames: 250, Duration: 10 * time.Second, Seen: "tabby, tabby cat"}, nil
		case "corrupt.mp4":
			return Summary{Frames: 122, Duration: 4900 * time.Millisecond, Seen: "seashore", Ended: jsonl.Ending{Early: true, At: 4900 * time.Millisecond, Of: 24 * time.Second, Reason: "damaged file"}}, nil
		case long:
			return Summary{}, errors.New(j.Source + ": moov atom not found\nand a second line")
		case "e\x1b.mp4":
			return Summary{Frames: 3000, Duration: 2 * time.Minute, Seen: "pelican"}, nil
		case "f.mp4":
			sigs <- os.Interrupt
			return Summary{Frames: 50, Duration: 2 * time.Second}, &runctl.StopError{At: "at 0:02.0 of 0:10.0"}
		}
		t.Errorf("%s ran", j.Source)
		return Summary{}, nil
	}, Options{
		Logf:    func(format string, a ...any) { fmt.Fprintf(&log, format+"\n", a...) },
		Signals: sigs,
		Now:     func() time.Time { now = now.Add(5 * time.Second); return now },
		Resume:  true,
		Table:   &table,
	})
	var se *runctl.StopError
	if !errors.As(err, &se) {
		t.Errorf("RunEach = %v, want a StopError", err)
	}
	wantTable := `source                       frames  duration  frames/s  status                            seen most
videos/a.mp4                 600     0:24.0    -         skipped: already done             seashore
videos/b.mp4                 250     0:10.0    50.0      done                              tabby
videos/corrupt.mp4           122     0:04.9    24.4      damaged file at 0:04.9 of 0:24.0  seashore
videos/d very… name end.mp4  -       -         -         failed: moov atom not found       -
videos/e\x1b.mp4             3000    2:00.0    600.0     done                              pelican
videos/f.mp4                 50      0:02.0    10.0      stopped at 0:02.0 of 0:10.0       -
videos/g.mp4                 -       -         -         not started                       -
`
	if got := table.String(); got != wantTable {
		t.Errorf("table:\n%swant:\n%s", got, wantTable)
	}
	lines := strings.Split(strings.TrimSuffix(table.String(), "\n"), "\n")
	if len(lines) != 8 {
		t.Fatalf("%d lines, want a header and 7 rows:\n%s", len(lines), table.String())
	}
	for _, l := range lines {
		if n := utf8.RuneCountInString(l); n > TableWidth || strings.HasSuffix(l, " ") || strings.ContainsRune(l, '\x1b') {
			t.Errorf("a line of %d columns, trailing spaces or a control character: %q", n, l)
		}
	}
	want(t, log.String(), "1 already done, 6 new\n", "[3/6] ", "CUT SHORT: ended at 0:04.9 of 0:24.0: damaged file (5.0s)",
		"2 of 6 new sources done in", "(1 already done), 1 cut short, 1 stopped by signal, 1 failed, 1 not started\n")
}

// TestMiddle: shortening keeps both ends, to the width asked.
func TestMiddle(t *testing.T) {
	for _, tc := range []struct {
		in   string
		n    int
		want string
	}{
		{"beach.mp4", 20, "beach.mp4"},
		{"beach-day-one.mp4", 9, "beac….mp4"},
		{"東京の海辺の動画.mp4", 7, "東京の…mp4"},
		{"abc", 1, "a"},
	} {
		if got := middle(tc.in, tc.n); got != tc.want {
			t.Errorf("middle(%q, %d) = %q, want %q", tc.in, tc.n, got, tc.want)
		}
	}
}

// TestCutShortStatus: a batch in which a source ended early, none failed
// nor was stopped, returns ErrCutShort, whose exit status is
// CutShortStatus (no other status the command gives).
func TestCutShortStatus(t *testing.T) {
	jobs := folder(t, t.TempDir(), "a.mp4", "b.mp4")
	err := RunEach(jobs, func(j Job) (Summary, error) {
		if filepath.Base(j.Source) == "b.mp4" {
			return Summary{Frames: 3, Ended: jsonl.Ending{Early: true, At: 100 * time.Millisecond, Of: 24 * time.Second}}, nil
		}
		return Summary{Frames: 25}, nil
	}, Options{Signals: make(chan os.Signal, 1)})
	if !errors.Is(err, ErrCutShort) {
		t.Fatalf("RunEach = %v, want ErrCutShort", err)
	}
	var s interface{ ExitStatus() int }
	if !errors.As(fmt.Errorf("livecam: %w", err), &s) || s.ExitStatus() != CutShortStatus {
		t.Errorf("ErrCutShort has no exit status %d", CutShortStatus)
	}
	if CutShortStatus == 0 || CutShortStatus == 1 || CutShortStatus == 2 || CutShortStatus == runctl.QuitStatus {
		t.Errorf("CutShortStatus %d is another outcome's status", CutShortStatus)
	}
}
