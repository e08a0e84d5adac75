package bench

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/livecam/livecam/internal/shareddata"
	"github.com/livecam/livecam/pipeline"
	"github.com/livecam/livecam/pipeline/stage"
	"github.com/livecam/livecam/sink/jsonl"
	"github.com/livecam/livecam/sink/outfile"
	"github.com/livecam/livecam/sink/video"
	"github.com/livecam/livecam/source"
)

// BenchmarkThroughput labels ../shared/videos/slideshow_720p.mp4 end to end
// (decode, classify, overlay, encode (livecam: H.264 through ffmpeg; the
// baseline: OpenCV's MPEG-4 Part 2 writer), JSON lines), alternating
// livecam's pipeline in file mode with the single-loop OpenCV DNN program
// of Baseline. Each b.N round runs both once; it reports the median
// frames per second of each and their ratio.
func BenchmarkThroughput(b *testing.B) {
	clip := shareddata.Path(b, "videos", "slideshow_720p.mp4")
	onnx := shareddata.Path(b, "models", "mobilenet_v1_0.75_224.onnx")
	m := shareddata.Model(b)
	dir := b.TempDir()
	livecam := func() (int, time.Duration) {
		src, err := source.Open(clip, source.Options{})
		if err != nil {
			b.Fatal(err)
		}
		vs, err := video.Create(filepath.Join(dir, "livecam.mp4"), outfile.Options{Overwrite: true})
		if err != nil {
			b.Fatal(err)
		}
		rw, err := jsonl.Create(filepath.Join(dir, "livecam.jsonl"), outfile.Options{Overwrite: true})
		if err != nil {
			b.Fatal(err)
		}
		p, err := pipeline.New(pipeline.Config{Source: src, Model: m, Stages: []pipeline.Stage{stage.Overlay(nil)}, Sinks: []pipeline.Sink{vs, jsonl.NewResults(rw)}})
		if err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		if err := p.Run(context.Background()); err != nil {
			b.Fatal(err)
		}
		return vs.Frames(), time.Since(start)
	}
	baseline := func() (int, time.Duration) {
		n, el, err := Baseline(onnx, clip, filepath.Join(dir, "baseline.mp4"))
		if err != nil {
			b.Fatal(err)
		}
		return n, el
	}
	var ours, theirs, ratios []float64
	b.ResetTimer()
	for round := 0; round < b.N; round++ {
		runs := []func() (int, time.Duration){livecam, baseline}
		fps := make([]float64, 2)
		for k := range runs {
			i := (k + round) % 2
			time.Sleep(settle)
			n, el := runs[i]()
			if n != 720 {
				b.Fatalf("run %d processed %d frames, want 720", i, n)
			}
			fps[i] = float64(n) / el.Seconds()
		}
		ours, theirs = append(ours, fps[0]), append(theirs, fps[1])
		ratios = append(ratios, fps[0]/fps[1])
		b.Logf("round %d: livecam %.1f fps, baseline %.1f fps", round, fps[0], fps[1])
	}
	b.ReportMetric(median(ours), "livecam-fps")
	b.ReportMetric(median(theirs), "baseline-fps")
	b.ReportMetric(median(ratios), "livecam/baseline")
}
