package mainjob

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/livecam/livecam/internal/batch"
	"github.com/livecam/livecam/internal/testrig/shareddata"
	"github.com/livecam/livecam/sink/jsonl"
)

// makeVideos writes into dir a whole video (2 s of 15 frames a second)
// and a damaged one: 6 s, its index first (as a camera's files have
// it, so that its frame count survives), cut after half its bytes.
func makeVideos(t *testing.T, dir string) (whole, cut string) {
	t.Helper()
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		shareddata.Need(t, "no ffmpeg: %v", err)
	}
	whole, cut = filepath.Join(dir, "whole.mp4"), filepath.Join(dir, "cut.mp4")
	full := filepath.Join(t.TempDir(), "full.mp4")
	for _, v := range []struct {
		path string
		secs string
	}{{whole, "2"}, {full, "6"}} {
		cmd := exec.Command("ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc=size=96x64:rate=15", "-t", v.secs, "-g", "5", "-pix_fmt", "yuv420p", "-movflags", "+faststart", v.path)
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("ffmpeg: %v: %s", err, b)
		}
	}
	data, err := os.ReadFile(full)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cut, data[:len(data)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	return whole, cut
}

// probeFrames counts the frames of video with ffprobe.
func probeFrames(t *testing.T, video string) int64 {
	t.Helper()
	out, err := exec.Command("ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0", "-show_entries", "stream=nb_read_frames", "-of", "csv=p=0", video).Output()
	if err != nil {
		t.Fatalf("ffprobe %s: %v", video, err)
	}
	n, err := strconv.ParseInt(strings.TrimSpace(string(out)), 10, 64)
	if err != nil {
		t.Fatalf("ffprobe %s: %q", video, out)
	}
	return n
}

