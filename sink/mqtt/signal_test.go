package mqtt

import (
	"strings"
	"testing"
	"time"

	"github.com/livecam/livecam/classify"
	"github.com/livecam/livecam/events"
	"github.com/livecam/livecam/internal/testrig/mosquittotest"
	"github.com/livecam/livecam/pipeline"
)

// TestSignalLostAndBack is issue 23's porch camera on the broker: a
// pelican in view, the stream dies (the pipeline sends the leave, then
// Signal lost), and comes back. While it is out, a new subscriber finds
// the camera's availability "offline" and its top label cleared
// (retained); then "online" and the label again. The leave comes before
// the camera goes offline.
func TestSignalLostAndBack(t *testing.T) {
	b := mosquittotest.Start(t, nil)
	sub := mosquittotest.Subscribe(t, b.URL())
	p, err := Connect(Options{Broker: b.URL(), Camera: "porch"})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	o := &pipeline.Output{Result: &pipeline.Result{}}
	o.Result.SetTop([]classify.Prediction{{Class: 144, Label: "pelican", Score: 1}})
	if err := p.Write(o); err != nil {
		t.Fatal(err)
	}
	since := time.Date(2026, 12, 2, 15, 42, 7, 123e6, time.UTC)
	p.Event(events.Event{Type: events.Leave, Class: 144, Label: "pelican", Time: since, Camera: "porch"})
	p.Signal(pipeline.Signal{Lost: true, Since: since, Camera: "porch"})
	avail := p.Availability()
	if got := sub.Matching(avail, 2); strings.Join(got, " ") != "online offline" {
		t.Fatalf("availability %q, want online then offline", got)
	}
	ret := mosquittotest.Retained(t, b.URL(), "livecam/porch/#")
	if ret[avail] != "offline" || ret["livecam/porch/top"] != `{"class":null,"label":null,"score":null,"no_signal_since":"2026-12-02T15:42:07.123Z"}` {
		t.Errorf("retained while out: %q", ret)
	}
	// In order: the leave, the top cleared, offline.
	var order []string
	for _, m := range sub.All() {
		switch {
		case m.Topic() == "livecam/porch/events":
			order = append(order, "leave")
		case m.Topic() == "livecam/porch/top" && strings.Contains(string(m.Payload()), "no_signal"):
			order = append(order, "cleared")
		case m.Topic() == avail && string(m.Payload()) == "offline":
			order = append(order, "offline")
		}
	}
	if strings.Join(order, " ") != "leave cleared offline" {
		t.Errorf("order %q", order)
	}

	p.Signal(pipeline.Signal{Since: since.Add(150 * time.Second), Camera: "porch"})
	if err := p.Write(o); err != nil { // the same label as before the outage: published again
		t.Fatal(err)
	}
	if got := sub.Matching(avail, 3); strings.Join(got, " ") != "online offline online" {
		t.Fatalf("availability %q, want online, offline, online", got)
	}
	tops := sub.Payloads("livecam/porch/top", 3)
	if len(tops) != 3 || !strings.Contains(tops[2], `"label":"pelican"`) {
		t.Errorf("top %q, want pelican, cleared, pelican", tops)
	}
	ret = mosquittotest.Retained(t, b.URL(), "livecam/porch/#")
	if ret[avail] != "online" || !strings.Contains(ret["livecam/porch/top"], "pelican") {
		t.Errorf("retained once back: %q", ret)
	}
}

