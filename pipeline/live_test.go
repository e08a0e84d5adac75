package pipeline_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/livecam/livecam/internal/testrig/shareddata"
	"github.com/livecam/livecam/models"
	"github.com/livecam/livecam/pipeline"
	"github.com/livecam/livecam/pipeline/stage"
	"github.com/livecam/livecam/sink/outfile"
	"github.com/livecam/livecam/sink/video"
	"github.com/livecam/livecam/source"
)

// TestRealtimeLatency plays a file at its own frame rate (-realtime), as a
// camera would deliver it: the pipeline runs live, accounts for every
// frame, and keeps the capture-to-overlay latency under two frame
// intervals plus one inference at the 95th percentile.
func TestRealtimeLatency(t *testing.T) {
	if testing.Short() {
		t.Skip("real-time playback: skipped with -short")
	}
	m := models.FromClassifier(shareddata.Model(t))
	src, err := source.Open(shareddata.Path(t, "videos", "slideshow_480p_noisy.mkv"), source.Options{Realtime: true})
	if err != nil {
		t.Fatal(err)
	}
	vs, err := video.Create(filepath.Join(t.TempDir(), "live.mp4"), outfile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	p, err := pipeline.New(pipeline.Config{Source: src, Model: m, Stages: []pipeline.Stage{stage.Overlay(nil)}, Sinks: []pipeline.Sink{vs}})
	if err != nil {
		t.Fatal(err)
	}
	if !p.Live() {
		t.Fatal("-realtime should run live")
	}
	start := time.Now()
	if err := p.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	el := time.Since(start)
	s := p.Metrics().Snapshot()
	frame := time.Second / 25
	budget := 2*frame + time.Duration(s.Phases[pipeline.PhaseInference].P50*float64(time.Millisecond))
	e2e := time.Duration(s.Phases[pipeline.PhaseEndToEnd].P95 * float64(time.Millisecond))
	t.Logf("%d in, %d processed, %d dropped in %v; capture-to-overlay p95 %v (budget %v), queue p95 %.2f ms",
		s.In, s.Out, s.Dropped, el.Round(time.Millisecond), e2e, budget, s.Phases[pipeline.PhaseQueue].P95)
	if s.In != 320 || s.In != s.Out+s.Dropped {
		t.Errorf("frames in %d, processed %d + dropped %d: want 320 = processed + dropped", s.In, s.Out, s.Dropped)
	}
	// The video keeps real time: the gaps of dropped frames are filled,
	// so it holds the source's 320 frames (give or take one at the end).
	if f := int64(vs.Frames()); f < s.Out || f < s.In-1 || f > s.In {
		t.Errorf("%d frames written for %d in, %d processed", f, s.In, s.Out)
	}
	if e2e > budget {
		t.Errorf("capture-to-overlay p95 %v over the budget %v", e2e, budget)
	}
	if el < 12*time.Second {
		t.Errorf("12.8 s of video played in %v: not paced", el)
	}
}
