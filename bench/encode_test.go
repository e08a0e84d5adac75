package bench

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"gocv.io/x/gocv"

	"github.com/livecam/livecam/internal/testrig/shareddata"
	"github.com/livecam/livecam/models"
	"github.com/livecam/livecam/pipeline"
	"github.com/livecam/livecam/pipeline/stage"
	"github.com/livecam/livecam/sink/jsonl"
	"github.com/livecam/livecam/sink/outfile"
	"github.com/livecam/livecam/sink/video"
	"github.com/livecam/livecam/source"
)

// mp4vSink is the video output livecam had before H.264: OpenCV's
// VideoWriter with fourcc mp4v (MPEG-4 Part 2), kept here as the yardstick.
type mp4vSink struct {
	path string
	w    *gocv.VideoWriter
}

func (s *mp4vSink) Write(o *pipeline.Output) error {
	if s.w == nil {
		w, err := gocv.VideoWriterFile(s.path, "mp4v", o.Source.FPS, o.Image.Cols(), o.Image.Rows(), true)
		if err != nil {
			return err
		}
		s.w = w
	}
	return s.w.Write(o.Image)
}

func (s *mp4vSink) Close() error {
	if s.w == nil {
		return nil
	}
	return s.w.Close()
}

// BenchmarkVideoOut labels ../shared/videos/slideshow_720p.mp4 end to end
// (decode, classify, overlay, JSON lines) with each video output in turn,
// interleaved in each round: none, the old OpenCV MPEG-4 Part 2 writer,
// and livecam's H.264 through ffmpeg at each quality. It reports the
// median frames per second of each and H.264's ratio to MPEG-4 Part 2.
func BenchmarkVideoOut(b *testing.B) {
	clip := shareddata.Path(b, "videos", "slideshow_720p.mp4")
	m := models.FromClassifier(shareddata.Model(b))
	dir := b.TempDir()
	type output struct {
		name string
		sink func() (pipeline.Sink, error)
	}
	outputs := []output{
		{"none", func() (pipeline.Sink, error) {
			return pipeline.SinkFunc(func(*pipeline.Output) error { return nil }), nil
		}},
		{"mp4v", func() (pipeline.Sink, error) { return &mp4vSink{path: filepath.Join(dir, "mp4v.mp4")}, nil }},
		{"h264", func() (pipeline.Sink, error) {
			return video.Create(filepath.Join(dir, "h264.mp4"), outfile.Options{Overwrite: true})
		}},
		{"h264-high", func() (pipeline.Sink, error) {
			return video.CreateWith(filepath.Join(dir, "h264-high.mp4"), video.Encoding{Quality: "high"}, outfile.Options{Overwrite: true})
		}},
	}
	run := func(o output) float64 {
		src, err := source.Open(clip, source.Options{})
		if err != nil {
			b.Fatal(err)
		}
		vs, err := o.sink()
		if err != nil {
			b.Fatal(err)
		}
		rw, err := jsonl.Create(filepath.Join(dir, o.name+".jsonl"), outfile.Options{Overwrite: true})
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		count := pipeline.SinkFunc(func(*pipeline.Output) error { n++; return nil })
		p, err := pipeline.New(pipeline.Config{Source: src, Model: m, Stages: []pipeline.Stage{stage.Overlay(nil)}, Sinks: []pipeline.Sink{vs, jsonl.NewResults(rw), count}})
		if err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		if err := p.Run(context.Background()); err != nil {
			b.Fatal(err)
		}
		el := time.Since(start)
		if n != 720 {
			b.Fatalf("%s: %d frames, want 720", o.name, n)
		}
		return float64(n) / el.Seconds()
	}
	fps := make([][]float64, len(outputs))
	var ratios []float64
	b.ResetTimer()
	for round := 0; round < b.N; round++ {
		got := make([]float64, len(outputs))
		for k := range outputs {
			i := (k + round) % len(outputs)
			time.Sleep(settle)
			got[i] = run(outputs[i])
			fps[i] = append(fps[i], got[i])
		}
		ratios = append(ratios, got[2]/got[1])
		b.Logf("round %d: %v", round, fmt.Sprint(got))
	}
	for i, o := range outputs {
		b.ReportMetric(median(fps[i]), o.name+"-fps")
	}
	b.ReportMetric(median(ratios), "h264/mp4v")
}
