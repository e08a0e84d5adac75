package pipeline_test

import (
	"context"
	"errors"
	"image"
	"image/color"
	"io"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"gocv.io/x/gocv"

	"github.com/livecam/livecam/classify"
	"github.com/livecam/livecam/events"
	"github.com/livecam/livecam/pipeline"
	"github.com/livecam/livecam/pipeline/stage"
	"github.com/livecam/livecam/track"
)

// classResult is what a test keeps of a classifier's Result.
type classResult struct {
	Frame    int64
	PTS      time.Duration
	Inferred bool
	Top      []classify.Prediction
}

func keepClasses(r *pipeline.Result) classResult {
	return classResult{r.Frame, r.PTS, r.Inferred, slices.Clone(r.Top())}
}

// videoFrom runs every frame of src through v, at the frame's own PTS,
// then closes v; it returns what each Process returned.
func videoFrom(t *testing.T, v *pipeline.Video, src pipeline.Source) []*pipeline.Result {
	t.Helper()
	m := gocv.NewMat()
	defer m.Close()
	var rs []*pipeline.Result
	for {
		fr, err := src.Read(&m)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		r, err := v.Process(context.Background(), m, fr.PTS)
		if err != nil {
			t.Fatal(err)
		}
		rs = append(rs, r)
	}
	if err := v.Close(); err != nil {
		t.Fatal(err)
	}
	return rs
}

// TestVideoSameAsPipeline runs the same 60 frames through a Pipeline (in
// file mode, two workers) and through a Video, with a gate, smoothing,
// ranked results and events: every frame's result and every event must
// be the same, and each Process must return the result OnResult saw.
func TestVideoSameAsPipeline(t *testing.T) {
	m := smallModel(t)
	cfg := func(results *[]classResult, evs *[]events.Event) pipeline.Config {
		smooth, err := stage.Smooth(0.5)
		if err != nil {
			t.Fatal(err)
		}
		return pipeline.Config{Model: m, Gate: stage.Every(3), Stages: []pipeline.Stage{smooth},
			Classes:  classify.Options{MaxResults: 3},
			Events:   events.Options{Enter: 0.15, Leave: 0.12, MinDuration: 80 * time.Millisecond},
			OnEvent:  func(e events.Event) { *evs = append(*evs, e) },
			OnResult: func(r *pipeline.Result) { *results = append(*results, keepClasses(r)) }}
	}
	var want, got []classResult
	var wantEvs, gotEvs []events.Event
	c := cfg(&want, &wantEvs)
	c.Source, c.Workers = &synthSource{n: 60, w: 64, h: 48}, 2
	p, err := pipeline.New(c)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	v, err := pipeline.NewVideo(cfg(&got, &gotEvs))
	if err != nil {
		t.Fatal(err)
	}
	returned := videoFrom(t, v, &synthSource{n: 60, w: 64, h: 48})
	if len(want) != 60 || len(got) != 60 {
		t.Fatalf("%d results from the pipeline, %d from the Video, want 60", len(want), len(got))
	}
	for i := range want {
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Fatalf("frame %d: the Video gave %+v, the pipeline %+v", i, got[i], want[i])
		}
	}
	// The events' wall-clock times and camera names are the runs' own.
	for _, evs := range [][]events.Event{wantEvs, gotEvs} {
		for i := range evs {
			evs[i].Time, evs[i].Camera = time.Time{}, ""
		}
	}
	if len(wantEvs) < 2 || !reflect.DeepEqual(gotEvs, wantEvs) {
		t.Fatalf("events: the Video gave %+v\nthe pipeline %+v", gotEvs, wantEvs)
	}
	if last := returned[len(returned)-1]; last.Frame != 59 || last.PTS != want[59].PTS {
		t.Errorf("the last Process returned frame %d at %v", last.Frame, last.PTS)
	}
	if s := v.Metrics().Snapshot(); s.In != 60 || s.Out != 60 || s.Inferences != 20 {
		t.Errorf("Video metrics: in %d, out %d, inferences %d; want 60, 60, 20", s.In, s.Out, s.Inferences)
	}
	t.Logf("%d events, the same from both", len(gotEvs))
}

