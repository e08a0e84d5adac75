package pipeline_test

import (
	"context"
	"testing"
	"time"

	"github.com/livecam/livecam/events"
	"github.com/livecam/livecam/pipeline"
)

// frameNote is a sink (and a SignalSink) that says when each frame is
// out, without allocating.
type frameNote struct{ out chan struct{} }

func (n frameNote) Write(*pipeline.Output) error { n.out <- struct{}{}; return nil }
func (n frameNote) Signal(pipeline.Signal)       {}
func (n frameNote) Close() error                 { return nil }

// TestLiveAllocatesNothing: once warm, a live run (the signal watched,
// events on, a SignalSink among the sinks) allocates nothing per frame,
// from the source's Read to the sinks.
func TestLiveAllocatesNothing(t *testing.T) {
	src := newFeedSource()
	base := time.Date(2026, 12, 2, 15, 42, 0, 0, time.UTC)
	src.base = base
	note := frameNote{out: make(chan struct{})}
	always := func(next pipeline.Sink) pipeline.Sink { return pelicanStage{next} }
	p, err := pipeline.New(pipeline.Config{Source: src, Model: smallModel(t), Workers: 1, Camera: "porch",
		Stages: []pipeline.Stage{always}, Sinks: []pipeline.Sink{note},
		OnEvent: func(events.Event) {}, OnSignal: func(pipeline.Signal) {}})
	if err != nil {
		t.Fatal(err)
	}
	// A clock that never goes stale, and no ticks: the watch runs on
	// every frame, the test's timing cannot lose the signal.
	pipeline.SetSignalClock(p, func() time.Time { return base }, nil)
	done := make(chan error, 1)
	go func() { done <- p.Run(context.Background()) }()
	go func() { // the results channel, drained
		for range p.Results() {
		}
	}()
	at := base
	deadline := time.NewTimer(time.Minute) // one for the whole test: a timer per frame would allocate
	defer deadline.Stop()
	frame := func() {
		at = at.Add(40 * time.Millisecond)
		src.feed <- at
		select {
		case <-note.out:
		case <-deadline.C:
			t.Fatal("frames stopped coming out")
		}
	}
	for range 10 {
		frame()
	}
	if a := testing.AllocsPerRun(50, frame); a != 0 {
		t.Errorf("%.1f allocations per live frame, want 0", a)
	}
	close(src.feed)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
