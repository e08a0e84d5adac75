package pipeline_test

import (
	"context"
	"io"
	"math"
	"sync"
	"testing"
	"time"

	"gocv.io/x/gocv"

	"github.com/livecam/livecam/classify"
	"github.com/livecam/livecam/events"
	"github.com/livecam/livecam/pipeline"
	"github.com/livecam/livecam/pipeline/stage"
	"github.com/livecam/livecam/source/push"
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
	cam, err := push.New("stamped", 32, 24, 0)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var got []pipeline.Result
	p, err := pipeline.New(pipeline.Config{Source: cam, Model: smallModel(t), Mode: pipeline.File,
		OnResult: func(r *pipeline.Result) { mu.Lock(); got = append(got, *r); mu.Unlock() }})
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
		for {
			mu.Lock()
			n := len(got)
			mu.Unlock()
			if n > i {
				break
			}
			time.Sleep(time.Millisecond)
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
		if d := r.Time.Sub(pushedAt[i]); d < 0 || d > 50*time.Millisecond {
			t.Errorf("result %d: time %v is %v after the push", i, r.Time, d)
		}
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
		Results: classify.Options{MaxResults: 3}, Stages: []pipeline.Stage{record(&raw), smooth, record(&seen)}})
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
		Results: classify.Options{MaxResults: 10, MinScore: 0.05, Deny: []int{favourite}},
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
