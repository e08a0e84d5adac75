package pipeline_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"gocv.io/x/gocv"

	"github.com/livecam/livecam/classify"
	"github.com/livecam/livecam/events"
	"github.com/livecam/livecam/pipeline"
	"github.com/livecam/livecam/track"
)

// feedSource is a live camera the test drives: each value sent on feed
// is a frame captured at that time, a zero time is a failure (the stream
// dropped; Reconnect succeeds at once). Closing feed ends it.
type feedSource struct {
	img  *gocv.Mat // the picture of every frame (nil: a blank 32×24)
	feed chan time.Time
	base time.Time
	stop chan struct{}
	once sync.Once
}

func newFeedSource() *feedSource {
	return &feedSource{feed: make(chan time.Time), stop: make(chan struct{})}
}

func (s *feedSource) Info() pipeline.SourceInfo {
	if s.img != nil {
		return pipeline.SourceInfo{Name: "rtsp://porch", Width: s.img.Cols(), Height: s.img.Rows(), Live: true}
	}
	return pipeline.SourceInfo{Name: "rtsp://porch", Width: 32, Height: 24, Live: true}
}

func (s *feedSource) Read(dst *gocv.Mat) (pipeline.Frame, error) {
	var at time.Time
	var ok bool
	select {
	case at, ok = <-s.feed:
	case <-s.stop:
		return pipeline.Frame{}, io.EOF
	}
	if !ok {
		return pipeline.Frame{}, io.EOF
	}
	if at.IsZero() {
		return pipeline.Frame{}, errors.New("stream dropped")
	}
	if s.img != nil {
		s.img.CopyTo(dst)
	} else if dst.Rows() != 24 || dst.Cols() != 32 {
		dst.Close()
		*dst = gocv.NewMatWithSize(24, 32, gocv.MatTypeCV8UC3)
	}
	return pipeline.Frame{PTS: at.Sub(s.base), Time: at}, nil
}

func (s *feedSource) Interrupt()       { s.once.Do(func() { close(s.stop) }) }
func (s *feedSource) Reconnect() error { return nil }
func (s *feedSource) Close() error     { return nil }

// signalLog is a sink that takes signals, and the log of everything the
// run says, in order.
type signalLog struct {
	mu    sync.Mutex
	lines []string
	ch    chan string // every line, as it comes
}

func (l *signalLog) add(s string) {
	l.mu.Lock()
	l.lines = append(l.lines, s)
	l.mu.Unlock()
	l.ch <- s
}

func (l *signalLog) Write(o *pipeline.Output) error {
	l.add(fmt.Sprintf("frame %d", o.Result.Frame))
	return nil
}

func (l *signalLog) Signal(s pipeline.Signal) {
	l.add(fmt.Sprintf("signal lost=%v since %s camera %s", s.Lost, s.Since.Format("15:04:05.000"), s.Camera))
}

func (l *signalLog) Close() error { return nil }

