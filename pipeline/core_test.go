package pipeline_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"testing"
	"time"

	"gocv.io/x/gocv"

	"github.com/livecam/livecam/classify"
	"github.com/livecam/livecam/events"
	"github.com/livecam/livecam/pipeline"
	"github.com/livecam/livecam/pipeline/stage"
	"github.com/livecam/livecam/source/push"
	"strconv"
)

// synthSource is a file-like source of n frames, 40 ms apart, each a
// different solid colour: the core can be tested without decoders.
type synthSource struct {
	n, i int
	w, h int
}

func (s *synthSource) Info() pipeline.SourceInfo {
	return pipeline.SourceInfo{Name: "synthetic", Width: s.w, Height: s.h, FPS: 25, Frames: s.n}
}

func (s *synthSource) Read(dst *gocv.Mat) (pipeline.Frame, error) {
	if s.i == s.n {
		return pipeline.Frame{}, io.EOF
	}
	if dst.Rows() != s.h || dst.Cols() != s.w {
		dst.Close()
		*dst = gocv.NewMatWithSize(s.h, s.w, gocv.MatTypeCV8UC3)
	}
	dst.SetTo(gocv.NewScalar(float64(s.i*7%256), float64(s.i*13%256), float64(s.i*29%256), 0))
	fr := pipeline.Frame{PTS: time.Duration(s.i) * 40 * time.Millisecond}
	s.i++
	return fr, nil
}

func (s *synthSource) Close() error { return nil }

// TestCancelReturnsPromptly cancels runs whose source never delivers a
// frame (a push source nobody pushes to, or closes): Run must return at
// once every time; make test runs it under -race too.
func TestCancelReturnsPromptly(t *testing.T) {
	m := smallModel(t)
	const runs = 100
	var slowest time.Duration
	for i := range runs {
		cam, err := push.New("idle", 32, 24, 0)
		if err != nil {
			t.Fatal(err)
		}
		p, err := pipeline.New(pipeline.Config{Source: cam, Model: m, Workers: 2})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- p.Run(ctx) }()
		// Not for ordering: the cancel comes at varied moments, before
		// the run has started, while it waits for a frame, and between.
		time.Sleep(time.Duration(i%5) * time.Millisecond)
		cancelled := time.Now()
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("run %d: %v", i, err)
			}
			slowest = max(slowest, time.Since(cancelled))
		case <-time.After(2 * time.Second):
			t.Fatalf("run %d: Run still running 2 s after the cancel", i)
		}
	}
	t.Logf("%d of %d runs returned after a cancel; slowest %v", runs, runs, slowest)
}

// TestPushedTimesCarried: results carry the caller's timestamps and the
// wall-clock time of each push.
func TestPushedTimesCarried(t *testing.T) {
	cam, err := push.NewVideo("stamped", 32, 24, 0) // every frame
	if err != nil {
		t.Fatal(err)
	}
	var got []pipeline.Result
	p, err := pipeline.New(pipeline.Config{Source: cam, Model: smallModel(t),
		OnResult: func(r *pipeline.Result) { got = append(got, *r) }})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- p.Run(context.Background()) }()
	rgb := make([]byte, 32*24*3)
	var pushedAt []time.Time
	for i := range 5 {
		pushedAt = append(pushedAt, time.Now())
		if err := cam.PushRGB(rgb, time.Hour+time.Duration(i)*time.Second); err != nil {
			t.Fatal(err)
		}
	}
	cam.Close()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if len(got) != 5 {
		t.Fatalf("%d results for 5 pushes", len(got))
	}
	for i, r := range got {
		if want := time.Hour + time.Duration(i)*time.Second; r.PTS != want {
			t.Errorf("result %d: PTS %v, want the pushed %v", i, r.PTS, want)
		}
		next := time.Now()
		if i+1 < len(pushedAt) {
			next = pushedAt[i+1]
		}
		if r.Time.Before(pushedAt[i]) || r.Time.After(next) {
			t.Errorf("result %d: time %v is not the time of its push (%v to %v)", i, r.Time, pushedAt[i], next)
		}
	}
}

