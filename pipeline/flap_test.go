package pipeline_test

import (
	"context"
	"errors"
	"io"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"gocv.io/x/gocv"

	"github.com/livecam/livecam/pipeline"
)

// flapClock is a test's clock for a pipeline's signal and its
// reconnections: it moves only when the source says it was up a while
// or the pipeline waits before a reconnection attempt (which returns at
// once), and it records those waits.
type flapClock struct {
	mu    sync.Mutex
	t     time.Time
	waits []time.Duration
}

func (c *flapClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *flapClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// after is the reconnection's timer: the wait passes at once.
func (c *flapClock) after(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
	c.waits = append(c.waits, d)
	fired := make(chan time.Time, 1)
	fired <- c.t
	return fired
}

// flapSource is a live stream that drops after every frame, up for up
// (on clock) each time, and comes back at once when reconnected; it
// gives frames frames, then ends.
type flapSource struct {
	clock         *flapClock
	up            time.Duration
	reads, frames int
}

func (f *flapSource) Info() pipeline.SourceInfo {
	return pipeline.SourceInfo{Name: "flap", Width: 64, Height: 48, Live: true}
}

func (f *flapSource) Read(dst *gocv.Mat) (pipeline.Frame, error) {
	f.reads++
	switch {
	case f.reads > 2*f.frames-1:
		return pipeline.Frame{}, io.EOF
	case f.reads%2 == 0:
		f.clock.advance(f.up)
		return pipeline.Frame{}, errors.New("stream dropped")
	}
	if dst.Rows() != 48 || dst.Cols() != 64 {
		dst.Close()
		*dst = gocv.NewMatWithSize(48, 64, gocv.MatTypeCV8UC3)
	}
	return pipeline.Frame{PTS: time.Duration(f.reads) * 40 * time.Millisecond, Time: f.clock.now()}, nil
}

func (f *flapSource) Reconnect() error { return nil }
func (f *flapSource) Close() error     { return nil }

// TestFlappingSourceBacksOff: a stream that drops soon after each
// reconnect (a flapping camera) is retried ever less often, the backoff
// going on from one outage to the next up to Config.Reconnect, instead
// of starting again at 250 ms each time (four lost and back signals a
// second, each with its log lines and MQTT messages, all night). One
// that stayed up 30 s or more before it dropped again starts the
// backoff again at 250 ms. The waits are read off the pipeline's timer
// and its log, which must agree.
func TestFlappingSourceBacksOff(t *testing.T) {
	const most = 2 * time.Second
	doubling := "250ms#1 500ms#1 1s#1 2s#1 2s#1"
	afresh := "250ms#1 250ms#1 250ms#1 250ms#1 250ms#1"
	for _, tc := range []struct {
		name string
		up   time.Duration // how long the stream stays up each time
		want string        // each outage's wait and attempt, as logged
	}{
		{"flapping", 0, doubling},
		{"up 29.9s", 29900 * time.Millisecond, doubling},
		{"up 30s", 30 * time.Second, afresh},
		{"up an hour", time.Hour, afresh},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clock := &flapClock{t: time.Date(2026, 12, 2, 3, 0, 0, 0, time.UTC)}
			logs := &logRecorder{}
			src := &flapSource{clock: clock, up: tc.up, frames: 6}
			p, err := pipeline.New(pipeline.Config{Source: src, Model: smallModel(t), Reconnect: most, Logf: logs.logf})
			if err != nil {
				t.Fatal(err)
			}
			pipeline.SetSignalClock(p, clock.now, nil)
			pipeline.SetReconnectTimer(p, clock.after)
			if err := p.Run(context.Background()); err != nil {
				t.Fatal(err)
			}
			logs.mu.Lock()
			defer logs.mu.Unlock()
			var logged, timed []string
			for _, l := range logs.lines {
				if m := regexp.MustCompile(`reconnecting in (\S+) \(attempt (\d+)\)`).FindStringSubmatch(l); m != nil {
					logged = append(logged, m[1]+"#"+m[2])
				}
			}
			for _, w := range clock.waits {
				timed = append(timed, w.String()+"#1")
			}
			got := strings.Join(logged, " ")
			if got != tc.want || strings.Join(timed, " ") != tc.want {
				t.Errorf("reconnections logged %q, waited %q; want %q:\n%s", got, timed, tc.want, strings.Join(logs.lines, "\n"))
			}
		})
	}
}