// wait returns the next line, or fails the test after a deadline.
func (l *signalLog) wait(t *testing.T, want string) {
	t.Helper()
	select {
	case got := <-l.ch:
		if got != want {
			t.Fatalf("got %q, want %q (log %q)", got, want, l.lines)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("timed out waiting for %q (log %q)", want, l.lines)
	}
}

// pelicanStage sees a pelican in every frame.
type pelicanStage struct{ next pipeline.Sink }

func (s pelicanStage) Write(o *pipeline.Output) error {
	o.Result.SetTop([]classify.Prediction{{Class: 144, Label: "pelican", Score: 0.9}})
	return s.next.Write(o)
}

func (s pelicanStage) Close() error { return s.next.Close() }

// TestSignalLostAndBack is the porch camera of issue 23: frames flow, the
// stream goes quiet longer than StaleAfter (on an injected clock), comes
// back, then drops and is reconnected. Each time the pipeline ends the
// label that was in view at the last frame's time (the leave event
// carries the frame's wall-clock time and the camera's name), tells the
// sinks "no signal since" the last frame before anything else, and
// "signal back" before the first new frame.
func TestSignalLostAndBack(t *testing.T) {
	src := newFeedSource()
	base := time.Date(2026, 12, 2, 15, 42, 0, 0, time.UTC)
	src.base = base
	log := &signalLog{ch: make(chan string, 64)}
	var clockMu sync.Mutex
	now := base
	clock := func() time.Time { clockMu.Lock(); defer clockMu.Unlock(); return now }
	advance := func(d time.Duration) { clockMu.Lock(); now = now.Add(d); clockMu.Unlock() }
	always := func(next pipeline.Sink) pipeline.Sink { return pelicanStage{next} }
	var signals []pipeline.Signal
	p, err := pipeline.New(pipeline.Config{Source: src, Model: smallModel(t), Workers: 1, Camera: "porch",
		StaleAfter: 5 * time.Second, Reconnect: time.Millisecond,
		Stages: []pipeline.Stage{always}, Sinks: []pipeline.Sink{log},
		OnEvent: func(e events.Event) {
			log.add(fmt.Sprintf("%s %s end %v at %s camera %s", e.Type, e.Label, e.End, e.Time.Format("15:04:05.000"), e.Camera))
		},
		OnSignal: func(s pipeline.Signal) { signals = append(signals, s) }})
	if err != nil {
		t.Fatal(err)
	}
	tick := make(chan time.Time)
	pipeline.SetSignalClock(p, clock, tick)
	done := make(chan error, 1)
	go func() { done <- p.Run(context.Background()) }()
	frame := func(at time.Duration) { advance(40 * time.Millisecond); src.feed <- base.Add(at) }

	for i := range 5 {
		frame(time.Duration(i) * 40 * time.Millisecond)
		if i == 0 {
			log.wait(t, "enter pelican end 0s at 15:42:00.000 camera porch")
		}
		log.wait(t, fmt.Sprintf("frame %d", i))
	}
	advance(4 * time.Second)
	tick <- time.Time{} // not stale yet: 4 s
	advance(time.Second)
	tick <- time.Time{}
	log.wait(t, "leave pelican end 160ms at 15:42:00.160 camera porch")
	log.wait(t, "signal lost=true since 15:42:00.160 camera porch")
	advance(time.Minute)
	tick <- time.Time{} // told once
	frame(70 * time.Second)
	log.wait(t, "signal lost=false since 15:43:10.000 camera porch")
	log.wait(t, "enter pelican end 0s at 15:43:10.000 camera porch")
	log.wait(t, "frame 5")

	src.feed <- time.Time{} // the stream drops: lost at once, no clock needed
	log.wait(t, "leave pelican end 1m10s at 15:43:10.000 camera porch")
	log.wait(t, "signal lost=true since 15:43:10.000 camera porch")
	frame(80 * time.Second)
	log.wait(t, "signal lost=false since 15:43:20.000 camera porch")
	log.wait(t, "enter pelican end 0s at 15:43:20.000 camera porch")
	log.wait(t, "frame 6")
	close(src.feed)
	log.wait(t, "leave pelican end 1m20s at 15:43:20.000 camera porch")
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if len(signals) != 4 || !signals[0].Lost || signals[1].Lost || signals[0].Camera != "porch" {
		t.Errorf("OnSignal got %+v", signals)
	}
}

// TestFileNeverLosesSignal: a file (not live) read by a slow consumer,
// the clock jumping a minute per frame, gives no signal at all.
func TestFileNeverLosesSignal(t *testing.T) {
	var mu sync.Mutex
	now := time.Now()
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); now = now.Add(time.Minute); return now }
	log := &signalLog{ch: make(chan string, 64)}
	p, err := pipeline.New(pipeline.Config{Source: &synthSource{n: 20, w: 32, h: 24}, Model: smallModel(t),
		StaleAfter: time.Nanosecond, Sinks: []pipeline.Sink{log},
		OnSignal: func(s pipeline.Signal) { t.Errorf("signal %+v from a file", s) }})
	if err != nil {
		t.Fatal(err)
	}
	tick := make(chan time.Time, 100)
	for range 100 {
		tick <- time.Time{}
	}
	pipeline.SetSignalClock(p, clock, tick)
	go func() {
		for range log.ch {
		}
	}()
	if err := p.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	close(log.ch)
	want := make([]string, 20)
	for i := range want {
		want[i] = fmt.Sprintf("frame %d", i)
	}
	if !slices.Equal(log.lines, want) {
		t.Errorf("log %q", log.lines)
	}
}

