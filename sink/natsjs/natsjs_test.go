package natsjs

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/livecam/livecam/classify"
	"github.com/livecam/livecam/events"
	"github.com/livecam/livecam/internal/testrig/natstest"
	"github.com/livecam/livecam/pipeline"
)

func event(i int) events.Event {
	return events.Event{Type: events.Enter, Class: 281 + i, Label: fmt.Sprintf("class %d", i), Start: time.Duration(i) * time.Second, PeakScore: 0.9, MeanScore: 0.8, Frames: 1}
}

// stored returns the data of every message the stream holds on subject,
// in order.
func stored(t *testing.T, url, subject string) []string {
	t.Helper()
	nc, err := nats.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	st, err := js.Stream(ctx, Stream)
	if err != nil {
		t.Fatal(err)
	}
	info, err := st.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for seq := info.State.FirstSeq; seq <= info.State.LastSeq && seq > 0; seq++ {
		m, err := st.GetMsg(ctx, seq)
		if err != nil {
			t.Fatal(err)
		}
		if m.Subject == subject {
			got = append(got, string(m.Data))
		}
	}
	return got
}

// checkEvents: n events, in order, once each.
func checkEvents(t *testing.T, got []string, n int) {
	t.Helper()
	if len(got) != n {
		t.Fatalf("%d events stored, want %d", len(got), n)
	}
	for i, g := range got {
		var e struct {
			Class int `json:"class"`
		}
		if err := json.Unmarshal([]byte(g), &e); err != nil || e.Class != 281+i {
			t.Fatalf("event %d: %s; want class %d in order", i, g, 281+i)
		}
	}
}

// TestCamerasStored: two cameras on one connection; each one's events
// are stored in order under its own subject, its top label too.
func TestCamerasStored(t *testing.T) {
	srv := natstest.Start(t)
	door, err := Connect(Options{URL: srv.URL(), Camera: "door"})
	if err != nil {
		t.Fatal(err)
	}
	yard := door.Camera("yard")
	res := pipeline.Result{}
	for i := range 30 {
		door.Event(event(i))
		if i < 20 {
			yard.Event(event(i))
		}
	}
	yard.Write(&pipeline.Output{Result: &res})
	if err := door.Close(); err != nil {
		t.Fatal(err)
	}
	checkEvents(t, stored(t, srv.URL(), Subject("door", "events")), 30)
	checkEvents(t, stored(t, srv.URL(), Subject("yard", "events")), 20)
	if top := stored(t, srv.URL(), Subject("yard", "top")); len(top) != 1 {
		t.Errorf("yard's top labels: %q", top)
	}
}

