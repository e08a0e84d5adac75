package pipeline_test

import (
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
	"gocv.io/x/gocv"

	"github.com/livecam/livecam/classify"
	"github.com/livecam/livecam/internal/randweights"
	"github.com/livecam/livecam/internal/testrig/shareddata"
	"github.com/livecam/livecam/models"
	"github.com/livecam/livecam/pipeline"
	"github.com/livecam/livecam/pipeline/stage"
	"github.com/livecam/livecam/sink/jsonl"
	"github.com/livecam/livecam/sink/outfile"
	"github.com/livecam/livecam/sink/video"
	"github.com/livecam/livecam/source"
	"github.com/livecam/livecam/source/push"
)

// resultsFile returns a JSON-lines results sink writing path.
func resultsFile(path string) (pipeline.Sink, error) {
	w, err := jsonl.Create(path, outfile.Options{})
	if err != nil {
		return nil, err
	}
	return jsonl.NewResults(w), nil
}

// videoAndResults returns a video sink writing dir/out.avi and a results
// sink writing dir/r.jsonl.
func videoAndResults(t *testing.T, dir string) (*video.Sink, pipeline.Sink) {
	t.Helper()
	vs, err := video.Create(filepath.Join(dir, "out.avi"), outfile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	results, err := resultsFile(filepath.Join(dir, "r.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	return vs, results
}

// smallModel is a generated 0.25@128 network with 10 classes: fast, and
// its labels are "class N".
func smallModel(tb testing.TB) *models.Model {
	tb.Helper()
	m, err := randweights.Model(randweights.Small, 1)
	if err != nil {
		tb.Fatal(err)
	}
	return models.FromClassifier(m)
}

const testVideo = "../testdata/videos/shapes_320x240.avi" // 45 frames, 15 fps

// frameCount asks ffprobe how many frames a video file holds.
func frameCount(tb testing.TB, path string) (frames, width, height int, fps string) {
	tb.Helper()
	out, err := exec.Command("ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0",
		"-show_entries", "stream=width,height,r_frame_rate,nb_read_frames", "-of", "csv=p=0", path).Output()
	if err != nil {
		tb.Fatalf("ffprobe %s: %v", path, err)
	}
	f := strings.Split(strings.TrimSpace(string(out)), ",")
	if len(f) != 4 {
		tb.Fatalf("ffprobe %s: %q", path, out)
	}
	width, _ = strconv.Atoi(f[0])
	height, _ = strconv.Atoi(f[1])
	frames, _ = strconv.Atoi(f[3])
	return frames, width, height, f[2]
}

func TestFileModeEveryFrameInOrder(t *testing.T) {
	before := goleak.IgnoreCurrent()
	src, err := source.Open(testVideo, source.Options{})
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "out.avi")
	vs, err := video.Create(out, outfile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var frames []int64
	p, err := pipeline.New(pipeline.Config{Source: src, Model: smallModel(t), Workers: 3, Stages: []pipeline.Stage{stage.Overlay(nil)},
		Sinks:    []pipeline.Sink{vs},
		OnResult: func(r *pipeline.Result) { frames = append(frames, r.Frame) }})
	if err != nil {
		t.Fatal(err)
	}
	if p.Live() {
		t.Fatal("a file should run in file mode")
	}
	if err := p.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(frames) != 45 {
		t.Fatalf("%d results, want 45", len(frames))
	}
	for i, f := range frames {
		if f != int64(i) {
			t.Fatalf("result %d is frame %d: out of order", i, f)
		}
	}
	n, w, h, fps := frameCount(t, out)
	if n != 45 || w != 320 || h != 240 || fps != "15/1" {
		t.Errorf("output video: %d frames %dx%d at %s, want 45 320x240 at 15/1", n, w, h, fps)
	}
	s := p.Metrics().Snapshot()
	if s.In != 45 || s.Out != 45 || s.Dropped != 0 || s.Inferences != 45 {
		t.Errorf("metrics: %+v", s)
	}
	// Every goroutine Run started has exited (goleak retries for a
	// while: the runners' threads park after spinning).
	if err := goleak.Find(before); err != nil {
		t.Errorf("goroutines left after Run: %v", err)
	}
}

func TestEveryCarriesResults(t *testing.T) {
	src, err := source.Open(testVideo, source.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var inferred []bool
	var tops [][]classify.Prediction
	p, err := pipeline.New(pipeline.Config{Source: src, Model: smallModel(t), Gate: stage.Every(4), Classes: classify.Options{MaxResults: 3},
		OnResult: func(r *pipeline.Result) {
			inferred = append(inferred, r.Inferred)
			tops = append(tops, append([]classify.Prediction(nil), r.Top()...))
		}})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	for i, inf := range inferred {
		if inf != (i%4 == 0) {
			t.Fatalf("frame %d: inferred %v", i, inf)
		}
		if i%4 != 0 && tops[i][0] != tops[i-i%4][0] {
			t.Fatalf("frame %d does not carry frame %d's result", i, i-i%4)
		}
		if len(tops[i]) != 3 {
			t.Fatalf("frame %d: %d classes", i, len(tops[i]))
		}
	}
	if got := p.Metrics().Snapshot().Inferences; got != 12 {
		t.Errorf("%d inferences for 45 frames every 4, want 12", got)
	}
}

// chanSource is a live source whose frames the test hands over one at a
// time (frame i is a solid colour, at i ms): reads says, before each Read
// waits, how many frames were read so far.
type chanSource struct {
	w, h   int
	frames chan int      // closed: the end
	reads  chan int      // buffered: one per Read
	stop   chan struct{} // closed by Interrupt
	n      int
	once   sync.Once
}

func newChanSource(w, h int) *chanSource {
	return &chanSource{w: w, h: h, frames: make(chan int), reads: make(chan int, 1024), stop: make(chan struct{})}
}

func (c *chanSource) Info() pipeline.SourceInfo {
	return pipeline.SourceInfo{Name: "chan", Width: c.w, Height: c.h, Live: true}
}

func (c *chanSource) Read(dst *gocv.Mat) (pipeline.Frame, error) {
	c.reads <- c.n
	select {
	case i, ok := <-c.frames:
		if !ok {
			return pipeline.Frame{}, io.EOF
		}
		if dst.Rows() != c.h || dst.Cols() != c.w {
			dst.Close()
			*dst = gocv.NewMatWithSize(c.h, c.w, gocv.MatTypeCV8UC3)
		}
		dst.SetTo(gocv.NewScalar(float64(i%256), 0, 0, 0))
		c.n++
		return pipeline.Frame{PTS: time.Duration(i) * time.Millisecond}, nil
	case <-c.stop:
		return pipeline.Frame{}, errors.New("interrupted")
	}
}

func (c *chanSource) Interrupt()   { c.once.Do(func() { close(c.stop) }) }
func (c *chanSource) Close() error { return nil }

// waitRead waits until the source's Read is called for the frame after
// the n frames read so far: the capture loop has handed the n-th on.
func (c *chanSource) waitRead(t *testing.T, n int, what string) {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case got := <-c.reads:
			if got == n {
				return
			}
		case <-timeout:
			t.Fatalf("the capture loop never came back for frame %d: %s", n, what)
		}
	}
}

// TestLiveModeDropsStaleFrames holds the only worker busy on frame 0 (as
// a slow forward pass would) while frames 1 to 9 arrive: in live mode the
// capture loop never waits, each frame replaces the one before it in the
// handoff, and the worker's next frame is the newest, 9; frames 1 to 8
// are dropped and counted.
func TestLiveModeDropsStaleFrames(t *testing.T) {
	cam := newChanSource(64, 48)
	var frames []int64
	p, err := pipeline.New(pipeline.Config{Source: cam, Model: smallModel(t), Workers: 1,
		OnResult: func(r *pipeline.Result) { frames = append(frames, r.Frame) }})
	if err != nil {
		t.Fatal(err)
	}
	if !p.Live() {
		t.Fatal("a live source should run live")
	}
	took := make(chan int64, 16)
	release := make(chan struct{})
	var releaseOnce sync.Once
	free := func() { releaseOnce.Do(func() { close(release) }) }
	remove := pipeline.SetTakeHook(func(f int64) {
		took <- f
		if f == 0 {
			<-release // the worker is busy with frame 0
		}
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	ran := false
	defer func() { // on failure too: the run ends before the hook goes
		if !ran {
			cancel()
			free()
			<-done
		}
		cancel()
		remove()
	}()
	for i := range 10 {
		cam.waitRead(t, i, "the live handoff made it wait for the busy worker")
		cam.frames <- i
		if i == 0 {
			if f := <-took; f != 0 {
				t.Fatalf("the worker took frame %d first", f)
			}
		}
	}
	cam.waitRead(t, 10, "the live handoff made it wait for the busy worker")
	free()
	close(cam.frames)
	err = <-done
	ran = true
	if err != nil {
		t.Fatal(err)
	}
	close(took)
	var taken []int64
	for f := range took {
		taken = append(taken, f)
	}
	if !slices.Equal(taken, []int64{9}) || !slices.Equal(frames, []int64{0, 9}) {
		t.Errorf("after frame 0 the worker took %v and the results are frames %v: want [9], and [0 9] (the newest wins)", taken, frames)
	}
	if s := p.Metrics().Snapshot(); s.In != 10 || s.Out != 2 || s.Dropped != 8 {
		t.Errorf("in %d, out %d, dropped %d: want 10, 2, 8", s.In, s.Out, s.Dropped)
	}
}

// TestLiveModeSlowSink pushes frames faster than a slow sink can take
// them: the pipeline must keep up by dropping, deliver in order, and
// account for every frame.
func TestLiveModeSlowSink(t *testing.T) {
	cam, err := push.New("test", 64, 48, 0)
	if err != nil {
		t.Fatal(err)
	}
	var frames []int64
	p, err := pipeline.New(pipeline.Config{Source: cam, Model: smallModel(t), Workers: 2,
		Sinks:    []pipeline.Sink{pipeline.SinkFunc(func(o *pipeline.Output) error { time.Sleep(5 * time.Millisecond); return nil })}, // a slow sink
		OnResult: func(r *pipeline.Result) { frames = append(frames, r.Frame) }})
	if err != nil {
		t.Fatal(err)
	}
	if !p.Live() {
		t.Fatal("a push source should run live")
	}
	go func() {
		img := gocv.NewMatWithSize(48, 64, gocv.MatTypeCV8UC3)
		defer img.Close()
		for i := range 300 {
			img.SetTo(gocv.NewScalar(float64(i), 0, 0, 0))
			cam.PushMat(img, time.Duration(i)*time.Millisecond)
			time.Sleep(500 * time.Microsecond) // a 2000 fps camera
		}
		cam.Close()
	}()
	if err := p.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	s := p.Metrics().Snapshot()
	if s.Out == 0 || s.Dropped == 0 {
		t.Errorf("out %d, dropped %d: want both above 0", s.Out, s.Dropped)
	}
	if s.In != s.Out+s.Dropped {
		t.Errorf("frames in %d != out %d + dropped %d", s.In, s.Out, s.Dropped)
	}
	for i := 1; i < len(frames); i++ {
		if frames[i] <= frames[i-1] {
			t.Fatalf("frame %d after %d", frames[i], frames[i-1])
		}
	}
	t.Logf("pushed 300 (%d replaced at the source), read %d, processed %d, dropped %d", cam.Replaced(), s.In, s.Out, s.Dropped)
}

// TestCancelKeepsOutputsComplete cancels a run half-way: Run must return
// promptly without error, and the video and the JSON lines must hold
// exactly the frames that were processed, readable to the end.
func TestCancelKeepsOutputsComplete(t *testing.T) {
	src, err := source.Open(testVideo, source.Options{Realtime: true}) // paced, so the run lasts 3 s
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	vs, results := videoAndResults(t, dir)
	p, err := pipeline.New(pipeline.Config{Source: src, Model: smallModel(t), Stages: []pipeline.Stage{stage.Overlay(nil)}, Sinks: []pipeline.Sink{vs, results}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(time.Second, cancel)
	start := time.Now()
	if err := p.Run(ctx); err != nil {
		t.Fatal(err)
	}
	if el := time.Since(start); el > 1500*time.Millisecond {
		t.Errorf("Run took %v after a cancel at 1 s", el)
	}
	s := p.Metrics().Snapshot()
	if s.Out < 5 || s.Out > 25 {
		t.Errorf("%d frames processed in about 1 s of 15 fps video", s.Out)
	}
	n, _, _, _ := frameCount(t, filepath.Join(dir, "out.avi"))
	if int64(n) != s.Out || int64(vs.Frames()) != s.Out {
		t.Errorf("video holds %d frames (sink wrote %d), %d were processed", n, vs.Frames(), s.Out)
	}
	lines := 0
	for _, frame := range readLines(t, filepath.Join(dir, "r.jsonl")) {
		if !strings.HasPrefix(frame, `{"frame":`+strconv.Itoa(lines)+`,`) || !strings.HasSuffix(frame, "}") {
			t.Fatalf("line %d: %q", lines, frame)
		}
		lines++
	}
	if int64(lines) != s.Out {
		t.Errorf("%d JSON lines for %d frames", lines, s.Out)
	}
}

func readLines(t *testing.T, path string) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
}

func TestLoopPlaysAgain(t *testing.T) {
	src, err := source.Open(testVideo, source.Options{Loop: true})
	if err != nil {
		t.Fatal(err)
	}
	var last int64
	p, err := pipeline.New(pipeline.Config{Source: src, Model: smallModel(t), Gate: stage.Every(10), OnResult: func(r *pipeline.Result) { last = r.Frame }})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	// The 45-frame file must play past its end: wait for frame 100, for
	// at most 20 s (it takes well under one), and fail if it ends.
	deadline := time.After(20 * time.Second)
wait:
	for p.Metrics().Snapshot().Out < 100 {
		select {
		case err := <-done:
			t.Fatalf("the run ended after %d frames (%v): the file did not loop", p.Metrics().Snapshot().Out, err)
		case <-deadline:
			break wait
		case <-time.After(10 * time.Millisecond):
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if last < 99 {
		t.Errorf("looping a 45-frame video reached frame %d", last)
	}
}

// TestMaxFPSCapsInferences plays the 3 s test video at its own rate with
// at most 4 forward passes per second: about 12 frames are classified,
// the others carry the last result.
func TestMaxFPSCapsInferences(t *testing.T) {
	src, err := source.Open(testVideo, source.Options{Realtime: true})
	if err != nil {
		t.Fatal(err)
	}
	p, err := pipeline.New(pipeline.Config{Source: src, Model: smallModel(t), Gate: stage.MaxRate(4)})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	s := p.Metrics().Snapshot()
	if s.Inferences < 10 || s.Inferences > 14 || s.Out != 45 {
		t.Errorf("%d inferences for %d frames in 3 s at MaxFPS 4, want about 12 of 45", s.Inferences, s.Out)
	}
}

func TestGStreamerSource(t *testing.T) {
	src, err := source.Open("videotestsrc num-buffers=30 ! video/x-raw,width=160,height=120,framerate=30/1 ! videoconvert ! video/x-raw,format=BGR ! appsink", source.Options{})
	if err != nil {
		shareddata.Need(t, "no GStreamer in this OpenCV: %v", err)
	}
	p, err := pipeline.New(pipeline.Config{Source: src, Model: smallModel(t)})
	if err != nil {
		t.Fatal(err)
	}
	if !p.Live() {
		t.Error("a GStreamer pipeline should run live")
	}
	if err := p.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	s := p.Metrics().Snapshot()
	if s.In != 30 || s.In != s.Out+s.Dropped {
		t.Errorf("in %d, out %d, dropped %d: want 30 in, all accounted for", s.In, s.Out, s.Dropped)
	}
}
