package pipeline_test

import (
	"context"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"

	"gocv.io/x/gocv"

	"github.com/livecam/livecam/detect"
	"github.com/livecam/livecam/events"
	"github.com/livecam/livecam/internal/testrig/shareddata"
	"github.com/livecam/livecam/overlay"
	"github.com/livecam/livecam/pipeline"
	"github.com/livecam/livecam/pipeline/stage"
	"github.com/livecam/livecam/sink/outfile"
	"github.com/livecam/livecam/sink/video"
	"github.com/livecam/livecam/source"
	"github.com/livecam/livecam/track"
)

// frameLog records, per frame, whether it came as I420 planes, the
// probabilities and the picture as I420 (BGR frames converted by OpenCV,
// as a video output converts them).
type frameLog struct {
	i420  []bool
	probs [][]float32
	yuv   [][]byte
	takes bool // what TakesI420 says
	conv  gocv.Mat
}

func (l *frameLog) Write(o *pipeline.Output) error {
	l.i420 = append(l.i420, o.HasI420())
	l.probs = append(l.probs, slices.Clone(o.Probs))
	img := o.I420
	if !o.HasI420() {
		gocv.CvtColor(o.Image, &l.conv, gocv.ColorBGRToYUVI420)
		img = l.conv
	}
	pix, _ := img.DataPtrUint8()
	l.yuv = append(l.yuv, slices.Clone(pix))
	return nil
}

func (l *frameLog) Close() error    { return nil }
func (l *frameLog) TakesI420() bool { return l.takes }

// bgrOnly is a sink that takes BGR only (no TakesI420): it checks that
// every frame it gets is BGR.
type bgrOnly struct {
	t   *testing.T
	bad int
}

func (b *bgrOnly) Write(o *pipeline.Output) error {
	if o.Image.Empty() || o.Image.Type() != gocv.MatTypeCV8UC3 {
		b.bad++
	}
	return nil
}
func (b *bgrOnly) Close() error { return nil }

