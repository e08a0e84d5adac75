package pipeline_test

import (
	"context"
	"fmt"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/livecam/livecam/events"
	"github.com/livecam/livecam/pipeline"
)

// slowSink takes as long as the clock's advance says to write frame slow
// (a video encoder's full pipe, a disk stalling): time passes on the
// output goroutine while the source gives frames as usual.
type slowSink struct {
	slow    int64
	advance func(time.Duration)
}

func (s slowSink) Write(o *pipeline.Output) error {
	if o.Result.Frame == s.slow {
		s.advance(6 * time.Second)
	}
	return nil
}

func (s slowSink) Close() error { return nil }

// TestSlowSinkIsNoOutage: a sink that takes longer than StaleAfter on one
// frame does not make the camera lose its signal: the source gave its
// frames; the output was busy, not waiting for them.
func TestSlowSinkIsNoOutage(t *testing.T) {
	src := newFeedSource()
	base := time.Date(2026, 12, 2, 15, 42, 0, 0, time.UTC)
	src.base = base
	log := &signalLog{ch: make(chan string, 64)}
	var clockMu sync.Mutex
	now := base
	clock := func() time.Time { clockMu.Lock(); defer clockMu.Unlock(); return now }
	advance := func(d time.Duration) { clockMu.Lock(); now = now.Add(d); clockMu.Unlock() }
	always := func(next pipeline.Sink) pipeline.Sink { return pelicanStage{next} }
	p, err := pipeline.New(pipeline.Config{Source: src, Model: smallModel(t), Workers: 1, Camera: "porch",
		StaleAfter: 5 * time.Second, Stages: []pipeline.Stage{always},
		Sinks:   []pipeline.Sink{slowSink{slow: 2, advance: advance}, log},
		OnEvent: func(e events.Event) { log.add(fmt.Sprintf("%s %s", e.Type, e.Label)) }})
	if err != nil {
		t.Fatal(err)
	}
	tick := make(chan time.Time)
	pipeline.SetSignalClock(p, clock, tick)
	done := make(chan error, 1)
	go func() { done <- p.Run(context.Background()) }()
	for i := range 5 {
		advance(40 * time.Millisecond)
		src.feed <- base.Add(time.Duration(i) * 40 * time.Millisecond)
		if i == 0 {
			log.wait(t, "enter pelican")
		}
		log.wait(t, fmt.Sprintf("frame %d", i))
	}
	tick <- time.Time{} // 40 ms after the last frame came out: not stale
	close(src.feed)
	log.wait(t, "leave pelican")
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// gatedSource is a feedSource whose Reconnect waits until the test lets
// it succeed.
type gatedSource struct {
	*feedSource
	back chan struct{}
}

func (s gatedSource) Reconnect() error {
	select {
	case <-s.back:
		return nil
	case <-s.stop:
		return io.EOF
	}
}

// TestSignalLostBeforeFirstFrame: a camera whose stream fails before its
// first frame, and is being reconnected, has no signal: the sinks hear
// it (since the run started), so that a broker does not keep announcing
// it online; its first frame brings it back.
func TestSignalLostBeforeFirstFrame(t *testing.T) {
	src := gatedSource{newFeedSource(), make(chan struct{})}
	base := time.Date(2026, 12, 2, 15, 42, 0, 0, time.UTC)
	src.base = base
	log := &signalLog{ch: make(chan string, 64)}
	p, err := pipeline.New(pipeline.Config{Source: src, Model: smallModel(t), Workers: 1, Camera: "porch",
		Reconnect: time.Millisecond, Sinks: []pipeline.Sink{log}})
	if err != nil {
		t.Fatal(err)
	}
	pipeline.SetSignalClock(p, func() time.Time { return base }, nil)
	done := make(chan error, 1)
	go func() { done <- p.Run(context.Background()) }()
	src.feed <- time.Time{} // the stream fails before any frame
	log.wait(t, "signal lost=true since 15:42:00.000 camera porch")
	close(src.back)
	src.feed <- base.Add(3 * time.Second)
	log.wait(t, "signal lost=false since 15:42:03.000 camera porch")
	log.wait(t, "frame 0")
	close(src.feed)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
