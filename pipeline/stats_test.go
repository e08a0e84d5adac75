package pipeline_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/livecam/livecam/pipeline"
	"github.com/livecam/livecam/source"
)

// TestStatsEveryOneLinePerCall: the periodic statistics reach Logf a
// line per call (a logger that escapes control characters printed the
// table as one line, "frames: …\nphase…"), once per period only: the
// run's final statistics are the caller's (in a batch with -v they were
// printed twice).
func TestStatsEveryOneLinePerCall(t *testing.T) {
	src, err := source.Open(testVideo, source.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	logf := func(format string, a ...any) { lines = append(lines, fmt.Sprintf(format, a...)) } // the output goroutine's
	p, err := pipeline.New(pipeline.Config{Source: src, Model: smallModel(t), Logf: logf, StatsEvery: 1})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	counts, phases := 0, 0
	for _, l := range lines {
		if strings.Contains(l, "\n") {
			t.Fatalf("Logf got several lines in one call: %q", l)
		}
		if strings.HasPrefix(l, "frames: ") {
			counts++
		}
		if strings.HasPrefix(l, "phase (ms)") {
			phases++
		}
	}
	// Every frame's output is past a period of 1 ns: a line per frame.
	if out := p.Metrics().Snapshot().Out; int64(counts) != out || phases != counts {
		t.Errorf("%d count lines and %d phase headers for %d frames, want one each per frame:\n%s", counts, phases, out, strings.Join(lines, "\n"))
	}
}
