//go:build matprofile

package pipeline_test

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/livecam/livecam/pipeline"
	"github.com/livecam/livecam/pipeline/stage"
	"github.com/livecam/livecam/sink/outfile"
	"github.com/livecam/livecam/sink/video"
	"github.com/livecam/livecam/source"
	"github.com/livecam/livecam/source/push"
	"github.com/livecam/livecam/track"
	"gocv.io/x/gocv"
)

// TestNoMatLeaks runs the pipeline with gocv's Mat profiler (build tag
// matprofile) and checks that every Mat it created is closed afterwards:
// file mode with overlay and video output, and live mode with drops; a
// detector in file mode (with a frame size change), live, and in a pool.
func TestNoMatLeaks(t *testing.T) {
	big, small := photo(t, "pets.jpg", 512, 430), photo(t, "pets.jpg", 256, 215) // the test's, open throughout
	before := gocv.MatProfile.Count()
	src, err := source.Open(testVideo, source.Options{})
	if err != nil {
		t.Fatal(err)
	}
	vs, err := video.Create(filepath.Join(t.TempDir(), "out.avi"), outfile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	p, err := pipeline.New(pipeline.Config{Source: src, Model: smallModel(t), Stages: []pipeline.Stage{stage.Overlay(nil)}, Sinks: []pipeline.Sink{vs}})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	src, err = source.Open(testVideo, source.Options{Realtime: true}) // live, paced: some frames dropped
	if err != nil {
		t.Fatal(err)
	}
	p, err = pipeline.New(pipeline.Config{Source: src, Model: smallModel(t), Stages: []pipeline.Stage{stage.Overlay(nil)},
		Sinks: []pipeline.Sink{pipeline.SinkFunc(func(*pipeline.Output) error { return nil })}})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	// A detector, tracking, with a size change (its runners' Mats, the
	// slots' Mats resized), and live through a pushed source.
	p, err = pipeline.New(pipeline.Config{Source: &sceneSource{name: "pets", scenes: []scene{{big, 6}, {small, 6}}}, Model: detectModel(t), Filter: halfScore,
		Track: &track.Config{}, Stages: []pipeline.Stage{stage.Overlay(nil)}})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	cam, err := push.New("pushed", 512, 430, 0)
	if err != nil {
		t.Fatal(err)
	}
	p, err = pipeline.New(pipeline.Config{Source: cam, Model: detectModel(t), Filter: halfScore, Workers: 2, Stages: []pipeline.Stage{stage.Overlay(nil)}})
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		for i := range 30 {
			cam.PushMat(big, time.Duration(i)*time.Millisecond)
			time.Sleep(2 * time.Millisecond)
		}
		cam.Close()
	}()
	if err := p.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	pool, err := pipeline.NewPool(detectModel(t), 2, 1)
	if err != nil {
		t.Fatal(err)
	}
	p, err = pipeline.New(pipeline.Config{Source: &sceneSource{name: "pool", scenes: []scene{{big, 4}}}, Model: detectModel(t), Filter: halfScore, Pool: pool})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	pool.Close()
	if after := gocv.MatProfile.Count(); after != before {
		var b bytes.Buffer
		gocv.MatProfile.WriteTo(&b, 1)
		t.Errorf("%d Mats live before the runs, %d after:\n%s", before, after, b.String())
	}
}