// TestVideoModeEveryPushedFrame pushes 300 frames back to back to a push
// source in VIDEO mode, made so (push.NewVideo) or set so by a pipeline
// in File mode: every frame gets a result, in order, with its timestamp;
// nothing is replaced at the source or dropped by the pipeline.
func TestVideoModeEveryPushedFrame(t *testing.T) {
	m := smallModel(t)
	for _, how := range []string{"push.NewVideo", "pipeline.File"} {
		t.Run(how, func(t *testing.T) {
			var cam *push.Source
			var err error
			mode := pipeline.Auto
			if how == "push.NewVideo" {
				cam, err = push.NewVideo("video", 64, 48, 0)
			} else {
				cam, err = push.New("camera", 64, 48, 0)
				mode = pipeline.File
			}
			if err != nil {
				t.Fatal(err)
			}
			var frames []int64
			var pts []time.Duration
			p, err := pipeline.New(pipeline.Config{Source: cam, Model: m, Workers: 2, Mode: mode,
				OnResult: func(r *pipeline.Result) { frames = append(frames, r.Frame); pts = append(pts, r.PTS) }})
			if err != nil {
				t.Fatal(err)
			}
			if p.Live() {
				t.Fatal("the pipeline runs live")
			}
			done := make(chan error, 1)
			go func() { done <- p.Run(context.Background()) }()
			img := gocv.NewMatWithSize(48, 64, gocv.MatTypeCV8UC3)
			defer img.Close()
			for i := range 300 {
				img.SetTo(gocv.NewScalar(float64(i%256), 0, 0, 0))
				if err := cam.PushMat(img, time.Duration(i)*time.Millisecond); err != nil {
					t.Fatalf("push %d: %v", i, err)
				}
			}
			cam.Close()
			if err := <-done; err != nil {
				t.Fatal(err)
			}
			if len(frames) != 300 {
				t.Fatalf("%d results for 300 frames pushed (%d replaced at the source)", len(frames), cam.Replaced())
			}
			for i := range frames {
				if frames[i] != int64(i) || pts[i] != time.Duration(i)*time.Millisecond {
					t.Fatalf("result %d is frame %d at %v", i, frames[i], pts[i])
				}
			}
			if s := p.Metrics().Snapshot(); cam.Replaced() != 0 || s.In != 300 || s.Dropped != 0 || s.Inferences != 300 {
				t.Errorf("replaced %d, in %d, dropped %d, inferences %d: want 0, 300, 0, 300", cam.Replaced(), s.In, s.Dropped, s.Inferences)
			}
		})
	}
}

