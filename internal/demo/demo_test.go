package demo

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/livecam/livecam/classify"
	"github.com/livecam/livecam/internal/shareddata"
	"github.com/livecam/livecam/pipeline"
	"github.com/livecam/livecam/source"
)

const photos = "../../testdata/images/demo"

// TestDemoSegmentsGetTheirLabels makes the demo video as `make demo` does
// and labels it with the default model: in every photo's segment the most
// frequent top-1 class must be the photo's label in truth.tsv, so that
// the demo cannot silently rot. (The portrait, grace_hopper.jpg, is the
// narrow one: 0.49 "military uniform" as a still, 15 of its 30 frames.)
func TestDemoSegmentsGetTheirLabels(t *testing.T) {
	m := shareddata.Model(t)
	video := filepath.Join(t.TempDir(), "demo.mp4")
	segs, err := MakeVideo(photos, video)
	if err != nil {
		t.Fatal(err)
	}
	src, err := source.Open(video, source.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if info := src.Info(); info.Width != Width || info.Height != Height || info.FPS != FPS {
		t.Errorf("demo video %dx%d at %v fps", info.Width, info.Height, info.FPS)
	}
	var top1 []int
	p, err := pipeline.New(pipeline.Config{Source: src, Model: m, Results: classify.Options{MaxResults: 1},
		OnResult: func(r *pipeline.Result) { top1 = append(top1, r.Top()[0].Class) }})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(top1) != len(segs)*FramesPerPhoto {
		t.Fatalf("%d frames labelled, want %d", len(top1), len(segs)*FramesPerPhoto)
	}
	for _, s := range segs {
		counts := map[int]int{}
		best := -1
		for _, c := range top1[s.Start:s.End] {
			counts[c]++
			if best < 0 || counts[c] > counts[best] {
				best = c
			}
		}
		t.Logf("%-28s %-28s %2d of %d frames", s.Photo, s.Label, counts[s.Class], s.End-s.Start)
		if best != s.Class {
			t.Errorf("%s: most frequent class %d (%d frames), want %d %s (%d frames)", s.Photo, best, counts[best], s.Class, s.Label, counts[s.Class])
		}
	}
}

func TestTruthErrors(t *testing.T) {
	if _, err := Truth(t.TempDir()); err == nil {
		t.Error("no error for a folder without truth.tsv")
	}
	segs, err := Truth(photos)
	if err != nil || len(segs) != 8 || segs[7].Start != 7*FramesPerPhoto || segs[7].End != 8*FramesPerPhoto {
		t.Errorf("truth: %v, %v", segs, err)
	}
}