// TestI420OnlyWhenEveryoneTakesIt runs an H.264 yuv420p file through the
// overlay and the label events into a video, a results-like log and, in
// some runs, a sink or stage that takes BGR only. Frames travel as I420 planes only when the
// whole chain takes them; the probabilities are the same bits either way,
// the overlaid frames the same within rounding (the BGR one converted to
// I420 as the video output does: 4:2:0 cannot hold a BGR overlay's sharp
// colour edges either way), and the videos written the same within the
// encoder's loss.
func TestI420OnlyWhenEveryoneTakesIt(t *testing.T) {
	dir := t.TempDir()
	clip := filepath.Join(dir, "clip.mkv")
	if out, err := exec.Command("ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=15:duration=2",
		"-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", clip).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v: %s", err, out)
	}
	m := smallModel(t)
	userStage := func(next pipeline.Sink) pipeline.Sink { return pipeline.Chain(next) } // takes I420 only if next does
	plainStage := func(next pipeline.Sink) pipeline.Sink {
		return &struct{ pipeline.Sink }{next} // hides TakesI420: BGR only
	}
	type run struct {
		name   string
		extra  []pipeline.Sink
		stage  pipeline.Stage
		takes  bool
		planes bool
	}
	var logs []*frameLog
	var videos []string
	for i, r := range []run{
		{name: "all take planes", takes: true, planes: true, stage: userStage},
		{name: "a sink takes BGR only", takes: true, extra: []pipeline.Sink{&bgrOnly{t: t}}},
		{name: "a stage takes BGR only", takes: true, stage: plainStage},
		{name: "the log takes BGR only", takes: false},
	} {
		src, err := source.Open(clip, source.Options{})
		if err != nil {
			t.Fatal(err)
		}
		out := filepath.Join(dir, "out"+string(rune('a'+i))+".mkv")
		vs, err := video.Create(out, outfile.Options{})
		if err != nil {
			t.Fatal(err)
		}
		log := &frameLog{takes: r.takes, conv: gocv.NewMat()}
		stages := []pipeline.Stage{stage.Overlay(&overlay.Options{HideStatus: true})}
		if r.stage != nil {
			stages = append(stages, r.stage)
		}
		p, err := pipeline.New(pipeline.Config{Source: src, Model: m, Stages: stages,
			Sinks:   append([]pipeline.Sink{vs, log}, r.extra...),
			Events:  events.Options{Enter: 0.01, Leave: 0.001},
			OnEvent: func(events.Event) {}})
		if err != nil {
			t.Fatal(err)
		}
		if err := p.Run(context.Background()); err != nil {
			t.Fatal(err)
		}
		log.conv.Close()
		if len(log.i420) != 30 {
			t.Fatalf("%s: %d frames, want 30", r.name, len(log.i420))
		}
		for f, planes := range log.i420 {
			if planes != r.planes {
				t.Fatalf("%s: frame %d came as I420 %v, want %v", r.name, f, planes, r.planes)
			}
		}
		for _, s := range r.extra {
			if b := s.(*bgrOnly); b.bad > 0 {
				t.Errorf("%s: %d frames reached the BGR-only sink not as BGR", r.name, b.bad)
			}
		}
		logs, videos = append(logs, log), append(videos, out)
	}
	planes, bgr := logs[0], logs[1]
	decoded := decode(t, clip)
	size := len(decoded) / 30
	for f := range planes.probs {
		if !slices.Equal(planes.probs[f], bgr.probs[f]) {
			t.Fatalf("frame %d: probabilities differ between the I420 and the BGR run", f)
		}
		// The BGR run's frames went through BGR and back, which is not
		// lossless on saturated colours: close on average only.
		if d, mean := diff(planes.yuv[f], bgr.yuv[f]); mean > 0.5 {
			t.Errorf("frame %d: the overlaid frames differ by up to %d levels, %.3f on average", f, d, mean)
		}
		// The I420 run's frame is the decoded one, overlay aside.
		src, drawn := decoded[f*size:(f+1)*size], 0
		for i := range src {
			if src[i] != planes.yuv[f][i] {
				drawn++
			}
		}
		if drawn < size/100 || drawn > size/5 {
			t.Errorf("frame %d: the overlay changed %d of %d samples of the decoded frame", f, drawn, size)
		}
	}
	a, b := decode(t, videos[0]), decode(t, videos[1])
	if d, mean := diff(a, b); len(a) != len(b) || mean > 1 {
		t.Errorf("the videos of the I420 and the BGR run differ: %d and %d bytes, up to %d levels, %.3f on average", len(a), len(b), d, mean)
	}
}

// diff returns the largest and the mean absolute difference of two byte
// slices of the same length.
func diff(a, b []byte) (worst int, mean float64) {
	sum := 0
	for i := range min(len(a), len(b)) {
		d := int(a[i]) - int(b[i])
		d = max(d, -d)
		sum, worst = sum+d, max(worst, d)
	}
	return worst, float64(sum) / float64(max(1, min(len(a), len(b))))
}

// decode returns a video's frames as raw yuv420p bytes.
func decode(t *testing.T, path string) []byte {
	t.Helper()
	out, err := exec.Command("ffmpeg", "-v", "error", "-i", path, "-f", "rawvideo", "-pix_fmt", "yuv420p", "-").Output()
	if err != nil {
		t.Fatalf("decoding %s: %v", path, err)
	}
	return out
}

// objectLog records, per frame, whether it came as I420 planes and the
// objects (boxes, scores, track ids).
type objectLog struct {
	i420  []bool
	objs  [][]detect.Object
	zones [][][2]float64 // the first zone's corners, in the frame's pixels
}

func (l *objectLog) Write(o *pipeline.Output) error {
	l.i420 = append(l.i420, o.HasI420())
	l.objs = append(l.objs, slices.Clone(o.Result.Objects()))
	l.zones = append(l.zones, slices.Clone(o.Zones[0].Points))
	return nil
}
func (l *objectLog) Close() error    { return nil }
func (l *objectLog) TakesI420() bool { return true }

