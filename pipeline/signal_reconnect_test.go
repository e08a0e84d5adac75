package pipeline_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/livecam/livecam/pipeline"
)

// holdSink holds the output goroutine in the Write of frame hold until
// release is closed: a sink busy (an encoder's full pipe) while the
// source fails and comes back.
type holdSink struct {
	hold    int64
	release chan struct{}
}

func (s holdSink) Write(o *pipeline.Output) error {
	if o.Result.Frame == s.hold {
		<-s.release
	}
	return nil
}

func (s holdSink) Close() error { return nil }

// TestShortReconnectSignals: a stream that drops and is reconnected
// within a millisecond, while the output is busy with the frame before
// (so the watch never sees the reconnect under way), still makes the
// lost and back Signals, in order with the frames: since the last frame
// before the drop, back at the first one after it.
func TestShortReconnectSignals(t *testing.T) {
	src := newFeedSource()
	base := time.Date(2026, 12, 2, 15, 42, 0, 0, time.UTC)
	src.base = base
	log := &signalLog{ch: make(chan string, 64)}
	hold := holdSink{hold: 0, release: make(chan struct{})}
	logs := make(chan string, 64)
	p, err := pipeline.New(pipeline.Config{Source: src, Model: smallModel(t), Workers: 1, Camera: "porch",
		Reconnect: time.Millisecond, Sinks: []pipeline.Sink{log, hold},
		Logf: func(format string, args ...any) { logs <- fmt.Sprintf(format, args...) }})
	if err != nil {
		t.Fatal(err)
	}
	pipeline.SetSignalClock(p, func() time.Time { return base }, nil)
	done := make(chan error, 1)
	go func() { done <- p.Run(context.Background()) }()
	src.feed <- base
	log.wait(t, "frame 0")  // the output now waits in hold's Write
	src.feed <- time.Time{} // the stream drops
	deadline := time.After(10 * time.Second)
	for back := false; !back; {
		select {
		case l := <-logs:
			back = strings.Contains(l, "is back after")
		case <-deadline:
			t.Fatal("timed out waiting for the reconnect")
		}
	}
	src.feed <- base.Add(100 * time.Millisecond)
	close(hold.release)
	log.wait(t, "signal lost=true since 15:42:00.000 camera porch")
	log.wait(t, "signal lost=false since 15:42:00.100 camera porch")
	log.wait(t, "frame 1")
	close(src.feed)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	// The log says it once each, without the camera's name (a run of
	// several cameras puts it before each line: "porch: warning: ...").
	close(logs)
	var said []string
	for l := range logs {
		if strings.Contains(l, "signal") {
			said = append(said, l)
		}
	}
	if want := []string{"warning: no signal since 15:42:00.000", "signal back at 15:42:00.100"}; !slices.Equal(said, want) {
		t.Errorf("the log says %q, want %q", said, want)
	}
}
