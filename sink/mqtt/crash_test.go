package mqtt

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/livecam/livecam/classify"
	"github.com/livecam/livecam/internal/testrig/mosquittotest"
	"github.com/livecam/livecam/pipeline"
	"github.com/livecam/livecam/track"
)

// TestBrokerCrashCrossesSignal: the broker crashes (killed: it loses the
// retained messages it had not saved) and comes back, again and again,
// while the porch camera sees a pelican, loses its signal with the broker
// away, and gets it back with the broker away (a dog in view, then
// gone). After every reconnection the broker's retained availability,
// top and count of dogs say what the camera's state is then: the
// Publisher publishes them again, in order with the changes.
func TestBrokerCrashCrossesSignal(t *testing.T) {
	if raceDetector {
		t.Skip("Paho's own data race on resending after a reconnect (eclipse-paho/paho.mqtt.golang#703): run without -race")
	}
	b := mosquittotest.Start(t, nil)
	lost := make(chan struct{}, 16)
	logf := func(format string, a ...any) {
		msg := fmt.Sprintf(format, a...)
		t.Log(msg)
		if strings.Contains(msg, "connection lost") {
			lost <- struct{}{}
		}
	}
	p, err := Connect(Options{Broker: b.URL(), Camera: "porch", Logf: logf})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	avail, top, dogs := p.Availability(), p.Topic("top"), p.CountTopic("", "dog")
	settle := func(step, wantAvail, wantTop, wantDogs string) {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for {
			ret := mosquittotest.Retained(t, b.URL(), avail, top, dogs)
			if ret[avail] == wantAvail && strings.Contains(ret[top], wantTop) && ret[dogs] == wantDogs {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: retained %q, want availability %q, a top with %s and %s dogs", step, ret, wantAvail, wantTop, wantDogs)
			}
			time.Sleep(100 * time.Millisecond) // polling the broker, with a deadline
		}
	}
	crash := func() {
		t.Helper()
		b.Kill()
		select {
		case <-lost:
		case <-time.After(15 * time.Second):
			t.Fatal("the lost connection was not reported within 15 s")
		}
	}
	o := &pipeline.Output{Result: &pipeline.Result{}}
	o.Result.SetTop([]classify.Prediction{{Class: 144, Label: "pelican", Score: 1}})
	if err := p.Write(o); err != nil {
		t.Fatal(err)
	}
	p.ObjectEvent(track.Event{Type: track.Enter, ID: 1, Class: 17, Label: "dog"})
	settle("before", "online", `"label":"pelican"`, "1")

	crash() // nothing changes while the broker is away
	b.Restart()
	settle("after a crash", "online", `"label":"pelican"`, "1")

	crash()
	since := time.Date(2026, 12, 2, 15, 42, 7, 123e6, time.UTC)
	p.ObjectEvent(track.Event{Type: track.Leave, ID: 1, Class: 17, Label: "dog"}) // the pipeline's leave, then the signal
	p.Signal(pipeline.Signal{Lost: true, Since: since, Camera: "porch"})
	b.Restart()
	settle("signal lost with the broker away", "offline", `"no_signal_since":"2026-12-02T15:42:07.123Z"`, "0")

	crash()
	b.Restart()
	settle("a crash while the camera is out", "offline", `"no_signal_since":"2026-12-02T15:42:07.123Z"`, "0")

	crash()
	p.Signal(pipeline.Signal{Since: since.Add(150 * time.Second), Camera: "porch"})
	if err := p.Write(o); err != nil {
		t.Fatal(err)
	}
	b.Restart()
	settle("signal back with the broker away", "online", `"label":"pelican"`, "0")
}