// TestI420Detector runs a detector with tracking over a clip of the pets
// photo (dogs and a cat, the view panning) as I420 planes and as BGR
// (a sink that takes BGR only, beside the object events' stage): the
// same objects, boxes in the frame's pixels and track ids either way,
// and a zone given in fractions resolved in the frame's pixels.
// Config.OnBestFrame, which is given BGR frames, keeps a run on BGR.
func TestI420Detector(t *testing.T) {
	dir := t.TempDir()
	clip := filepath.Join(dir, "pets.mkv")
	if out, err := exec.Command("ffmpeg", "-v", "error", "-loop", "1", "-i", shareddata.Path(t, "demo", "pets.jpg"),
		"-vf", "scale=640:-2,crop=480:360:t*40:0", "-t", "1", "-r", "10", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", clip).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v: %s", err, out)
	}
	run := func(extra pipeline.Sink, best func(detect.Object, gocv.Mat)) *objectLog {
		src, err := source.Open(clip, source.Options{})
		if err != nil {
			t.Fatal(err)
		}
		log := &objectLog{}
		sinks := []pipeline.Sink{log}
		if extra != nil {
			sinks = append(sinks, extra)
		}
		p, err := pipeline.New(pipeline.Config{Source: src, Model: detectModel(t), Filter: halfScore,
			Track: &track.Config{Zones: []track.Zone{{Name: "left", Fractions: true, Points: [][2]float64{{0, 0}, {0.5, 0}, {0.5, 1}, {0, 1}}}}}, OnObjectEvent: func(track.Event) {}, OnBestFrame: best,
			Stages: []pipeline.Stage{stage.Overlay(nil)}, Sinks: sinks})
		if err != nil {
			t.Fatal(err)
		}
		if err := p.Run(context.Background()); err != nil {
			t.Fatal(err)
		}
		if len(log.i420) != 10 {
			t.Fatalf("%d frames, want 10", len(log.i420))
		}
		return log
	}
	planes, bgr := run(nil, nil), run(&bgrOnly{t: t}, nil)
	bests := 0
	guarded := run(nil, func(_ detect.Object, frame gocv.Mat) {
		if frame.Type() != gocv.MatTypeCV8UC3 {
			t.Errorf("OnBestFrame given a frame of type %v", frame.Type())
		}
		bests++
	})
	found := 0
	for f := range planes.objs {
		if !planes.i420[f] || bgr.i420[f] || guarded.i420[f] {
			t.Fatalf("frame %d: I420 %v, %v with a BGR-only sink, %v with OnBestFrame; want true, false, false", f, planes.i420[f], bgr.i420[f], guarded.i420[f])
		}
		if !slices.Equal(planes.objs[f], bgr.objs[f]) {
			t.Fatalf("frame %d: objects %v from planes, %v from BGR", f, planes.objs[f], bgr.objs[f])
		}
		if !slices.Equal(planes.zones[f], bgr.zones[f]) || bgr.zones[f][2] != [2]float64{240, 360} {
			t.Fatalf("frame %d: zone %v from planes, %v from BGR (the 480x360 frame's left half)", f, planes.zones[f], bgr.zones[f])
		}
		for _, o := range planes.objs[f] {
			if o.ID > 0 {
				found++
			}
		}
	}
	if found == 0 || bests == 0 {
		t.Errorf("%d tracked objects, %d best frames: the clip should show the pets", found, bests)
	}
}

// convSink takes BGR only and converts each frame into the Output's
// other field, which it should leave alone.
type convSink struct{}

func (convSink) Write(o *pipeline.Output) error {
	gocv.CvtColor(o.Image, &o.I420, gocv.ColorBGRToYUVI420)
	return nil
}
func (convSink) Close() error { return nil }

// TestI420FieldWrittenIsDropped: a sink that writes into the Output's
// empty field does not make the next frame look like planes (the
// overlay would draw on a stale frame).
func TestI420FieldWrittenIsDropped(t *testing.T) {
	src, err := source.Open(testVideo, source.Options{})
	if err != nil {
		t.Fatal(err)
	}
	planes := 0
	probe := func(next pipeline.Sink) pipeline.Sink {
		return pipeline.SinkFunc(func(o *pipeline.Output) error {
			if o.HasI420() {
				planes++
			}
			return next.Write(o)
		})
	}
	p, err := pipeline.New(pipeline.Config{Source: src, Model: smallModel(t),
		Stages: []pipeline.Stage{probe, stage.Overlay(nil)}, Sinks: []pipeline.Sink{convSink{}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if planes > 0 {
		t.Errorf("%d frames of a BGR run arrived with HasI420 true", planes)
	}
}
