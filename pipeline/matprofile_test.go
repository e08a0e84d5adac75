//go:build matprofile

package pipeline_test

import (
	"bytes"
	"context"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/livecam/livecam/models"
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
// file mode with overlay and video output, from BGR frames and from I420
// planes (a classifier and a detector), and live mode with drops; a
// detector in file mode (with a frame size change), live, and in a pool;
// a Video.
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
	// File mode with I420 planes: an H.264 file, overlay and video
	// output, a classifier and then a detector.
	clip := filepath.Join(t.TempDir(), "clip.mkv")
	if out, err := exec.Command("ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=15:duration=1",
		"-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", clip).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v: %s", err, out)
	}
	for _, m := range []*models.Model{smallModel(t), detectModel(t)} {
		src, err = source.Open(clip, source.Options{})
		if err != nil {
			t.Fatal(err)
		}
		vs, err = video.Create(filepath.Join(t.TempDir(), "out.mkv"), outfile.Options{})
		if err != nil {
			t.Fatal(err)
		}
		planes := &frameLog{takes: true, conv: gocv.NewMat()}
		p, err = pipeline.New(pipeline.Config{Source: src, Model: m, Stages: []pipeline.Stage{stage.Overlay(nil)}, Sinks: []pipeline.Sink{vs, planes}})
		if err != nil {
			t.Fatal(err)
		}
		if err := p.Run(context.Background()); err != nil {
			t.Fatal(err)
		}
		planes.conv.Close()
		if len(planes.i420) == 0 || !planes.i420[0] {
			t.Fatalf("%s: the run did not pass I420 planes", m.Name)
		}
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
	// A Video, one frame per call, and one closed before any frame.
	for _, frames := range []int{3, 0} {
		v, err := pipeline.NewVideo(pipeline.Config{Model: smallModel(t), Stages: []pipeline.Stage{stage.Overlay(nil)}})
		if err != nil {
			t.Fatal(err)
		}
		for i := range frames {
			if _, err := v.Process(context.Background(), small, time.Duration(i)*time.Millisecond); err != nil {
				t.Fatal(err)
			}
		}
		if err := v.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if after := gocv.MatProfile.Count(); after != before {
		var b bytes.Buffer
		gocv.MatProfile.WriteTo(&b, 1)
		t.Errorf("%d Mats live before the runs, %d after:\n%s", before, after, b.String())
	}
}
