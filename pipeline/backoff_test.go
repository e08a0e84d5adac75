package pipeline_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"gocv.io/x/gocv"

	"github.com/livecam/livecam/pipeline"
)

// lostSource is a live camera that delivers one frame, is lost, refuses
// failures reconnections, then comes back and ends.
type lostSource struct {
	failures, tries int
	read            int
}

func (s *lostSource) Info() pipeline.SourceInfo {
	return pipeline.SourceInfo{Name: "lost", Width: 64, Height: 48, Live: true}
}

func (s *lostSource) Read(dst *gocv.Mat) (pipeline.Frame, error) {
	s.read++
	switch {
	case s.read == 2:
		return pipeline.Frame{}, errors.New("camera gone")
	case s.read > 2:
		return pipeline.Frame{}, io.EOF
	}
	if dst.Rows() != 48 || dst.Cols() != 64 {
		dst.Close()
		*dst = gocv.NewMatWithSize(48, 64, gocv.MatTypeCV8UC3)
	}
	dst.SetTo(gocv.NewScalar(40, 80, 160, 0))
	return pipeline.Frame{}, nil
}

func (s *lostSource) Reconnect() error {
	if s.tries++; s.tries <= s.failures {
		return fmt.Errorf("still gone (%d)", s.tries)
	}
	return nil
}

func (s *lostSource) Close() error { return nil }

// TestReconnectWaitsStayCapped: a camera lost for longer than 250 ms
// doubled can count (37 doublings overflow a Duration) still waits the
// -reconnect cap before every attempt: never a negative wait, which
// would make every later attempt a busy loop on a dead camera.
func TestReconnectWaitsStayCapped(t *testing.T) {
	const failures = 45
	src := &lostSource{failures: failures}
	logs := &logRecorder{}
	p, err := pipeline.New(pipeline.Config{Source: src, Model: smallModel(t), Reconnect: time.Millisecond, Logf: logs.logf})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	logs.mu.Lock()
	defer logs.mu.Unlock()
	attempt := 0
	for _, line := range logs.lines {
		if !strings.Contains(line, "reconnecting in") {
			continue
		}
		attempt++
		if want := fmt.Sprintf("reconnecting in 1ms (attempt %d)", attempt); !strings.HasSuffix(line, want) {
			t.Errorf("%q, want it to end %q", line, want)
		}
	}
	if attempt != failures+1 || src.tries != failures+1 || p.Metrics().Snapshot().Reconnects != 1 {
		t.Errorf("%d attempts logged, %d made, %d reconnects; want %d, %d, 1:\n%s", attempt, src.tries,
			p.Metrics().Snapshot().Reconnects, failures+1, failures+1, strings.Join(logs.lines, "\n"))
	}
}
