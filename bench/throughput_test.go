package bench

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/livecam/livecam/internal/testrig/shareddata"
	"github.com/livecam/livecam/models"
	"github.com/livecam/livecam/net/mobilenet"
	"github.com/livecam/livecam/net/tfjs"
	"github.com/livecam/livecam/net/tflite"
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
	livecam := func() (int, time.Duration) { return labelVideo(b, m, clip, dir) }
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

// labelVideo runs livecam's pipeline in file mode on clip with model m:
// decode, classify, overlay, H.264 video and JSON lines into dir. It
// returns the frames written and the time taken.
func labelVideo(b *testing.B, m *mobilenet.Model, clip, dir string) (int, time.Duration) {
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
	p, err := pipeline.New(pipeline.Config{Source: src, Model: models.FromClassifier(m), Stages: []pipeline.Stage{stage.Overlay(nil)}, Sinks: []pipeline.Sink{vs, jsonl.NewResults(rw)}})
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	if err := p.Run(context.Background()); err != nil {
		b.Fatal(err)
	}
	return vs.Frames(), time.Since(start)
}

// BenchmarkThroughputQuant labels the 720p clip end to end (as
// BenchmarkThroughput does) with three models, interleaved round by
// round: today's default float32 0.75@224, the float32 0.75 weights at
// 192, and Google's quantized 0.75@192 file. It reports each one's median
// frames per second and the uint8 pipeline's speed-up over each float one
// (the median of the per-round ratios).
//
//	go test ./bench -run '^$' -bench ThroughputQuant -benchtime 5x
func BenchmarkThroughputQuant(b *testing.B) {
	clip := shareddata.Path(b, "videos", "slideshow_720p.mp4")
	f224 := shareddata.Model(b)
	w, err := tfjs.LoadWeights(shareddata.Path(b, "models", "mobilenet_v1_0.75_224"))
	if err != nil {
		b.Fatal(err)
	}
	w.Config.Size = 192
	f192, err := mobilenet.NewModel(w)
	if err != nil {
		b.Fatal(err)
	}
	q192, err := tflite.Load(shareddata.Path(b, "models", "tflite", "mobilenet_v1_0.75_192_quant.tflite"), nil)
	if err != nil {
		b.Fatal(err)
	}
	models := []*mobilenet.Model{q192, f224, f192}
	names := []string{"uint8-192", "float32-224", "float32-192"}
	dir := b.TempDir()
	fps := make([][]float64, len(models))
	var over224, over192 []float64
	b.ResetTimer()
	for round := 0; round < b.N; round++ {
		per := make([]float64, len(models))
		for k := range models {
			i := (k + round) % len(models)
			time.Sleep(settle)
			n, el := labelVideo(b, models[i], clip, dir)
			if n != 720 {
				b.Fatalf("%s processed %d frames, want 720", names[i], n)
			}
			per[i] = float64(n) / el.Seconds()
			fps[i] = append(fps[i], per[i])
		}
		over224, over192 = append(over224, per[0]/per[1]), append(over192, per[0]/per[2])
		b.Logf("round %d: %s %.1f fps, %s %.1f fps, %s %.1f fps", round, names[0], per[0], names[1], per[1], names[2], per[2])
	}
	for i := range models {
		b.ReportMetric(median(fps[i]), names[i]+"-fps")
	}
	b.ReportMetric(median(over224), "uint8/float32-224")
	b.ReportMetric(median(over192), "uint8/float32-192")
}
