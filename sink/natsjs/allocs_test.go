package natsjs

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/livecam/livecam/classify"
	"github.com/livecam/livecam/pipeline"
	"github.com/livecam/livecam/wire"
)

// fakeJetStream stands for the NATS library in the tests that measure
// what livecam's own code allocates (the library allocates a request, a
// header and an acknowledgement per message, which are its own): a
// publish says it was called on entered, waits while the test holds
// gate, stores the message at once, keeps a copy of the last payload of
// each kind and of the last message id, and says it stored one on
// stored.
type fakeJetStream struct {
	jetstream.JetStream // the methods the tests do not call
	entered, stored     chan string
	gate                sync.Mutex

	mu          sync.Mutex
	top, result []byte
	id          string
	ack         jetstream.PubAck
}

func newFakeJetStream() *fakeJetStream {
	return &fakeJetStream{entered: make(chan string, 1000), stored: make(chan string, 1000), top: make([]byte, 0, 4096), result: make([]byte, 0, 4096)}
}

func (f *fakeJetStream) Publish(_ context.Context, subject string, data []byte, _ ...jetstream.PublishOpt) (*jetstream.PubAck, error) {
	return f.store(subject, data, "")
}

func (f *fakeJetStream) PublishMsg(_ context.Context, m *nats.Msg, _ ...jetstream.PublishOpt) (*jetstream.PubAck, error) {
	return f.store(m.Subject, m.Data, m.Header.Get(jetstream.MsgIDHeader))
}

func (f *fakeJetStream) store(subject string, data []byte, id string) (*jetstream.PubAck, error) {
	f.entered <- subject
	f.gate.Lock()
	f.gate.Unlock()
	f.mu.Lock()
	defer f.mu.Unlock()
	switch {
	case strings.HasSuffix(subject, ".top"):
		f.top = append(f.top[:0], data...)
		f.id = id
	case strings.HasSuffix(subject, ".results"):
		f.result = append(f.result[:0], data...)
	}
	f.stored <- subject
	return &f.ack, nil
}

// wait takes n messages from ch (entered or stored), failing the test
// when they do not come before timeout fires.
func wait(t *testing.T, ch chan string, n int, timeout *time.Timer) {
	for range n {
		select {
		case <-ch:
		case <-timeout.C:
			t.Fatal("the fake library got nothing for 20 s")
		}
	}
}

// fakePublisher returns a Publisher of camera "door" on a fakeJetStream.
func fakePublisher(t *testing.T, f *fakeJetStream) *Publisher {
	c := &conn{opts: Options{QueueSize: 1000, Logf: t.Logf}, connected: func() bool { return true }, js: f, jsResults: f, run: "run-"}
	c.start()
	t.Cleanup(func() { c.results.Close(); c.queue.Close(time.Second) })
	return newPublisher(c, "door", true)
}