// TestServerRestart: the server stops after 10 events and comes back
// (its store kept), once the Publisher has reported the connection lost,
// while 20 more are queued: all 30 are stored, once, in order, and
// queueing them did not wait for the server.
func TestServerRestart(t *testing.T) {
	srv := natstest.Start(t)
	lost := make(chan struct{})
	var once sync.Once
	p, err := Connect(Options{URL: srv.URL(), Camera: "door", Logf: func(format string, a ...any) {
		msg := fmt.Sprintf(format, a...)
		t.Log(msg)
		if strings.Contains(msg, "connection lost") {
			once.Do(func() { close(lost) })
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 10 {
		p.Event(event(i))
	}
	for deadline := time.Now().Add(5 * time.Second); len(stored(t, srv.URL(), Subject("door", "events"))) < 10; {
		if time.Now().After(deadline) {
			t.Fatal("the first 10 events were not stored")
		}
		time.Sleep(50 * time.Millisecond)
	}
	srv.Stop()
	start := time.Now()
	for i := 10; i < 30; i++ {
		p.Event(event(i))
	}
	if d := time.Since(start); d > 100*time.Millisecond {
		t.Errorf("20 events took %v with the server away", d)
	}
	select {
	case <-lost:
	case <-time.After(10 * time.Second):
		t.Fatal("the lost connection was not reported within 10 s")
	}
	srv.Restart()
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	checkEvents(t, stored(t, srv.URL(), Subject("door", "events")), 30)
}

// TestConnectHidesCredentials: a server that refuses the credentials in
// the URL, or in the options, is named in the error with its password
// redacted.
func TestConnectHidesCredentials(t *testing.T) {
	srv := natstest.StartSecure(t)
	host := strings.TrimPrefix(srv.URL(), "nats://")
	_, err := Connect(Options{URL: "nats://camera:Wr0ngSecret@" + host, Camera: "c"})
	if err == nil || strings.Contains(err.Error(), "Wr0ngSecret") || !strings.Contains(err.Error(), host) {
		t.Errorf("credentials in the URL: %v", err)
	}
	_, err = Connect(Options{URL: srv.URL(), Camera: "c", NATS: []nats.Option{nats.UserInfo("camera", "Wr0ngSecret")}})
	if err == nil || strings.Contains(err.Error(), "Wr0ngSecret") {
		t.Errorf("a wrong password: %v", err)
	}
	p, err := Connect(Options{URL: srv.URL(), Camera: "c", NATS: []nats.Option{nats.UserInfo("camera", srv.Password("camera"))}})
	if err != nil {
		t.Fatalf("the camera user: %v", err)
	}
	if err := p.Close(); err != nil {
		t.Error(err)
	}
}

// TestSignal: a camera whose frames stop has its top label cleared and
// its availability "offline", then "online" and its label again (the
// same label as before the outage) when they come back.
func TestSignal(t *testing.T) {
	srv := natstest.Start(t)
	p, err := Connect(Options{URL: srv.URL(), Camera: "porch"})
	if err != nil {
		t.Fatal(err)
	}
	o := &pipeline.Output{Result: &pipeline.Result{}}
	o.Result.SetTop([]classify.Prediction{{Class: 144, Label: "pelican", Score: 1}})
	p.Write(o)
	p.Signal(pipeline.Signal{Lost: true, Since: time.Date(2026, 12, 2, 15, 42, 7, 0, time.UTC)})
	p.Signal(pipeline.Signal{Since: time.Date(2026, 12, 2, 15, 44, 37, 0, time.UTC)})
	p.Write(o)
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(stored(t, srv.URL(), Subject("porch", "availability")), " "); got != "offline online" {
		t.Errorf("availability %q", got)
	}
	top := stored(t, srv.URL(), Subject("porch", "top"))
	if len(top) != 3 || top[1] != `{"class":null,"label":null,"score":null,"no_signal_since":"2026-12-02T15:42:07.000Z"}` || !strings.Contains(top[2], "pelican") {
		t.Errorf("top %q", top)
	}
}

// TestRestartAfterOutage: a run that stopped while its camera had no
// signal left "offline" as the camera's latest availability; the next
// run says "online" when it starts, so that nobody reads the old
// outage as current. A camera with no outage stored gets no message.
func TestRestartAfterOutage(t *testing.T) {
	srv := natstest.Start(t)
	p, err := Connect(Options{URL: srv.URL(), Camera: "porch"})
	if err != nil {
		t.Fatal(err)
	}
	p.Signal(pipeline.Signal{Lost: true, Since: time.Date(2026, 12, 2, 15, 42, 7, 0, time.UTC)})
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	p, err = Connect(Options{URL: srv.URL(), Camera: "porch"})
	if err != nil {
		t.Fatal(err)
	}
	p.Camera("yard")
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(stored(t, srv.URL(), Subject("porch", "availability")), " "); got != "offline online" {
		t.Errorf("porch's availability %q, want %q", got, "offline online")
	}
	if got := stored(t, srv.URL(), Subject("yard", "availability")); len(got) != 0 {
		t.Errorf("yard's availability %q, want nothing", got)
	}
}
