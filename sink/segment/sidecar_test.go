package segment_test

import (
	"bufio"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/livecam/livecam/classify"
	"github.com/livecam/livecam/events"
	"github.com/livecam/livecam/sink/jsonl"
	"github.com/livecam/livecam/sink/segment"
)

// labelled gives the camera's frames a result worth a long line: five
// classes with long labels, "tabby cat" first.
func labelled(c *camera) {
	top := []classify.Prediction{{Class: 281, Label: "tabby cat"}}
	for i := range 4 {
		top = append(top, classify.Prediction{Class: 300 + i, Label: strings.Repeat("a long label of a class ", 3), Score: 0.1})
	}
	top[0].Score = 0.5
	c.o.Result.SetTop(top)
}

// readLines returns the lines of a JSON lines file, each decoded.
func readLines(t *testing.T, path string) []map[string]json.RawMessage {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines []map[string]json.RawMessage
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var m map[string]json.RawMessage
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("%s: %q: %v", path, sc.Text(), err)
		}
		lines = append(lines, m)
	}
	return lines
}

// TestSidecarsFollowSegments: each segment has its results and events
// beside it, covering its frames (an event in the file of the segment
// being written when it came; one that came before the first frame, or
// after an outage longer than the segment, in the next frame's; those of
// the run's end in the last); each finished results file ends with its
// closing line; no frame is in two files or none.
func TestSidecarsFollowSegments(t *testing.T) {
	needFFmpeg(t)
	dir := t.TempDir()
	clk := newClock(time.Date(2026, 12, 1, 15, 30, 0, 0, time.Local))
	r, err := segment.New(segment.Options{Dir: dir, Camera: "cam", Length: 2 * time.Second, Now: clk.Now, Sidecars: true, Source: "rtsp://cam/1"})
	if err != nil {
		t.Fatal(err)
	}
	c := newCamera(clk, 64, 48)
	defer c.close()
	labelled(c)
	for i := range 125 {
		switch i {
		case 0, 60, 110: // as the pipeline does: before the frame that gave them
			r.Event(events.Event{Type: events.Enter, Label: "tabby cat", Start: time.Duration(i) * 40 * time.Millisecond})
		case 75: // an outage: no frame for 5 s, and the pipeline says what left
			clk.Add(5 * time.Second)
			r.Event(events.Event{Type: events.Leave, Label: "tabby cat", End: 3 * time.Second})
		}
		c.write(t, r, 1)
	}
	r.Event(events.Event{Type: events.Leave, Label: "tabby cat", End: 5 * time.Second}) // the run's end
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	r.Event(events.Event{Type: events.Enter, Label: "after Close"})
	day := filepath.Join(dir, "cam", "2026-12-01")
	var want []string
	for _, s := range []string{"15-30-00", "15-30-02", "15-30-08"} {
		want = append(want, "cam/2026-12-01/"+s+".events.jsonl", "cam/2026-12-01/"+s+".mp4", "cam/2026-12-01/"+s+".results.jsonl")
	}
	if got := tree(t, dir); !slices.Equal(got, append([]string{"cam/.lock"}, want...)) {
		t.Fatalf("files %q, want %q", got, want)
	}
	segs, err := r.Segments()
	if err != nil || len(segs) != 3 {
		t.Fatalf("segments %+v, %v", segs, err)
	}
	next := 0 // the next frame number
	for i, s := range segs {
		if s.Results != strings.TrimSuffix(s.Path, ".mp4")+".results.jsonl" || s.Events != strings.TrimSuffix(s.Path, ".mp4")+".events.jsonl" {
			t.Errorf("segment %s: sidecars %q %q", s.Path, s.Results, s.Events)
		}
		frames, _, _ := probe(t, s.Path)
		end, err := jsonl.ReadEnd(s.Results)
		if err != nil {
			t.Fatal(err)
		}
		if end.Frames != int64(frames) || end.Source != "rtsp://cam/1" || end.Seen != "tabby cat" {
			t.Errorf("%s: closing line %+v, want %d frames (the video's) of rtsp://cam/1, tabby cat seen", s.Results, end, frames)
		}
		lines := readLines(t, s.Results)
		for _, l := range lines[:len(lines)-1] {
			if string(l["frame"]) != itoa(next) {
				t.Fatalf("%s: frame %s, want %d", s.Results, l["frame"], next)
			}
			next++
		}
		evs := readLines(t, s.Events)
		wantEvents := []int{1, 1, 3}[i]
		if len(evs) != wantEvents {
			t.Errorf("%s: %d events, want %d", s.Events, len(evs), wantEvents)
		}
		st, _ := os.Stat(s.Path)
		rs, _ := os.Stat(s.Results)
		es, _ := os.Stat(s.Events)
		if s.Size != st.Size()+rs.Size()+es.Size() {
			t.Errorf("%s: size %d, want the three files' %d", s.Path, s.Size, st.Size()+rs.Size()+es.Size())
		}
	}
	if next != 125 {
		t.Errorf("%d frames in the results files, want 125", next)
	}
	if b, _ := os.ReadFile(filepath.Join(day, "15-30-08.events.jsonl")); strings.Count(string(b), `"leave"`) != 2 || strings.Contains(string(b), "after Close") {
		t.Errorf("the last events file: %s; want the outage's and the run's end's leave, nothing after Close", b)
	}
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// sidecarSegmentSize returns the bytes a 2 s segment of labelled 64x48
// frames and its sidecars take: the sidecars most of it.
func sidecarSegmentSize(t *testing.T) (total, video int64) {
	clk := newClock(time.Date(2026, 12, 1, 15, 0, 0, 0, time.Local))
	r, err := segment.New(segment.Options{Dir: t.TempDir(), Camera: "cam", Now: clk.Now, Sidecars: true})
	if err != nil {
		t.Fatal(err)
	}
	c := newCamera(clk, 64, 48)
	defer c.close()
	labelled(c)
	for range 50 {
		r.Event(events.Event{Type: events.Enter, Label: "tabby cat"})
		c.write(t, r, 1)
	}
	r.Close()
	segs, _ := r.Segments()
	st, _ := os.Stat(segs[0].Path)
	return segs[0].Size, st.Size()
}

// TestSidecarsRetainedWithSegments: under a size budget the sidecars
// count (they are most of the bytes here) and go with their segments:
// the camera's folder stays within the budget, and no sidecar outlives
// its video.
func TestSidecarsRetainedWithSegments(t *testing.T) {
	needFFmpeg(t)
	seg, video := sidecarSegmentSize(t)
	if video*2 > seg {
		t.Fatalf("a segment of %d bytes has a video of %d: the sidecars should be most of it", seg, video)
	}
	budget := 3*seg + seg/2
	dir := t.TempDir()
	clk := newClock(time.Date(2026, 12, 1, 15, 30, 0, 0, time.Local))
	r, err := segment.New(segment.Options{Dir: dir, Camera: "cam", Length: 2 * time.Second, KeepBytes: budget, Now: clk.Now, Sidecars: true})
	if err != nil {
		t.Fatal(err)
	}
	c := newCamera(clk, 64, 48)
	defer c.close()
	labelled(c)
	for i := range 12 * 50 {
		r.Event(events.Event{Type: events.Enter, Label: "tabby cat"})
		c.write(t, r, 1)
		if used := du(t, filepath.Join(dir, "cam")); used > budget+seg/2 {
			t.Fatalf("frame %d: %d bytes on disk, budget %d and half a segment", i, used, budget)
		}
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if used := du(t, filepath.Join(dir, "cam")); used > budget {
		t.Errorf("%d bytes on disk after Close, budget %d", used, budget)
	}
	files := tree(t, filepath.Join(dir, "cam"))
	videos := 0
	for _, f := range files {
		if strings.HasSuffix(f, ".mp4") {
			videos++
			continue
		}
		stem := strings.TrimSuffix(strings.TrimSuffix(f, ".results.jsonl"), ".events.jsonl")
		if f != ".lock" && !slices.Contains(files, stem+".mp4") {
			t.Errorf("%s outlived its segment (files %q)", f, files)
		}
	}
	if videos < 2 || videos > 4 {
		t.Errorf("%d segments kept (files %q), want 3 or so", videos, files)
	}
}

// TestStaleSidecarsKept: a run that stopped leaves its segment's
// sidecars under partial names; New keeps them as the cut segment's
// (a results file without its closing line: recognisably partial), a
// sidecar whose video is gone too, and removes the empty ones.
func TestStaleSidecarsKept(t *testing.T) {
	needFFmpeg(t)
	dir := t.TempDir()
	clk := newClock(time.Date(2026, 12, 1, 15, 20, 0, 0, time.Local))
	day := filepath.Join(dir, "cam", "2026-12-01")
	plant(t, filepath.Join(day, "15-20-00.partial-1.mp4"), "not quite a video", clk.Now())
	plant(t, filepath.Join(day, "15-20-00.results.partial-2.jsonl"), "{\"frame\":0}\n{\"frame\":1}\n{\"fra", clk.Now())
	plant(t, filepath.Join(day, "15-20-00.events.partial-3.jsonl"), "", clk.Now())
	plant(t, filepath.Join(day, "15-21-00.partial-4.mp4"), "", clk.Now())
	plant(t, filepath.Join(day, "15-21-00.results.partial-5.jsonl"), "{\"frame\":0}\n", clk.Now())
	plant(t, filepath.Join(day, "15-22-00.results.jsonl.partial-6"), "not a layout name", clk.Now())
	r, err := segment.New(segment.Options{Dir: dir, Camera: "cam", Now: clk.Now, Sidecars: true})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	want := []string{"cam/.lock", "cam/2026-12-01/15-20-00.cut.mp4", "cam/2026-12-01/15-20-00.cut.results.jsonl",
		"cam/2026-12-01/15-21-00.cut.results.jsonl", "cam/2026-12-01/15-22-00.results.jsonl.partial-6"}
	if got := tree(t, dir); !slices.Equal(got, want) {
		t.Fatalf("files %q, want %q", got, want)
	}
	if _, err := jsonl.ReadEnd(filepath.Join(day, "15-20-00.cut.results.jsonl")); !errors.Is(err, jsonl.ErrNoEnd) {
		t.Errorf("the cut results: %v, want no closing line", err)
	}
	segs, _ := r.Segments()
	if len(segs) != 1 || !segs[0].Cut || segs[0].Results != filepath.Join(day, "15-20-00.cut.results.jsonl") {
		t.Errorf("segments %+v: want the cut one with its results", segs)
	}
}

// TestSidecarsCountWhileWritten: the segment being written counts its
// sidecars' bytes too, so a budget of half a segment cuts segments short
// even though their video alone would fit.
func TestSidecarsCountWhileWritten(t *testing.T) {
	needFFmpeg(t)
	seg, video := sidecarSegmentSize(t)
	budget := seg / 2
	if video >= budget {
		t.Fatalf("a video of %d bytes: want less than the budget %d", video, budget)
	}
	dir := t.TempDir()
	clk := newClock(time.Date(2026, 12, 1, 15, 30, 0, 0, time.Local))
	r, err := segment.New(segment.Options{Dir: dir, Camera: "cam", Length: 2 * time.Second, KeepBytes: budget, Now: clk.Now, Sidecars: true})
	if err != nil {
		t.Fatal(err)
	}
	c := newCamera(clk, 64, 48)
	defer c.close()
	labelled(c)
	var starts []string
	for range 100 {
		r.Event(events.Event{Type: events.Enter, Label: "tabby cat"})
		c.write(t, r, 1)
		segs, _ := r.Segments()
		for _, s := range names(segs, dir) {
			if !slices.Contains(starts, s) {
				starts = append(starts, s)
			}
		}
	}
	r.Close()
	if len(starts) < 3 {
		t.Errorf("segments %q: want them cut short by the budget (%d bytes, a segment takes %d)", starts, budget, seg)
	}
}

// TestSidecarsWithoutVideo: a camera whose video goes elsewhere still has
// its results and events rotate at the segment length, and retention
// deletes them by age like segments.
func TestSidecarsWithoutVideo(t *testing.T) {
	dir := t.TempDir()
	clk := newClock(time.Date(2026, 12, 1, 15, 30, 0, 0, time.Local))
	r, err := segment.New(segment.Options{Dir: dir, Camera: "cam", Length: 2 * time.Second, Keep: 5 * time.Second, Now: clk.Now, Sidecars: true, NoVideo: true})
	if err != nil {
		t.Fatal(err)
	}
	c := newCamera(clk, 64, 48)
	defer c.close()
	labelled(c)
	for range 150 {
		r.Event(events.Event{Type: events.Enter, Label: "tabby cat"})
		c.write(t, r, 1)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	want := []string{"cam/.lock", "cam/2026-12-01/15-30-02.events.jsonl", "cam/2026-12-01/15-30-02.results.jsonl",
		"cam/2026-12-01/15-30-04.events.jsonl", "cam/2026-12-01/15-30-04.results.jsonl"}
	if got := tree(t, dir); !slices.Equal(got, want) {
		t.Fatalf("files %q, want %q (15-30-00's older than -keep)", got, want)
	}
	for _, s := range []string{"15-30-02", "15-30-04"} {
		if end, err := jsonl.ReadEnd(filepath.Join(dir, "cam", "2026-12-01", s+".results.jsonl")); err != nil || end.Frames != 50 {
			t.Errorf("%s: closing line %+v, %v; want 50 frames", s, end, err)
		}
	}
	if segs, _ := r.Segments(); len(segs) != 0 {
		t.Errorf("segments %+v: want none (no video)", segs)
	}
	if _, err := segment.New(segment.Options{Dir: dir, Camera: "cam2", NoVideo: true}); err == nil {
		t.Error("NoVideo without Sidecars: want an error")
	}
}

// TestSidecarsSeenThreshold: the closing line's "seen" is the label best
// in the most frames at or above the threshold, as the run's summary
// counts it: 30 unsure frames of "cat" do not outweigh 20 sure ones of
// "dog".
func TestSidecarsSeenThreshold(t *testing.T) {
	dir := t.TempDir()
	clk := newClock(time.Date(2026, 12, 1, 15, 30, 0, 0, time.Local))
	r, err := segment.New(segment.Options{Dir: dir, Camera: "cam", Now: clk.Now, Sidecars: true, NoVideo: true, Threshold: 0.2})
	if err != nil {
		t.Fatal(err)
	}
	c := newCamera(clk, 64, 48)
	defer c.close()
	for i := range 50 {
		if i < 30 {
			c.o.Result.SetTop([]classify.Prediction{{Class: 1, Label: "cat", Score: 0.1}})
		} else {
			c.o.Result.SetTop([]classify.Prediction{{Class: 2, Label: "dog", Score: 0.9}})
		}
		c.write(t, r, 1)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	end, err := jsonl.ReadEnd(filepath.Join(dir, "cam", "2026-12-01", "15-30-00.results.jsonl"))
	if err != nil || end.Seen != "dog" || end.Frames != 50 || end.Duration != 2*time.Second {
		t.Errorf("closing line %+v, %v; want dog seen in 50 frames, 2 s", end, err)
	}
}