// TestSignalLostEndsTracks: a detector's tracked objects (the dogs of
// pets.jpg) leave when the signal is lost, at the last frame's time,
// before the sinks hear of it; when frames return, they enter again
// with new ids. Each event carries the wall-clock capture time of the
// frame that decided it (a leave at the outage: the last frame's).
func TestSignalLostEndsTracks(t *testing.T) {
	img := photo(t, "pets.jpg", 512, 430)
	src := newFeedSource()
	src.img = &img
	base := time.Date(2026, 12, 2, 15, 42, 0, 0, time.UTC)
	src.base = base
	log := &signalLog{ch: make(chan string, 256)}
	var mu sync.Mutex
	now := base
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	p, err := pipeline.New(pipeline.Config{Source: src, Model: detectModel(t), Filter: halfScore, Workers: 1,
		Track: &track.Config{}, Camera: "porch", Sinks: []pipeline.Sink{log},
		OnObjectEvent: func(e track.Event) {
			log.add(fmt.Sprintf("%s %s #%d end %v at %s", e.Type, e.Label, e.ID, e.End, e.Wall.Format("15:04:05.000")))
		}})
	if err != nil {
		t.Fatal(err)
	}
	tick := make(chan time.Time)
	pipeline.SetSignalClock(p, clock, tick)
	done := make(chan error, 1)
	go func() { done <- p.Run(context.Background()) }()
	collect := func(until string) []string {
		t.Helper()
		var got []string
		for {
			select {
			case l := <-log.ch:
				got = append(got, l)
				if strings.HasPrefix(l, until) {
					return got
				}
			case <-time.After(20 * time.Second):
				t.Fatalf("timed out waiting for %q: %q", until, got)
			}
		}
	}
	for i := range 6 {
		src.feed <- base.Add(time.Duration(i) * 40 * time.Millisecond)
		collect(fmt.Sprintf("frame %d", i))
	}
	mu.Lock()
	now = now.Add(time.Minute)
	mu.Unlock()
	tick <- time.Time{}
	got := collect("signal lost=true")
	leaves := 0
	for _, l := range got[:len(got)-1] {
		if !strings.HasPrefix(l, "leave dog #") || !strings.HasSuffix(l, "end 200ms at 15:42:00.200") {
			t.Errorf("before the signal: %q, want the dogs leaving at the last frame (200ms, 15:42:00.200)", l)
		}
		leaves++
	}
	if leaves == 0 {
		t.Errorf("no dog left: %q", got)
	}
	for i := range 6 {
		src.feed <- base.Add(time.Minute + time.Duration(i)*40*time.Millisecond)
		got = append(got, collect(fmt.Sprintf("frame %d", 6+i))...)
	}
	close(src.feed)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(got[leaves+1], "signal lost=false") || !slices.ContainsFunc(got, func(l string) bool {
		return strings.HasPrefix(l, fmt.Sprintf("enter dog #%d ", leaves+1)) && strings.Contains(l, " at 15:43:00.")
	}) {
		t.Errorf("after the outage: %q, want the signal back, then dogs entering with new ids", got)
	}
}
