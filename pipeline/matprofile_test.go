//go:build matprofile

package pipeline

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"

	"gocv.io/x/gocv"
)

// TestNoMatLeaks runs the pipeline with gocv's Mat profiler (build tag
// matprofile) and checks that every Mat it created is closed afterwards:
// file mode with overlay and video output, and live mode with drops.
func TestNoMatLeaks(t *testing.T) {
	before := gocv.MatProfile.Count()
	src, err := Open(testVideo, false)
	if err != nil {
		t.Fatal(err)
	}
	video, err := NewVideoSink(filepath.Join(t.TempDir(), "out.avi"), FileOptions{})
	if err != nil {
		t.Fatal(err)
	}
	p, err := New(Config{Source: src, Model: smallModel(t), Overlay: true, Sinks: []Sink{video}})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	src, err = Open(testVideo, true) // live, paced: some frames dropped
	if err != nil {
		t.Fatal(err)
	}
	p, err = New(Config{Source: src, Model: smallModel(t), Overlay: true,
		Sinks: []Sink{SinkFunc(func(*Output) error { return nil })}})
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