// TestSignalLostSurvivesBrokerRestart: a camera without signal when the
// broker connection comes back is announced offline, not online.
func TestSignalLostSurvivesBrokerRestart(t *testing.T) {
	if raceDetector {
		t.Skip("Paho's own data race on resending after a reconnect (eclipse-paho/paho.mqtt.golang#703): run without -race")
	}
	b := mosquittotest.Start(t, nil)
	logf, wait := connectionLost(t)
	p, err := Connect(Options{Broker: b.URL(), Camera: "porch", Logf: logf})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	sub := mosquittotest.Subscribe(t, b.URL())
	p.Signal(pipeline.Signal{Lost: true, Since: time.Now(), Camera: "porch"})
	avail := p.Availability()
	if got := sub.Matching(avail, 2); strings.Join(got, " ") != "online offline" {
		t.Fatalf("availability %q", got)
	}
	b.Stop()
	wait()
	b.Restart()
	// An event queued after the restart arrives after the reconnection's
	// announcements (Paho's handler publishes them first).
	sub = mosquittotest.Subscribe(t, b.URL())
	p.Event(event(0))
	sub.Payloads("livecam/porch/events", 1)
	if ret := mosquittotest.Retained(t, b.URL(), avail); ret[avail] != "offline" {
		t.Errorf("after the broker restarted: %q", ret)
	}
}

// TestDetectorSignalBackClearsTop: a detector's camera never publishes a
// label to its top topic, so the "no signal" message its outage left
// there (retained) must be replaced when frames return: by the first
// frame back, with no label (nulls), which Home Assistant's label shows
// as unknown, with no "no_signal_since" left in its attributes; and a
// broker that comes back later is given that, not "no signal".
func TestDetectorSignalBackClearsTop(t *testing.T) {
	b := mosquittotest.Start(t, nil)
	sub := mosquittotest.Subscribe(t, b.URL())
	p, err := Connect(Options{Broker: b.URL(), Camera: "yard"})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	res := &pipeline.Result{PTS: 2 * time.Second}
	res.SetObjects(nil)
	o := &pipeline.Output{Result: res}
	if err := p.Write(o); err != nil { // a detector's frame: no top
		t.Fatal(err)
	}
	since := time.Date(2026, 12, 2, 15, 42, 7, 0, time.UTC)
	p.Signal(pipeline.Signal{Lost: true, Since: since, Camera: "yard"})
	if tops := sub.Payloads("livecam/yard/top", 1); !strings.Contains(tops[0], "no_signal_since") {
		t.Fatalf("top while out: %q", tops)
	}
	p.Signal(pipeline.Signal{Since: since.Add(30 * time.Second), Camera: "yard"})
	for range 3 { // frames back: the first replaces the top, once
		res.PTS += time.Second
		if err := p.Write(o); err != nil {
			t.Fatal(err)
		}
	}
	avail := p.Availability()
	if got := sub.Matching(avail, 3); strings.Join(got, " ") != "online offline online" {
		t.Fatalf("availability %q", got)
	}
	want := `{"class":null,"label":null,"score":null,"pts_ms":3000.0}`
	if tops := sub.Payloads("livecam/yard/top", 2); len(tops) != 2 || tops[1] != want {
		t.Fatalf("top %q, want no signal, then %s", tops, want)
	}
	p.Event(events.Event{Type: events.Enter, Label: "x", Camera: "yard"}) // behind the tops: all sent once it is
	sub.Payloads("livecam/yard/events", 1)
	if n := len(sub.Payloads("livecam/yard/top", 2)); n != 2 {
		t.Errorf("%d top messages, want 2 (the later frames publish none)", n)
	}
	if ret := mosquittotest.Retained(t, b.URL(), "livecam/yard/top"); ret["livecam/yard/top"] != want {
		t.Errorf("retained top %q, want %s", ret, want)
	}
	// A reconnection republishes the camera's state: no label, not the
	// outage's message.
	p.stateMu.Lock()
	last := string(p.lastTop)
	p.stateMu.Unlock()
	if last != want {
		t.Errorf("republish would send %s, want %s", last, want)
	}
}

// TestDetectorFramesAllocateNothing: a detector's frames, which look
// whether an outage's top is still to be replaced, allocate nothing.
func TestDetectorFramesAllocateNothing(t *testing.T) {
	if raceDetector {
		t.Skip("the race detector allocates")
	}
	p := fakePublisher(t, newFakeClient())
	res := &pipeline.Result{}
	res.SetObjects(nil)
	o := &pipeline.Output{Result: res}
	if a := testing.AllocsPerRun(100, func() { p.Write(o) }); a != 0 {
		t.Errorf("%v allocations per detector frame", a)
	}
}