// TestBatchCountsAgree: a folder of a whole video and a damaged one, run
// as a batch: for each, the frames read are those processed plus those
// dropped, and the frames processed are the same number in the summary
// line, the "wrote N frames" line, the annotated video, the end table,
// the results lines, the closing line and the report. The damaged one
// ended early: its closing line (complete, not whole), its row and its
// report say where and why, and the batch's status is ErrCutShort.
func TestBatchCountsAgree(t *testing.T) {
	if testing.Short() {
		t.Skip("two videos through the real model")
	}
	in, out := t.TempDir(), t.TempDir()
	makeVideos(t, in)
	whole, cut := "whole.mp4", "cut.mp4"
	var stderr bytes.Buffer
	s := Defaults()
	s.Verbose = true // the summary line of each source, in a batch too
	s.Sources, s.OutDir = []string{"."}, out
	r := newRunner(t, s, &stderr)
	// The runners of the reruns, made before the folder changes (the
	// shared models are found from the module's folder).
	reruns := map[bool]*Runner{}
	for _, quiet := range []bool{true, false} {
		rs := s
		rs.Quiet, rs.Verbose = quiet, false
		reruns[quiet] = newRunner(t, rs, &stderr)
	}
	t.Chdir(in) // short names: the end table shows them whole
	jobs, err := Plan(&s, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Batch(jobs); !errors.Is(err, batch.ErrCutShort) {
		t.Fatalf("Batch = %v, want ErrCutShort:\n%s", err, stderr.String())
	}
	log := stderr.String()
	summaries := regexp.MustCompile(`(?m)^frames: (\d+) in, (\d+) out, (\d+) dropped`).FindAllStringSubmatch(log, -1)
	wrote := regexp.MustCompile(`wrote (\d+) frames to (\S+)`).FindAllStringSubmatch(log, -1)
	if n := strings.Count(log, "frames: "); len(summaries) != 2 || len(wrote) != 2 || n != 2 { // -v printed each summary twice, once escaped
		t.Fatalf("%d summary lines (%d counts in all) and %d \"wrote\" lines, want 2 of each:\n%s", len(summaries), n, len(wrote), log)
	}
	num := func(s string) int64 { n, _ := strconv.ParseInt(s, 10, 64); return n }
	var cutEnd jsonl.End
	for i, src := range []string{cut, whole} { // the folder's order
		base := filepath.Join(out, strings.TrimSuffix(filepath.Base(src), ".mp4"))
		frIn, processed, dropped := num(summaries[i][1]), num(summaries[i][2]), num(summaries[i][3])
		if frIn != processed+dropped || processed == 0 {
			t.Errorf("%s: %d frames in, %d processed + %d dropped", src, frIn, processed, dropped)
		}
		if w := num(wrote[i][1]); w != processed || wrote[i][2] != base+".mp4" {
			t.Errorf("%s: wrote %d frames to %s; %d processed", src, w, wrote[i][2], processed)
		}
		if n := probeFrames(t, base+".mp4"); n != processed {
			t.Errorf("%s: the annotated video has %d frames; %d processed", src, n, processed)
		}
		lines := readResultLines(t, base+".jsonl")
		end, err := jsonl.ReadEnd(base + ".jsonl")
		if err != nil || end.Frames != processed || int64(len(lines)) != processed {
			t.Errorf("%s: %d result lines, closing line %+v, %v; %d processed", src, len(lines), end, err, processed)
		}
		row := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(src) + ` +(\d+) `).FindStringSubmatch(log)
		if row == nil || num(row[1]) != processed {
			t.Errorf("%s: the end table's row %q; %d processed:\n%s", src, row, processed, log)
		}
		html, err := os.ReadFile(base + ".html")
		if err != nil || !strings.Contains(string(html), "<b>"+strconv.FormatInt(processed, 10)+"</b>frames") {
			t.Errorf("%s: the report does not count %d frames (%v)", src, processed, err)
		}
		said := strings.Contains(string(html), `id="ended"`)
		if src == whole && (end.Ended.Early || said || frIn != 30) {
			t.Errorf("%s: %d frames in, its closing line %+v, its report says it ended early: %v", src, frIn, end, said)
		}
		if src == cut {
			cutEnd = end
			if e := end.Ended; !e.Early || e.Reason != "damaged file" || e.Of != 6*time.Second || e.At <= 0 || e.At >= 6*time.Second || frIn >= 90 {
				t.Errorf("the damaged file: %d frames in, its closing line %+v", frIn, end)
			}
			if !said || !strings.Contains(string(html), "the source "+end.Ended.String()) {
				t.Errorf("the damaged file's report does not say %q", end.Ended)
			}
			if !strings.Contains(log, src+": CUT SHORT: "+end.Ended.String()) || !regexp.MustCompile(`cut\.mp4 .* damaged file at 0:0\d\.\d of 0:06\.0`).MatchString(log) {
				t.Errorf("the damaged file's line or row:\n%s", log)
			}
		}
	}
	// The same batch again, under -quiet: nothing runs; the damaged
	// file is not redone but said, and the status stays ErrCutShort; no
	// end table (-quiet: no end summary).
	for _, quiet := range []bool{true, false} {
		stderr.Reset()
		err := reruns[quiet].Batch(jobs)
		log := stderr.String()
		if !errors.Is(err, batch.ErrCutShort) || !strings.Contains(log, "livecam: 2 already done (cut.mp4 ended early "+strings.TrimPrefix(cutEnd.Ended.String(), "ended ")+"; -overwrite redoes it), 0 new\n") ||
			!strings.Contains(log, "nothing new: all 2 sources were done already (1 ended early)") {
			t.Errorf("rerun (quiet %v): %v:\n%s", quiet, err, log)
		}
		if table := strings.Contains(log, "frames/s"); table == quiet {
			t.Errorf("rerun (quiet %v): the end table printed: %v:\n%s", quiet, table, log)
		}
		row := regexp.MustCompile(`(?m)^cut\.mp4 +(\d+) .* skipped: damaged file at 0:0\d\.\d of 0:06\.0 `).FindStringSubmatch(log)
		if !quiet && (row == nil || num(row[1]) != cutEnd.Frames) {
			t.Errorf("rerun: the damaged file's row:\n%s", log)
		}
	}
}

// readResultLines returns the frame lines of the results file path (its
// closing line left out).
func readResultLines(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, l := range strings.Split(strings.TrimSuffix(string(b), "\n"), "\n") {
		if !jsonl.IsEnd([]byte(l)) {
			lines = append(lines, l)
		}
	}
	return lines
}
