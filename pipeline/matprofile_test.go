//go:build matprofile

package pipeline_test

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"

	"github.com/livecam/livecam/pipeline"
	"github.com/livecam/livecam/pipeline/stage"
	"github.com/livecam/livecam/sink/outfile"
	"github.com/livecam/livecam/sink/video"
	"github.com/livecam/livecam/source"
	"gocv.io/x/gocv"
)

// TestNoMatLeaks runs the pipeline with gocv's Mat profiler (build tag
// matprofile) and checks that every Mat it created is closed afterwards:
// file mode with overlay and video output, and live mode with drops.
func TestNoMatLeaks(t *testing.T) {
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
	if after := gocv.MatProfile.Count(); after != before {
		var b bytes.Buffer
		gocv.MatProfile.WriteTo(&b, 1)
		t.Errorf("%d Mats live before the runs, %d after:\n%s", before, after, b.String())
	}
}
