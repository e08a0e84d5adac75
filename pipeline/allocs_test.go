package pipeline_test

import (
	"context"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"gocv.io/x/gocv"

	"github.com/livecam/livecam/detect"
	"github.com/livecam/livecam/events"
	"github.com/livecam/livecam/internal/testrig/allocwatch"
	"github.com/livecam/livecam/pipeline"
	"github.com/livecam/livecam/pipeline/stage"
	"github.com/livecam/livecam/sink/jsonl"
	"github.com/livecam/livecam/sink/outfile"
	"github.com/livecam/livecam/source"
	"github.com/livecam/livecam/track"
	"github.com/livecam/livecam/wire"
)

// TestSteadyStateAllocations runs the pipeline over a 600-frame video
// with a gate, smoothing, overlay, events, video and JSON-lines sinks, and
// counts, once it is warm, the heap allocations made on a stack through
// livecam's own code (package allocwatch samples every allocation): over
// 400 frames there must be fewer than 10, so one allocation every 40th
// frame already fails. What other goroutines allocate (the runtime, cgo
// threads) does not count. (A looping source would count the restart of
// its decoder at every pass.)
func TestSteadyStateAllocations(t *testing.T) {
	long := filepath.Join(t.TempDir(), "long.mkv")
	if out, err := exec.Command("ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc=size=320x240:rate=30:duration=20",
		"-c:v", "libx264", "-preset", "ultrafast", long).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v: %s", err, out)
	}
	src, err := source.Open(long, source.Options{})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	vs, results := videoAndResults(t, dir)
	ew := eventsFile(t, dir)
	smooth, _ := stage.Smooth(0.5)
	var line []byte
	steadyAllocations(t, 50, 400, pipeline.Config{Source: src, Model: smallModel(t), Workers: 2,
		Gate:    stage.All(stage.Every(2), stage.MaxRate(1000)),
		Stages:  []pipeline.Stage{smooth, stage.Overlay(nil)},
		Sinks:   []pipeline.Sink{vs, results},
		Events:  events.Options{Enter: 0.2, Leave: 0.1},
		OnEvent: func(e events.Event) { line = append(wire.AppendEvent(line[:0], e), '\n'); ew.WriteLine(line) },
	})
}

// TestSteadyStateAllocationsDetector is TestSteadyStateAllocations for a
// detector run: the dogs, an empty room, a person and the room again,
// over and over, detected every second frame, tracked (objects entering
// and leaving, a zone), drawn, written to a video, a results file and an
// events file. Once warm, fewer than 10 allocations in livecam's code
// over 300 frames.
func TestSteadyStateAllocationsDetector(t *testing.T) {
	const w, h = 512, 430
	pets, room, person := photo(t, "pets.jpg", w, h), blank(t, w, h), photo(t, "grace_hopper.jpg", w, h)
	var scenes []scene
	for range 10 {
		scenes = append(scenes, scene{pets, 15}, scene{room, 10}, scene{person, 15}, scene{room, 10})
	}
	dir := t.TempDir()
	vs, results := videoAndResults(t, dir)
	ew := eventsFile(t, dir)
	var line []byte
	nevents, nbest := 0, 0
	steadyAllocations(t, 60, 300, pipeline.Config{Source: &sceneSource{name: "loop", scenes: scenes}, Model: detectModel(t), Filter: halfScore, Workers: 2,
		Gate:   stage.Every(2),
		Stages: []pipeline.Stage{stage.Overlay(nil)},
		Sinks:  []pipeline.Sink{vs, results},
		Track: &track.Config{MaxLost: 3, Zones: []track.Zone{
			{Name: "left", Points: [][2]float64{{0, 0}, {0.5, 0}, {0.5, 1}, {0, 1}}, Fractions: true}}},
		OnBestFrame: func(detect.Object, gocv.Mat) { nbest++ },
		OnObjectEvent: func(e track.Event) {
			nevents++
			line = append(wire.AppendObjectEvent(line[:0], "loop", e), '\n')
			ew.WriteLine(line)
		},
	})
	t.Logf("%d object events, %d best frames", nevents, nbest)
	if nevents < 20 || nbest < 20 {
		t.Errorf("%d object events, %d best frames: the objects did not come and go", nevents, nbest)
	}
}

// eventsFile returns a JSON-lines writer on dir/events.jsonl, closed when
// the test ends.
func eventsFile(t *testing.T, dir string) *jsonl.Writer {
	t.Helper()
	ew, err := jsonl.Create(filepath.Join(dir, "events.jsonl"), outfile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ew.Close() })
	return ew
}

// steadyAllocations runs the pipeline cfg describes (its OnResult is
// steadyAllocations' own), counts the heap allocations made through
// livecam's code between result frames warm and warm+frames, then stops
// the run: fewer than 10 pass.
func steadyAllocations(t *testing.T, warm, frames int64, cfg pipeline.Config) {
	t.Helper()
	stop := allocwatch.Start()
	defer stop()
	var before, during allocwatch.Counts
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cfg.OnResult = func(r *pipeline.Result) {
		switch r.Frame {
		case warm:
			before = allocwatch.Snapshot()
		case warm + frames:
			during = allocwatch.Snapshot()
			cancel()
		}
	}
	p, err := pipeline.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := p.Run(ctx); err != nil {
		t.Fatal(err)
	}
	if during == nil {
		t.Fatalf("the run ended before frame %d", warm+frames)
	}
	sites, total := during.Since(before)
	t.Logf("%d allocations in livecam's code over %d frames (run took %v)", total, frames, time.Since(start).Round(time.Millisecond))
	if total >= 10 {
		t.Errorf("%d heap allocations in livecam's code over %d frames of steady state:\n%s", total, frames, sites)
	}
}
