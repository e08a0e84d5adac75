package demo

import (
	"context"
	"path/filepath"
	"testing"

	"gocv.io/x/gocv"

	"github.com/livecam/livecam/classify"
	"github.com/livecam/livecam/internal/cvprep"
	"github.com/livecam/livecam/internal/testrig/shareddata"
	"github.com/livecam/livecam/models"
	"github.com/livecam/livecam/pipeline"
	"github.com/livecam/livecam/source"
)

const photos = "../../testdata/images/demo"

// TestDemoSegmentsGetTheirLabels makes the demo video as `make demo` does
// and labels it with the default model: in every photo's segment the most
// frequent top-1 class must be the photo's label in truth.tsv, so that
// the demo cannot silently rot. A photo the model is unsure of as a still
// (below 0.5; only the portrait, grace_hopper.jpg, at 0.49 "military
// uniform", with "bow tie" close behind) may flip with the zoom and the
// encoder's rounding: its label must then be one of the two most frequent
// and hold at least a third of the frames.
func TestDemoSegmentsGetTheirLabels(t *testing.T) {
	m := models.FromClassifier(shareddata.Model(t))
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
	p, err := pipeline.New(pipeline.Config{Source: src, Model: m, Classes: classify.Options{MaxResults: 1},
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
	still, err := classify.NewClassifier(m, classify.Options{MaxResults: 1}, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer still.Close()
	pre := cvprep.Square(still.InputSize())
	defer pre.Close()
	for _, s := range segs {
		counts := map[int]int{}
		for _, c := range top1[s.Start:s.End] {
			counts[c]++
		}
		// rank: how many classes got more frames than the photo's.
		rank := 0
		for c, n := range counts {
			if c != s.Class && n >= counts[s.Class] {
				rank++
			}
		}
		img := gocv.IMRead(filepath.Join(photos, s.Photo), gocv.IMReadColor)
		rgb, err := pre.RGB(img)
		var top []classify.Prediction
		if err == nil {
			top, err = still.ClassifyTensor(nil, rgb)
		}
		img.Close()
		if err != nil || len(top) == 0 || top[0].Class != s.Class {
			t.Fatalf("%s as a still: %v, %v; want class %d", s.Photo, top, err, s.Class)
		}
		frames := s.End - s.Start
		t.Logf("%-28s %-28s %.2f as a still, %2d of %d frames, rank %d", s.Photo, s.Label, top[0].Score, counts[s.Class], frames, rank+1)
		switch {
		case top[0].Score >= 0.5 && rank > 0:
			t.Errorf("%s: %d frames of %d %s, and another class as many or more", s.Photo, counts[s.Class], s.Class, s.Label)
		case top[0].Score < 0.5 && (rank > 1 || 3*counts[s.Class] < frames):
			t.Errorf("%s (unsure as a still): %d frames of %d %s, rank %d; want one of the two most frequent, at least a third", s.Photo, counts[s.Class], s.Class, s.Label, rank+1)
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
