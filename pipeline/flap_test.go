package pipeline_test

import (
	"context"
	"errors"
	"io"
	"regexp"
	"strings"
	"testing"
	"time"

	"gocv.io/x/gocv"

	"github.com/livecam/livecam/pipeline"
)

// flapSource is a live stream that drops after every frame and comes
// back at once when reconnected, frames times, then ends.
type flapSource struct {
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
		return pipeline.Frame{}, errors.New("stream dropped")
	}
	if dst.Rows() != 48 || dst.Cols() != 64 {
		dst.Close()
		*dst = gocv.NewMatWithSize(48, 64, gocv.MatTypeCV8UC3)
	}
	return pipeline.Frame{PTS: time.Duration(f.reads) * 40 * time.Millisecond}, nil
}

func (f *flapSource) Reconnect() error { return nil }
func (f *flapSource) Close() error     { return nil }

// TestFlappingSourceBacksOff: a stream that drops right after each
// reconnect (a flapping camera) is retried ever less often, the backoff
// going on from one outage to the next up to Config.Reconnect, instead
// of starting again at 250 ms each time: four lost and back signals a
// second, each with its log lines and MQTT messages, all night.
func TestFlappingSourceBacksOff(t *testing.T) {
	logs := &logRecorder{}
	src := &flapSource{frames: 4}
	p, err := pipeline.New(pipeline.Config{Source: src, Model: smallModel(t), Reconnect: 400 * time.Millisecond, Logf: logs.logf})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	var waits []string
	for _, l := range logs.lines {
		if m := regexp.MustCompile(`reconnecting in (\S+) \(attempt (\d+)\)`).FindStringSubmatch(l); m != nil {
			waits = append(waits, m[1]+"#"+m[2])
		}
	}
	// Each outage takes one attempt; the waits go on doubling.
	if got := strings.Join(waits, " "); got != "250ms#1 400ms#1 400ms#1" {
		t.Errorf("reconnections %q, want 250ms#1 400ms#1 400ms#1:\n%s", got, strings.Join(logs.lines, "\n"))
	}
}