// TestVideoDetectorSameAsPipeline: the detector with tracking and a zone,
// over dogs, an empty room and a person, every second frame inferred:
// the Video gives the pipeline's objects (ids and boxes) on every frame,
// and its object events, the last leaves at Close.
func TestVideoDetectorSameAsPipeline(t *testing.T) {
	const w, h = 512, 430
	m := detectModel(t)
	pets, room, person := photo(t, "pets.jpg", w, h), blank(t, w, h), photo(t, "grace_hopper.jpg", w, h)
	scenes := []scene{{pets, 6}, {room, 5}, {person, 6}, {pets, 4}}
	cfg := pipeline.Config{Model: m, Filter: halfScore, Gate: stage.Every(2),
		Track: &track.Config{MaxLost: 2, Zones: []track.Zone{
			{Name: "left", Points: [][2]float64{{0, 0}, {0.5, 0}, {0.5, 1}, {0, 1}}, Fractions: true}}}}
	pc := cfg
	pc.Source, pc.Workers = &sceneSource{name: "room", scenes: scenes}, 2
	want, wantEvs, _ := runDetector(t, pc, nil)

	var got []frameResult
	var gotEvs []track.Event
	vc := cfg
	vc.OnResult = func(r *pipeline.Result) {
		got = append(got, frameResult{frame: r.Frame, inferred: r.Inferred, objs: slices.Clone(r.Objects()), w: r.Width, h: r.Height})
	}
	vc.OnObjectEvent = func(e track.Event) {
		e.Zones = slices.Clone(e.Zones)
		gotEvs = append(gotEvs, e)
	}
	v, err := pipeline.NewVideo(vc)
	if err != nil {
		t.Fatal(err)
	}
	videoFrom(t, v, &sceneSource{name: "room", scenes: scenes})
	if len(want) != 21 || !reflect.DeepEqual(got, want) {
		t.Fatalf("the Video's results differ from the pipeline's:\n%+v\n%+v", got, want)
	}
	// The wall-clock times are each run's own capture times: present in
	// both, then left out of the comparison.
	for _, evs := range [][]track.Event{gotEvs, wantEvs} {
		for i := range evs {
			if evs[i].Wall.IsZero() {
				t.Fatalf("object event %+v has no wall-clock time", evs[i])
			}
			evs[i].Wall = time.Time{}
		}
	}
	if len(wantEvs) < 4 || !reflect.DeepEqual(gotEvs, wantEvs) {
		t.Fatalf("object events: the Video gave %+v\nthe pipeline %+v", gotEvs, wantEvs)
	}
	t.Logf("%d frames, %d object events, the same from both", len(got), len(gotEvs))
}

