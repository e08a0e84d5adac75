//go:build matprofile

package push_test

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"gocv.io/x/gocv"

	"github.com/livecam/livecam/internal/randweights"
	"github.com/livecam/livecam/models"
	"github.com/livecam/livecam/pipeline"
	"github.com/livecam/livecam/source/push"
)

// TestPushNoMatLeaks runs push sources under gocv's Mat profiler (build
// tag matprofile: go test -tags matprofile -run NoMatLeaks) and checks
// that every Mat they made is closed once they are: a frame still
// pending when the pipeline stops reading (Interrupt, then Close, as Run
// does, and the other way round), a pending frame a Read takes after
// Close, and a VIDEO run cancelled while its pusher waits for room.
func TestPushNoMatLeaks(t *testing.T) {
	m, err := randweights.Model(randweights.Small, 1)
	if err != nil {
		t.Fatal(err)
	}
	model := models.FromClassifier(m)
	before := gocv.MatProfile.Count()
	rgb := make([]byte, 64*48*3)
	for _, order := range []string{"interrupt, close", "close, interrupt", "close, read"} {
		cam, err := push.NewVideo("cam", 64, 48, 0)
		if err != nil {
			t.Fatal(err)
		}
		if err := cam.PushRGB(rgb, time.Second); err != nil {
			t.Fatal(err)
		}
		switch order {
		case "interrupt, close":
			cam.Interrupt()
			cam.Close()
		case "close, interrupt":
			cam.Close()
			cam.Interrupt()
		case "close, read":
			cam.Close()
			dst := gocv.NewMat()
			if _, err := cam.Read(&dst); err != nil {
				t.Errorf("%s: %v", order, err)
			}
			dst.Close()
		}
	}

	cam, err := push.NewVideo("cam", 64, 48, 0)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	p, err := pipeline.New(pipeline.Config{Source: cam, Model: model, Workers: 1,
		OnResult: func(r *pipeline.Result) {
			if r.Frame == 3 {
				cancel()
			}
		}})
	if err != nil {
		t.Fatal(err)
	}
	pushed := make(chan error, 1)
	go func() {
		for i := 1; ; i++ {
			if err := cam.PushRGB(rgb, time.Duration(i)*time.Millisecond); err != nil {
				pushed <- err
				return
			}
		}
	}()
	if err := p.Run(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-pushed; !errors.Is(err, push.ErrStopped) && !errors.Is(err, push.ErrClosed) {
		t.Errorf("the push after the cancelled run: %v, want ErrStopped or ErrClosed", err)
	}
	if after := gocv.MatProfile.Count(); after != before {
		var b bytes.Buffer
		gocv.MatProfile.WriteTo(&b, 1)
		t.Errorf("%d Mats live before, %d after:\n%s", before, after, b.String())
	}
}