// TestFramesAllocateNothing: a classifier's frames, whose results are
// published, allocate nothing on the pipeline's goroutine (Write and
// Result build the messages in buffers given back once sent), even when
// the best label changes on every frame (a top message each); nor, end
// to end, when the best label stays. The sending goroutine's one
// allocation for a top message is its message id (see conn.send). The
// library is a fake (its own allocations per message are not
// livecam's). The messages the fake got are the wire format's, the top
// labels with ids of their own.
func TestFramesAllocateNothing(t *testing.T) {
	if raceDetector {
		t.Skip("the race detector allocates")
	}
	f := newFakeJetStream()
	p := fakePublisher(t, f)
	var res [2]pipeline.Result
	res[0].SetTop([]classify.Prediction{{Class: 281, Label: "tabby, tabby cat", Score: 0.87}, {Class: 282, Label: "tiger cat", Score: 0.1}})
	res[1].SetTop([]classify.Prediction{{Class: 207, Label: "golden retriever", Score: 0.91}})
	timeout := time.NewTimer(20 * time.Second)
	defer timeout.Stop()
	frame, change := 0, true
	var mirror wire.TopChanges // what p.Write decides
	wantTop := make([]byte, 0, 512)
	step := func() (messages int) {
		r := &res[0]
		if change {
			r = &res[frame%2]
		}
		r.Frame, r.PTS = int64(frame), time.Duration(frame)*40*time.Millisecond
		o := pipeline.Output{Result: r}
		messages = 1 // the result, and the top label when it changed
		if mirror.Changed(r) {
			messages = 2
			wantTop = wire.AppendTop(wantTop[:0], r)
		}
		p.Write(&o)
		p.Result(&o)
		frame++
		return messages
	}

	// 60 frames while the library holds the first messages: 60 buffers
	// of each kind are made, and given back once they are stored.
	f.gate.Lock()
	for range 60 {
		step()
	}
	f.gate.Unlock()
	wait(t, f.stored, 120, timeout)
	// The pipeline's side alone, the sending goroutines held in
	// Publish by a first frame.
	f.gate.Lock()
	step()
	wait(t, f.entered, 120+2, timeout)
	if a := testing.AllocsPerRun(50, func() { step() }); a != 0 {
		t.Errorf("%v allocations per frame on the pipeline's goroutine", a)
	}
	f.gate.Unlock()
	wait(t, f.stored, 2*52, timeout)
	wait(t, f.entered, 2*51, timeout)

	// End to end.
	sent := func() {
		n := step()
		wait(t, f.entered, n, timeout)
		wait(t, f.stored, n, timeout)
	}
	if a := testing.AllocsPerRun(200, sent); a != 1 {
		t.Errorf("%v allocations per frame with a new best label each, want 1 (its message id)", a)
	}
	change = false
	sent()
	if a := testing.AllocsPerRun(200, sent); a != 0 {
		t.Errorf("%v allocations per frame with the same best label", a)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if !bytes.Equal(f.top, wantTop) {
		t.Errorf("last top message %s, want %s", f.top, wantTop)
	}
	if want := wire.AppendResult(nil, &res[0]); !bytes.Equal(f.result, want) {
		t.Errorf("last result %s, want %s", f.result, want)
	}
	if !strings.HasPrefix(f.id, "run-") || f.id == "run-" {
		t.Errorf("last top message's id %q", f.id)
	}
}

// failingJetStream fails the first try of every message and records the
// message id of every try. Before recording a retry it calls retrying,
// when set: what happens between a failed try and the next.
type failingJetStream struct {
	jetstream.JetStream
	mu       sync.Mutex
	tries    []string // the id of each try
	data     []string // the payload of each try
	ack      jetstream.PubAck
	retrying func()
}

func (f *failingJetStream) PublishMsg(_ context.Context, m *nats.Msg, _ ...jetstream.PublishOpt) (*jetstream.PubAck, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.tries)%2 == 1 && f.retrying != nil {
		f.retrying()
	}
	f.tries = append(f.tries, m.Header.Get(jetstream.MsgIDHeader))
	f.data = append(f.data, string(m.Data))
	if len(f.tries)%2 == 1 {
		return nil, errors.New("no answer")
	}
	return &f.ack, nil
}

// TestMessageIDs: a message tried again keeps its id (the server drops
// the resend of a message it stored but whose acknowledgement was lost),
// and each message has an id of its own. Between each of the first
// three messages' failed try and its retry the camera has a new event,
// built in a buffer from the pool: the payload of a try that failed is
// not in the pool (the retry sends it), so each retry sends the same
// bytes as its first try, the message's own.
func TestMessageIDs(t *testing.T) {
	f := &failingJetStream{}
	c := &conn{opts: Options{QueueSize: 100, Logf: t.Logf}, connected: func() bool { return true }, js: f, jsResults: f, run: "run-"}
	c.start()
	p := newPublisher(c, "door", true)
	extra, added := 0, make(chan struct{})
	f.retrying = func() { // on the sending goroutine
		if extra < 3 {
			p.Event(event(3 + extra))
			if extra++; extra == 3 {
				close(added)
			}
		}
	}
	for i := range 3 {
		p.Event(event(i))
	}
	select { // before Close, which takes no more events
	case <-added:
	case <-time.After(10 * time.Second):
		t.Fatal("the first three events were not retried within 10 s")
	}
	if unsent := c.queue.Close(10 * time.Second); unsent != 0 {
		t.Fatalf("%d events not sent", unsent)
	}
	c.results.Close()
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.tries) != 12 {
		t.Fatalf("%d tries (%q), want 2 for each of 6 events", len(f.tries), f.tries)
	}
	for i := 0; i < 12; i += 2 {
		want := string(wire.AppendEvent(nil, event(i/2)))
		if f.tries[i] == "" || f.tries[i] != f.tries[i+1] || f.data[i] != want || f.data[i+1] != want {
			t.Errorf("event %d: tried with id %q, then %q (payload %s, then %s); want the same id, and the payload %s", i/2, f.tries[i], f.tries[i+1], f.data[i], f.data[i+1], want)
		}
		if i > 0 && f.tries[i] == f.tries[i-2] {
			t.Errorf("events %d and %d share the id %q", i/2-1, i/2, f.tries[i])
		}
	}
}
