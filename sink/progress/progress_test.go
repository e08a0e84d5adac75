package progress

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/livecam/livecam/pipeline"
)

// TestBarOnAPipe: a file's bar reaches 100% with its rate when the file
// was read to its end, and stays as last drawn (at most 200 ms behind)
// when it was not; each ends its line.
func TestBarOnAPipe(t *testing.T) {
	for _, tc := range []struct {
		frames   int
		complete bool
		want     string
		not      string
	}{
		{10, true, "100% |", ""},
		{4, false, "0% |", "100%"},
	} {
		var out bytes.Buffer
		b := New(&out, pipeline.SourceInfo{Frames: 10, FPS: 25})
		for range tc.frames {
			b.Write(nil)
		}
		b.Finish(tc.complete)
		s := out.String()
		if !strings.Contains(s, tc.want) || !strings.Contains(s, "frames/s") || !strings.HasSuffix(s, "\n") ||
			tc.not != "" && strings.Contains(s, tc.not) {
			t.Errorf("%d of 10 frames, complete %v: %q; want %q with its rate", tc.frames, tc.complete, s, tc.want)
		}
	}
}

// TestSpinner: a live source, or a file of unknown length, gets a
// spinner with the count of frames and no total, no percentage.
func TestSpinner(t *testing.T) {
	for _, info := range []pipeline.SourceInfo{{Frames: 100, Live: true}, {Frames: 0}} {
		var out bytes.Buffer
		b := New(&out, info)
		for range 7 {
			b.Write(nil)
		}
		b.Finish(false)
		if s := out.String(); strings.Contains(s, "%") || !strings.Contains(s, "(1/-, ") {
			t.Errorf("%+v: %q; want a count of frames, no total and no percentage", info, s)
		}
	}
}

// TestClear wipes the bar off its line: what follows starts at its
// beginning.
func TestClear(t *testing.T) {
	var out bytes.Buffer
	b := New(&out, pipeline.SourceInfo{Frames: 10})
	b.Write(nil)
	before := out.Len()
	b.Clear()
	if cleared := out.String()[before:]; !strings.HasPrefix(cleared, "\r") || !strings.HasSuffix(cleared, "\r") {
		t.Errorf("Clear wrote %q", cleared)
	}
}

func TestNilBar(t *testing.T) {
	var b *Bar
	if err := b.Write(nil); err != nil {
		t.Error(err)
	}
	b.Clear()
	b.Finish(true)
	if err := b.Close(); err != nil {
		t.Error(err)
	}
}

// TestWriteAllocatesNothing: counting a frame allocates nothing between
// two draws (the bar draws at most five times a second).
func TestWriteAllocatesNothing(t *testing.T) {
	var out bytes.Buffer
	b := New(&out, pipeline.SourceInfo{Frames: 1 << 30})
	b.Write(nil) // the first draw
	if n := testing.AllocsPerRun(1000, func() { b.Write(nil) }); n != 0 {
		t.Errorf("%v allocations per frame", n)
	}
}

func TestIsTerminal(t *testing.T) {
	if IsTerminal(&bytes.Buffer{}) {
		t.Error("a buffer is a terminal")
	}
	f, err := os.CreateTemp(t.TempDir(), "log")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if IsTerminal(f) {
		t.Error("a file is a terminal")
	}
}