// TestVideoRefuses: a frame stamped at or before the previous one, of
// another size or type, or given after Close is refused with an error
// saying so, and changes nothing: the next good frame is the next
// frame. A Config for a Pipeline's source is refused by NewVideo.
func TestVideoRefuses(t *testing.T) {
	var frames []int64
	v, err := pipeline.NewVideo(pipeline.Config{Model: smallModel(t), OnResult: func(r *pipeline.Result) { frames = append(frames, r.Frame) }})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	img := gocv.NewMatWithSize(48, 64, gocv.MatTypeCV8UC3)
	defer img.Close()
	if _, err := v.Process(ctx, img, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	for _, ts := range []time.Duration{5 * time.Second, 10 * time.Second} {
		_, err := v.Process(ctx, img, ts)
		var te *pipeline.TimestampError
		if !errors.As(err, &te) || te.PTS != ts || te.Previous != 10*time.Second {
			t.Fatalf("a frame at %v after one at 10s: %v, want a TimestampError", ts, err)
		}
		if want := "pipeline: video: timestamp " + ts.String() + " is not after the previous frame's 10s"; err.Error() != want {
			t.Errorf("error %q, want %q", err, want)
		}
	}
	big := gocv.NewMatWithSize(96, 128, gocv.MatTypeCV8UC3)
	defer big.Close()
	if _, err := v.Process(ctx, big, 11*time.Second); err == nil || !strings.Contains(err.Error(), "frame 1 is 128x96, the video's frames are 64x48") {
		t.Errorf("a frame of another size: %v", err)
	}
	grey := gocv.NewMatWithSize(48, 64, gocv.MatTypeCV8UC1)
	defer grey.Close()
	if _, err := v.Process(ctx, grey, 11*time.Second); err == nil || !strings.Contains(err.Error(), "not 8-bit BGR") {
		t.Errorf("a grey Mat: %v", err)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := v.Process(cancelled, img, 11*time.Second); !errors.Is(err, context.Canceled) {
		t.Errorf("a cancelled context: %v", err)
	}
	r, err := v.Process(ctx, img, 11*time.Second)
	if err != nil || r.Frame != 1 || r.PTS != 11*time.Second {
		t.Fatalf("the next good frame: %+v, %v; want frame 1 at 11s", r, err)
	}
	if err := v.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := v.Process(ctx, img, 12*time.Second); !errors.Is(err, pipeline.ErrVideoClosed) {
		t.Errorf("after Close: %v", err)
	}
	if !slices.Equal(frames, []int64{0, 1}) {
		t.Errorf("OnResult saw frames %v, want [0 1]", frames)
	}
	for name, cfg := range map[string]pipeline.Config{
		"Source": {Model: smallModel(t), Source: &synthSource{n: 1, w: 8, h: 8}},
		"Live":   {Model: smallModel(t), Mode: pipeline.Live},
		"Pool":   {Model: smallModel(t), Pool: &pipeline.Pool{}},
		"model":  {},
	} {
		if _, err := pipeline.NewVideo(cfg); err == nil {
			t.Errorf("NewVideo accepted a Config with %s", name)
		}
	}
}

// TestVideoImage: a Go image gives the result of the same picture as a
// BGR Mat.
func TestVideoImage(t *testing.T) {
	m := smallModel(t)
	rgba := image.NewRGBA(image.Rect(0, 0, 64, 48))
	mat := gocv.NewMatWithSize(48, 64, gocv.MatTypeCV8UC3)
	defer mat.Close()
	for y := range 48 {
		for x := range 64 {
			c := color.RGBA{uint8(4 * x), uint8(5 * y), uint8(x * y), 255}
			rgba.SetRGBA(x, y, c)
			mat.SetUCharAt(y, 3*x, c.B)
			mat.SetUCharAt(y, 3*x+1, c.G)
			mat.SetUCharAt(y, 3*x+2, c.R)
		}
	}
	var tops [2][]classify.Prediction
	for i := range tops {
		v, err := pipeline.NewVideo(pipeline.Config{Model: m})
		if err != nil {
			t.Fatal(err)
		}
		var r *pipeline.Result
		if i == 0 {
			r, err = v.Process(context.Background(), mat, 0)
		} else {
			r, err = v.ProcessImage(context.Background(), rgba, 0)
		}
		if err != nil {
			t.Fatal(err)
		}
		tops[i] = slices.Clone(r.Top())
		v.Close()
	}
	if len(tops[0]) == 0 || !slices.Equal(tops[0], tops[1]) {
		t.Errorf("the Mat gave %v, the image %v", tops[0], tops[1])
	}
}

// TestVideoAllocatesNothing: once warm, Process with smoothing, events and
// OnResult allocates nothing.
func TestVideoAllocatesNothing(t *testing.T) {
	smooth, _ := stage.Smooth(0.5)
	n := 0
	v, err := pipeline.NewVideo(pipeline.Config{Model: smallModel(t), Stages: []pipeline.Stage{smooth},
		Events: events.Options{Enter: 0.1, Leave: 0.05}, OnEvent: func(events.Event) {},
		OnResult: func(*pipeline.Result) { n++ }})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	img := gocv.NewMatWithSize(48, 64, gocv.MatTypeCV8UC3)
	defer img.Close()
	ts := time.Duration(0)
	process := func() {
		ts += 40 * time.Millisecond
		if _, err := v.Process(context.Background(), img, ts); err != nil {
			t.Fatal(err)
		}
	}
	for range 5 {
		process()
	}
	if a := testing.AllocsPerRun(50, process); a != 0 {
		t.Errorf("%v allocations per frame", a)
	}
}
