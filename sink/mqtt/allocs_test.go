package mqtt

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/livecam/livecam/classify"
	"github.com/livecam/livecam/pipeline"
	"github.com/livecam/livecam/wire"
)

// fakeClient stands for Paho in the tests that measure what livecam's own
// code allocates (Paho allocates a packet and a token per message, which
// is the library's): Publish says it was called on entered, waits while
// the test holds gate, takes the message at once, keeps a copy of the
// last payload of each kind and says it took it on published. A topic
// in hold is never acknowledged: its payload stays with the "library".
type fakeClient struct {
	paho.Client // the methods the tests do not call
	entered     chan string
	published   chan string
	gate        sync.Mutex

	mu          sync.Mutex
	top, result []byte
	held        map[string][]byte // payloads never acknowledged, as given
	hold        string
}

func newFakeClient() *fakeClient {
	return &fakeClient{entered: make(chan string, 1000), published: make(chan string, 1000),
		top: make([]byte, 0, 4096), result: make([]byte, 0, 4096), held: map[string][]byte{}}
}

func (f *fakeClient) IsConnectionOpen() bool { return true }

func (f *fakeClient) Publish(topic string, _ byte, _ bool, payload any) paho.Token {
	f.entered <- topic
	f.gate.Lock()
	f.gate.Unlock()
	b := payload.([]byte)
	f.mu.Lock()
	defer f.mu.Unlock()
	if topic == f.hold {
		f.held[topic] = b
		f.published <- topic
		return pendingToken{}
	}
	switch {
	case strings.HasSuffix(topic, "/top"):
		f.top = append(f.top[:0], b...)
	case strings.HasSuffix(topic, "/results"):
		f.result = append(f.result[:0], b...)
	}
	f.published <- topic
	return doneToken{}
}

// wait takes n messages from ch (entered or published), failing the test
// when they do not come before timeout fires.
func wait(t *testing.T, ch chan string, n int, timeout *time.Timer) {
	for range n {
		select {
		case <-ch:
		case <-timeout.C:
			t.Fatal("the fake broker got nothing for 20 s")
		}
	}
}

// doneToken is an acknowledged message's token.
type doneToken struct{}

var closed = func() chan struct{} { c := make(chan struct{}); close(c); return c }()

func (doneToken) Wait() bool                     { return true }
func (doneToken) WaitTimeout(time.Duration) bool { return true }
func (doneToken) Done() <-chan struct{}          { return closed }
func (doneToken) Error() error                   { return nil }

// pendingToken is the token of a message the broker never acknowledges.
type pendingToken struct{}

func (pendingToken) Wait() bool                     { select {} }
func (pendingToken) WaitTimeout(time.Duration) bool { return false }
func (pendingToken) Done() <-chan struct{}          { return nil }
func (pendingToken) Error() error                   { return nil }

// fakePublisher returns a Publisher of camera "door" on a fakeClient.
func fakePublisher(t *testing.T, f *fakeClient) *Publisher {
	c := &conn{opts: Options{Prefix: "livecam", ClientID: "test", QueueSize: 1000, Logf: t.Logf}, client: f}
	c.start()
	t.Cleanup(func() { c.results.Close(); c.queue.Close(time.Second) })
	return newPublisher(c, "door", true)
}

// classifierFrames returns a step that gives p a classifier's frame,
// whose best label changes on every frame (the worst case: a top message
// each), to Write and Result, and the frame given last.
func classifierFrames(p *Publisher) (step func(), last func() *pipeline.Result) {
	var res [2]pipeline.Result
	res[0].SetTop([]classify.Prediction{{Class: 281, Label: "tabby, tabby cat", Score: 0.87}, {Class: 282, Label: "tiger cat", Score: 0.1}})
	res[1].SetTop([]classify.Prediction{{Class: 207, Label: "golden retriever", Score: 0.91}})
	frame := 0
	step = func() {
		r := &res[frame%2]
		r.Frame, r.PTS = int64(frame), time.Duration(frame)*40*time.Millisecond
		o := pipeline.Output{Result: r}
		p.Write(&o)
		p.Result(&o)
		frame++
	}
	return step, func() *pipeline.Result { return &res[(frame-1)%2] }
}