// TestVideoModeStopsPush: with the only worker held busy, frames pushed
// in VIDEO mode fill the pipeline and a push then waits for room; when
// the run is cancelled it returns push.ErrStopped instead of waiting for
// ever, and so does every later push.
func TestVideoModeStopsPush(t *testing.T) {
	cam, err := push.NewVideo("video", 32, 24, 0)
	if err != nil {
		t.Fatal(err)
	}
	p, err := pipeline.New(pipeline.Config{Source: cam, Model: smallModel(t), Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	release := make(chan struct{})
	remove := pipeline.SetTakeHook(func(f int64) {
		if f == 0 {
			<-release
		}
	})
	defer remove()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	rgb := make([]byte, 32*24*3)
	// Frame 0 is with the worker, 1 in the handoff, 2 read and waiting
	// for the handoff, 3 in the source: the pushes return once each
	// frame is in the source.
	for i := range 4 {
		if err := cam.PushRGB(rgb, time.Duration(i)); err != nil {
			t.Fatalf("push %d: %v", i, err)
		}
	}
	pushed := make(chan error, 1)
	go func() { pushed <- cam.PushRGB(rgb, 4) }()
	cancel()
	select {
	case err := <-pushed:
		if !errors.Is(err, push.ErrStopped) {
			t.Errorf("a push waiting for room when the run was cancelled: %v, want push.ErrStopped", err)
		}
	case <-time.After(10 * time.Second):
		t.Error("a push waiting for room still waits 10 s after the run was cancelled")
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if err := cam.PushRGB(rgb, 5); !errors.Is(err, push.ErrClosed) {
		t.Errorf("a push after the run: %v, want push.ErrClosed", err)
	}
}

// TestEventsFollowStages: the events come from the classes the stages
// leave (here a stage that reports class 3 on frames 5 to 9 only), and a
// frame's events reach OnEvent before the sinks get the frame.
func TestEventsFollowStages(t *testing.T) {
	var log []string
	force := func(next pipeline.Sink) pipeline.Sink {
		return pipeline.SinkFunc(func(o *pipeline.Output) error {
			if f := o.Result.Frame; f >= 5 && f < 10 {
				o.Result.SetTop([]classify.Prediction{{Class: 3, Label: "three", Score: 0.9}})
			} else {
				o.Result.SetTop(nil)
			}
			return next.Write(o)
		})
	}
	p, err := pipeline.New(pipeline.Config{Source: &synthSource{n: 15, w: 32, h: 24}, Model: smallModel(t),
		Stages:  []pipeline.Stage{force},
		OnEvent: func(e events.Event) { log = append(log, fmt.Sprintf("%s %d %v %v", e.Type, e.Class, e.Start, e.End)) },
		Sinks: []pipeline.Sink{pipeline.SinkFunc(func(o *pipeline.Output) error {
			log = append(log, fmt.Sprintf("sink %d", o.Result.Frame))
			return nil
		})}})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	want := []string{"sink 0", "sink 1", "sink 2", "sink 3", "sink 4",
		"enter 3 200ms 0s", "sink 5", "sink 6", "sink 7", "sink 8", "sink 9",
		"leave 3 200ms 400ms", "sink 10", "sink 11", "sink 12", "sink 13", "sink 14"}
	if !slices.Equal(log, want) {
		t.Errorf("got  %q\nwant %q", log, want)
	}
}

// TestResultsChannelDropsWhenUnread: nobody reads Results while 100
// frames go through; the run is not held up, and the channel keeps the
// first results it could hold, in order, then closes.
func TestResultsChannelDropsWhenUnread(t *testing.T) {
	p, err := pipeline.New(pipeline.Config{Source: &synthSource{n: 100, w: 32, h: 24}, Model: smallModel(t)})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- p.Run(context.Background()) }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("an unread Results channel held the run up")
	}
	n := 0
	for r := range p.Results() {
		if r.Frame != int64(n) {
			t.Fatalf("result %d is frame %d", n, r.Frame)
		}
		n++
	}
	if n == 0 || n >= 100 {
		t.Errorf("%d of 100 results kept in the channel, want some but not all", n)
	}
}

// TestSmoothInRun: with stage.Smooth the sinks see the moving average of
// the probabilities the classifier produced, and the reported classes are
// ranked from it.
func TestSmoothInRun(t *testing.T) {
	const a = 0.25
	var raw, seen [][]float32
	var tops [][]classify.Prediction
	record := func(dst *[][]float32) pipeline.Stage {
		return func(next pipeline.Sink) pipeline.Sink {
			return pipeline.SinkFunc(func(o *pipeline.Output) error {
				*dst = append(*dst, append([]float32(nil), o.Probs...))
				if dst == &seen {
					tops = append(tops, append([]classify.Prediction(nil), o.Result.Top()...))
				}
				return next.Write(o)
			})
		}
	}
	smooth, err := stage.Smooth(a)
	if err != nil {
		t.Fatal(err)
	}
	p, err := pipeline.New(pipeline.Config{Source: &synthSource{n: 20, w: 32, h: 24}, Model: smallModel(t),
		Classes: classify.Options{MaxResults: 3}, Stages: []pipeline.Stage{record(&raw), smooth, record(&seen)}})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	avg := append([]float32(nil), raw[0]...)
	for i := range raw {
		if i > 0 {
			for c := range avg {
				avg[c] = a*raw[i][c] + (1-a)*avg[c]
			}
		}
		for c := range avg {
			if math.Abs(float64(avg[c]-seen[i][c])) > 1e-6 {
				t.Fatalf("frame %d class %d: sinks saw %v, the moving average is %v", i, c, seen[i][c], avg[c])
			}
		}
		best := 0
		for c := range avg {
			if avg[c] > avg[best] {
				best = c
			}
		}
		if tops[i][0].Class != best || len(tops[i]) != 3 {
			t.Fatalf("frame %d: top %v, the average's best class is %d", i, tops[i], best)
		}
	}
	if equal(raw[5], seen[5]) {
		t.Error("smoothing changed nothing")
	}
}

func equal(a, b []float32) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestResultOptionsApply: a denied class and classes under the minimum
// score never reach OnResult, the sinks or the events.
func TestResultOptionsApply(t *testing.T) {
	m := smallModel(t)
	// Find the class the model likes best on these frames.
	counts := map[int]int{}
	p, _ := pipeline.New(pipeline.Config{Source: &synthSource{n: 20, w: 32, h: 24}, Model: m,
		OnResult: func(r *pipeline.Result) { counts[r.Top()[0].Class]++ }})
	if err := p.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	favourite := 0
	for c, n := range counts {
		if n > counts[favourite] {
			favourite = c
		}
	}
	var evs []events.Event
	sinkSaw := 0
	p, err := pipeline.New(pipeline.Config{Source: &synthSource{n: 20, w: 32, h: 24}, Model: m,
		Classes: classify.Options{MaxResults: 10, MinScore: 0.05, Deny: []string{strconv.Itoa(favourite)}},
		Events:  events.Options{Enter: 0.05, Leave: 0.05},
		OnEvent: func(e events.Event) { evs = append(evs, e) },
		Sinks: []pipeline.Sink{pipeline.SinkFunc(func(o *pipeline.Output) error {
			for _, c := range o.Result.Top() {
				if c.Class == favourite || c.Score < 0.05 {
					t.Errorf("frame %d: sink got %+v", o.Result.Frame, c)
				}
				sinkSaw++
			}
			return nil
		})}})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if sinkSaw == 0 || len(evs) == 0 {
		t.Fatalf("nothing got through the filter (%d classes, %d events)", sinkSaw, len(evs))
	}
	for _, e := range evs {
		if e.Class == favourite {
			t.Errorf("event for the denied class: %+v", e)
		}
	}
	if evs[len(evs)-1].Type != events.Leave {
		t.Errorf("the run ended without the classes leaving: %+v", evs[len(evs)-1])
	}
}
