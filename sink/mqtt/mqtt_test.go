package mqtt

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/livecam/livecam/classify"
	"github.com/livecam/livecam/events"
	"github.com/livecam/livecam/internal/testrig/mosquittotest"
	"github.com/livecam/livecam/pipeline"
	"github.com/livecam/livecam/wire"
)

func event(i int) events.Event {
	typ := events.Enter
	if i%2 == 1 {
		typ = events.Leave
	}
	return events.Event{Type: typ, Class: 281 + i, Label: fmt.Sprintf("class %d, more", i), Start: time.Duration(i) * time.Second, End: time.Duration(i+1) * time.Second, PeakScore: 0.9, MeanScore: 0.8, Frames: i}
}

// checkEvents checks that the payloads are events 0..n-1, once each, in
// order.
func checkEvents(t *testing.T, got []string, n int) {
	t.Helper()
	if len(got) != n {
		t.Errorf("%d events arrived, want %d", len(got), n)
	}
	for i, p := range got {
		var e struct {
			Class int    `json:"class"`
			Label string `json:"label"`
		}
		if err := json.Unmarshal([]byte(p), &e); err != nil {
			t.Fatalf("event %d: %v: %s", i, err, p)
		}
		if e.Class != 281+i || e.Label != fmt.Sprintf("class %d", i) {
			t.Errorf("event %d: %s; want class %d in order", i, p, 281+i)
			return
		}
	}
}

// checkAtLeastOnce checks that events 0 to n-1 all arrived, in order,
// allowing a message in flight at a disconnection after event gone-1 (one
// of events gone to gone+2) to arrive twice or late: no event lost, at
// most two extra, every other event in order.
func checkAtLeastOnce(t *testing.T, got []string, n, gone int) {
	t.Helper()
	seen := map[int]bool{}
	last := -1
	for _, p := range got {
		var e struct {
			Class int `json:"class"`
		}
		if err := json.Unmarshal([]byte(p), &e); err != nil {
			t.Fatalf("%v: %s", err, p)
		}
		i := e.Class - 281
		if i < 0 || i >= n {
			t.Fatalf("an event that was never sent: %s", p)
		}
		if seen[i] {
			continue // a QoS 1 duplicate
		}
		seen[i] = true
		if i >= gone && i <= gone+2 {
			continue // in flight at the disconnection: may come late
		}
		if i < last {
			t.Errorf("event %d arrived after event %d", i, last)
		}
		last = i
	}
	if len(seen) != n || len(got) > n+2 {
		t.Errorf("%d events arrived, %d distinct: want all %d, at most 2 twice", len(got), len(seen), n)
	}
}