// TestFramesAllocateNothing: a classifier's frames, whose best label
// changes on every frame (a top message each) and whose results are
// published, allocate nothing on the pipeline's goroutine (Write and
// Result build the messages in buffers given back once sent). The
// sending goroutine's one allocation per message is Paho's: its Publish
// takes the payload as an interface{}, which boxes the slice. Paho is a
// fake here (its own packet and token per message are the library's).
// The messages the fake got are the wire format's.
func TestFramesAllocateNothing(t *testing.T) {
	if raceDetector {
		t.Skip("the race detector allocates")
	}
	f := newFakeClient()
	p := fakePublisher(t, f)
	step, last := classifierFrames(p)
	timeout := time.NewTimer(20 * time.Second)
	defer timeout.Stop()

	// 60 frames while the broker holds the first messages: 60 buffers of
	// each kind are made, and given back once the broker takes them.
	f.gate.Lock()
	for range 60 {
		step()
	}
	f.gate.Unlock()
	wait(t, f.published, 120, timeout)
	// The pipeline's side alone, the sending goroutines held in
	// Publish by a first frame.
	f.gate.Lock()
	step()
	wait(t, f.entered, 120+2, timeout)
	if a := testing.AllocsPerRun(50, step); a != 0 {
		t.Errorf("%v allocations per frame on the pipeline's goroutine", a)
	}
	f.gate.Unlock()
	wait(t, f.published, 2*52, timeout)
	wait(t, f.entered, 2*51, timeout)

	// End to end: the frame's two messages, each boxed once for Paho.
	both := func() {
		step()
		wait(t, f.entered, 2, timeout)
		wait(t, f.published, 2, timeout)
	}
	if a := testing.AllocsPerRun(200, both); a != 2 {
		t.Errorf("%v allocations per frame with the sending, want 2 (the payloads boxed for Paho's Publish)", a)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if want := wire.AppendTop(nil, last()); !bytes.Equal(f.top, want) {
		t.Errorf("last top message %s, want %s", f.top, want)
	}
	if want := wire.AppendResult(nil, last()); !bytes.Equal(f.result, want) {
		t.Errorf("last result %s, want %s", f.result, want)
	}
}

// TestUnsentResultKept: a result Paho has not written within the wait
// (it may still write it later) keeps its payload: the buffer is not
// reused for the next results, which would change the message Paho
// holds.
func TestUnsentResultKept(t *testing.T) {
	f := newFakeClient()
	f.hold = "livecam/door/results"
	p := fakePublisher(t, f)
	var res pipeline.Result
	res.SetTop([]classify.Prediction{{Class: 281, Label: "tabby, tabby cat", Score: 0.87}})
	timeout := time.NewTimer(20 * time.Second)
	defer timeout.Stop()
	p.Result(&pipeline.Output{Result: &res})
	wait(t, f.published, 1, timeout)
	want := string(wire.AppendResult(nil, &res))
	f.mu.Lock()
	f.hold = "" // the next results are taken at once
	f.mu.Unlock()
	for i := range 20 {
		res.Frame = int64(i + 1)
		res.SetTop([]classify.Prediction{{Class: 207, Label: "golden retriever, a longer label than the first", Score: 0.5}})
		p.Result(&pipeline.Output{Result: &res})
		wait(t, f.published, 1, timeout)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if got := string(f.held["livecam/door/results"]); got != want {
		t.Errorf("the payload Paho holds became %s; want %s", got, want)
	}
	var r struct{ Frame int }
	if err := json.Unmarshal(f.result, &r); err != nil || r.Frame != 20 {
		t.Errorf("the last result sent is %s", f.result)
	}
}

// errToken is the token of a try that failed.
type errToken struct{ err error }

func (errToken) Wait() bool                     { return true }
func (errToken) WaitTimeout(time.Duration) bool { return true }
func (errToken) Done() <-chan struct{}          { return closed }
func (t errToken) Error() error                 { return t.err }

// storingClient stands for Paho as it treats a QoS 1 message whose write
// fails: the first try of every message fails, and its packet, payload
// and all, stays in the store, to be written again after a reconnection
// (kept here, with a copy of the bytes it had then); the retry is
// acknowledged. Before a retry it calls retrying, when set.
type storingClient struct {
	paho.Client
	mu       sync.Mutex
	tries    int
	stored   [][]byte // the payloads of failed tries, as given
	was      []string // their bytes when they failed
	retrying func()
}

func (f *storingClient) Publish(_ string, _ byte, _ bool, payload any) paho.Token {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.tries++
	if f.tries%2 == 1 {
		b := payload.([]byte)
		f.stored, f.was = append(f.stored, b), append(f.was, string(b))
		return errToken{errors.New("publish was broken by timeout")}
	}
	if f.retrying != nil {
		f.retrying()
	}
	return doneToken{}
}

// TestFailedPayloadKept: a message whose first try failed is sent again
// and acknowledged, but Paho still holds the failed try's packet, which
// it writes again after a reconnection: its payload must never be
// reused. Between each of the first three messages' failed try and its
// retry the camera has a new event, built in a buffer from the pool;
// every payload Paho stored keeps its bytes.
func TestFailedPayloadKept(t *testing.T) {
	f := &storingClient{}
	c := &conn{opts: Options{Prefix: "livecam", ClientID: "test", QueueSize: 100, Logf: t.Logf}, client: f}
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
	if len(f.stored) != 6 || f.tries != 12 {
		t.Fatalf("%d tries, %d failed; want 12, 6", f.tries, len(f.stored))
	}
	for i, b := range f.stored {
		if want := string(wire.AppendEvent(nil, event(i))); f.was[i] != want || string(b) != want {
			t.Errorf("event %d: Paho stored %s, which became %s; want %s throughout", i, f.was[i], b, want)
		}
	}
}