func TestEventsArriveOnceInOrder(t *testing.T) {
	b := mosquittotest.Start(t, nil)
	sub := mosquittotest.Subscribe(t, b.URL())
	p, err := Connect(Options{Broker: b.URL(), Camera: "door"})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 200 {
		p.Event(event(i))
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	checkEvents(t, sub.Payloads("livecam/door/events", 200), 200)
	avail := sub.Matching("livecam/door/availability/+", 2)
	if strings.Join(avail, " ") != "online offline" {
		t.Errorf("availability: %q, want online then offline", avail)
	}
}

// connectionLost returns a Logf that tells, through the returned
// function, when the Publisher has reported its connection lost (which
// it does once Paho has seen the broker go): the function waits for it,
// failing the test after 10 s.
func connectionLost(t *testing.T) (logf func(string, ...any), wait func()) {
	lost := make(chan struct{})
	var once sync.Once
	logf = func(format string, a ...any) {
		msg := fmt.Sprintf(format, a...)
		t.Log(msg)
		if strings.Contains(msg, "connection lost") {
			once.Do(func() { close(lost) })
		}
	}
	wait = func() {
		t.Helper()
		select {
		case <-lost:
		case <-time.After(10 * time.Second):
			t.Fatal("the lost connection was not reported within 10 s")
		}
	}
	return logf, wait
}

// TestBrokerRestart stops the broker after 20 events, queues 30 more
// while it is away, and starts it again once the Publisher has reported
// the connection lost: all 50 arrive, in order, but for the one in
// flight when the broker went, which QoS 1 (at least once) may deliver
// twice: Paho keeps a packet whose write failed and sends it again after
// the reconnection, and the queue sends it again too.
func TestBrokerRestart(t *testing.T) {
	if raceDetector {
		t.Skip("Paho's own data race on resending after a reconnect (eclipse-paho/paho.mqtt.golang#703): run without -race")
	}
	b := mosquittotest.Start(t, nil)
	sub := mosquittotest.Subscribe(t, b.URL())
	logf, lost := connectionLost(t)
	p, err := Connect(Options{Broker: b.URL(), Camera: "door", Logf: logf})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 20 {
		p.Event(event(i))
	}
	sub.Payloads("livecam/door/events", 20)
	b.Stop()
	start := time.Now()
	for i := 20; i < 50; i++ {
		p.Event(event(i)) // must not wait for the broker
	}
	if d := time.Since(start); d > 100*time.Millisecond {
		t.Errorf("30 events took %v with the broker away", d)
	}
	lost()
	b.Restart()
	checkAtLeastOnce(t, sub.Payloads("livecam/door/events", 50), 50, 20)
	if err := p.Close(); err != nil {
		t.Error(err)
	}
}

// TestQueueBound: with the broker away (and the Publisher aware of it),
// a queue of 10 keeps 10 events, one more is in flight, and the rest are
// dropped and counted; Close says what was not delivered.
func TestQueueBound(t *testing.T) {
	b := mosquittotest.Start(t, nil)
	logf, lost := connectionLost(t)
	p, err := Connect(Options{Broker: b.URL(), Camera: "door", QueueSize: 10, Logf: logf})
	if err != nil {
		t.Fatal(err)
	}
	b.Stop()
	lost()
	for i := range 100 {
		p.Event(event(i))
	}
	if d := p.Dropped(); d < 80 || d > 90 {
		t.Errorf("%d dropped of 100 with a queue of 10", d)
	}
	err = p.CloseWithin(300 * time.Millisecond)
	if err == nil || !strings.Contains(err.Error(), "not delivered") {
		t.Errorf("Close with the broker away: %v", err)
	}
}

func TestWrongPassword(t *testing.T) {
	b := mosquittotest.Start(t, map[string]string{"cam": "right"})
	_, err := Connect(Options{Broker: b.URL(), Username: "cam", Password: "wrong"})
	if err == nil || !strings.Contains(err.Error(), "refused the login") || strings.Contains(err.Error(), "wrong") || strings.Contains(err.Error(), "\n") {
		t.Errorf("wrong password: %v; want one line saying the login was refused, without the password", err)
	}
	p, err := Connect(Options{Broker: b.URL(), Username: "cam", Password: "right"})
	if err != nil {
		t.Fatalf("right password: %v", err)
	}
	p.Close()
}

func TestBrokerAddress(t *testing.T) {
	for in, want := range map[string]string{"mqtt://h:1883": "tcp://h:1883", "mqtts://h:8883": "ssl://h:8883", "mqtt://u:secret@h:1883": "tcp://h:1883"} {
		if got, err := brokerURL(in); err != nil || got != want {
			t.Errorf("brokerURL(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := brokerURL("http://h:1"); err == nil || !strings.Contains(err.Error(), "unknown scheme") {
		t.Errorf("http://: %v", err)
	}
	if _, err := brokerURL("mqtt://u:secret@"); err == nil || strings.Contains(err.Error(), "secret") {
		t.Errorf("no host: %v (the password must not show)", err)
	}
}

// TestHomeAssistantDiscovery: with Discovery set, the camera's sensor is
// announced, retained, and points at the label and availability topics.
func TestHomeAssistantDiscovery(t *testing.T) {
	b := mosquittotest.Start(t, nil)
	sub := mosquittotest.Subscribe(t, b.URL())
	p, err := Connect(Options{Broker: b.URL(), Camera: "door", Discovery: "homeassistant"})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	got := sub.Payloads("homeassistant/sensor/livecam/door_label/config", 1)
	if len(got) != 1 {
		t.Fatalf("%d discovery messages", len(got))
	}
	var cfg struct {
		StateTopic   string `json:"state_topic"`
		Availability []struct {
			Topic string `json:"topic"`
		} `json:"availability"`
		AvailabilityMode string `json:"availability_mode"`
		UniqueID         string `json:"unique_id"`
		ValueTemplate    string `json:"value_template"`
	}
	if err := json.Unmarshal([]byte(got[0]), &cfg); err != nil {
		t.Fatal(err)
	}
	if cfg.StateTopic != "livecam/door/top" || cfg.UniqueID != "livecam_door_label" || cfg.ValueTemplate != "{{ value_json.label }}" {
		t.Errorf("discovery config %+v", cfg)
	}
	// Available while the camera and the process (whose last will
	// says offline) both are.
	if len(cfg.Availability) != 2 || cfg.Availability[0].Topic != p.Availability() || cfg.Availability[1].Topic != p.instanceAvailability() || cfg.AvailabilityMode != "all" {
		t.Errorf("discovery availability %+v, mode %q", cfg.Availability, cfg.AvailabilityMode)
	}
}

// TestTLS connects over mqtts:// to a broker whose certificate a test CA
// signed: with that CA (TLSConfig) the events arrive; with the system's
// roots the connection is refused, naming the certificate.
func TestTLS(t *testing.T) {
	b, ca := mosquittotest.StartTLS(t)
	sub := mosquittotest.Subscribe(t, b.URL())
	if _, err := Connect(Options{Broker: b.TLSURL(), Camera: "door", ConnectTimeout: 3 * time.Second}); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("without the CA: %v, want a certificate error", err)
	}
	cfg, err := TLSConfig(ca, "", "")
	if err != nil {
		t.Fatal(err)
	}
	p, err := Connect(Options{Broker: b.TLSURL(), Camera: "door", TLS: cfg})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 20 {
		p.Event(event(i))
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	checkEvents(t, sub.Payloads("livecam/door/events", 20), 20)
	if _, err := TLSConfig(filepath.Join(t.TempDir(), "none.pem"), "", ""); err == nil {
		t.Error("a missing CA file was accepted")
	}
	if _, err := TLSConfig("", ca, ""); err == nil {
		t.Error("a certificate without its key was accepted")
	}
}

// TestEveryResult: Result publishes every frame's result to
// PREFIX/CAMERA/results, in order, each one the wire format's message of
// its frame: 30 results, fewer than the queue holds, given at once with
// the broker up, all arrive (none left out), none changed by the reuse of
// the buffers they were built in (their labels differ in length).
func TestEveryResult(t *testing.T) {
	b := mosquittotest.Start(t, nil)
	sub := mosquittotest.Subscribe(t, b.URL())
	p, err := Connect(Options{Broker: b.URL(), Camera: "door"})
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for i := range 30 {
		res := pipeline.Result{Frame: int64(i), PTS: time.Duration(i) * 40 * time.Millisecond}
		res.SetTop([]classify.Prediction{{Class: i, Label: strings.Repeat("tabby, ", i%7+1), Score: 0.5}})
		want = append(want, string(wire.AppendResult(nil, &res)))
		p.Result(&pipeline.Output{Result: &res})
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if n := p.ResultsLeftOut(); n != 0 {
		t.Errorf("%d results left out with the broker up", n)
	}
	got := sub.Payloads("livecam/door/results", 30)
	if len(got) != 30 {
		t.Fatalf("%d results arrived of 30", len(got))
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("result %d: %s\nwant %s", i, got[i], want[i])
		}
	}
}

// TestCamerasShareConnection: a second camera on the same connection
// publishes under its own name, both are announced to Home Assistant,
// and the process is online once and offline once.
func TestCamerasShareConnection(t *testing.T) {
	b := mosquittotest.Start(t, nil)
	sub := mosquittotest.Subscribe(t, b.URL())
	door, err := Connect(Options{Broker: b.URL(), Camera: "door", Discovery: "homeassistant"})
	if err != nil {
		t.Fatal(err)
	}
	yard := door.Camera("yard")
	for i := range 10 {
		door.Event(event(i))
		yard.Event(event(i))
	}
	if err := yard.Close(); err != nil {
		t.Fatal(err)
	}
	door.Event(event(10)) // the connection outlives the second camera's Close
	if err := door.Close(); err != nil {
		t.Fatal(err)
	}
	checkEvents(t, sub.Payloads("livecam/door/events", 11), 11)
	checkEvents(t, sub.Payloads("livecam/yard/events", 10), 10)
	for _, cam := range []string{"door", "yard"} {
		if got := sub.Payloads("homeassistant/sensor/livecam/"+cam+"_label/config", 1); len(got) == 0 || !strings.Contains(got[0], `"livecam/`+cam+`/top"`) {
			t.Errorf("%s discovery: %q", cam, got)
		}
	}
	for _, cam := range []string{"door", "yard"} {
		if avail := sub.Matching("livecam/"+cam+"/availability/+", 2); strings.Join(avail, " ") != "online offline" {
			t.Errorf("%s availability: %q, want online then offline", cam, avail)
		}
	}
}
