// Package natsjs publishes cameras' labels, events and results to NATS
// JetStream, where one consumer sees a whole site and can replay it: the
// same messages sink/mqtt sends to an MQTT broker, stored in the stream
// LIVECAM_CAMERAS.
//
//	livecam.cameras.CAMERA.top      a classifier's best label when it changes (JSON)
//	livecam.cameras.CAMERA.events   the events (package wire's): a classifier's
//	                                "entered / left" (Event), a detector's objects
//	                                entering and leaving the view or a zone (ObjectEvent)
//	livecam.cameras.CAMERA.results  optionally (Result), every frame's result: a
//	                                classifier's classes, a detector's objects
//	livecam.cameras.CAMERA.availability  "offline" when the camera's frames
//	                                stop, "online" when they are back (Signal),
//	                                and when a run starts after one that
//	                                stopped "offline"; its top label is
//	                                cleared while they are out
//
// Top labels and events go through a bounded queue to one goroutine that
// waits until the server has stored each one, in order, retrying while
// the server is away; each has a message id, so a retry is never stored
// twice. The pipeline never waits on the server; a full queue drops and
// counts. Results are left out rather than queued when the server lags.
// The messages are built in buffers that are reused once the server has
// them: the per-frame calls (Write, Result) allocate nothing.
package natsjs

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/livecam/livecam/events"
	"github.com/livecam/livecam/internal/bufpool"
	"github.com/livecam/livecam/internal/redact"
	"github.com/livecam/livecam/internal/relay"
	"github.com/livecam/livecam/internal/topicname"
	"github.com/livecam/livecam/pipeline"
	"github.com/livecam/livecam/track"
	"github.com/livecam/livecam/wire"
)

// Stream is the stream that holds every camera's messages.
const Stream = "LIVECAM_CAMERAS"

// Subject returns a camera's subject for kind ("top", "events",
// "results"), the camera's name made one safe token by topicname.Safe.
func Subject(camera, kind string) string {
	return "livecam.cameras." + topicname.Safe(camera) + "." + kind
}

// Options configure a Publisher.
type Options struct {
	// URL is the server, nats://HOST:4222. It is shown only with its
	// credentials redacted; give credentials in NATS instead.
	URL string
	// NATS are extra connection options: credentials and TLS
	// (fleet.Auth.Options builds them).
	NATS []nats.Option
	// Camera names the first camera's subjects (Camera adds others).
	Camera string
	// QueueSize bounds the top labels and events waiting for the server
	// (default 1000).
	QueueSize int
	// MaxAge bounds how long the stream keeps messages (default 7 days).
	MaxAge time.Duration
	// Logf reports reconnections and drops (default: nothing).
	Logf func(format string, args ...any)
}

// Publisher is one camera's publisher; the one Connect returns holds the
// connection, which the cameras Camera adds share.
type Publisher struct {
	*conn
	camera string
	root   bool
	top    wire.TopChanges

	// The camera's subjects, made once: a frame's message costs no
	// allocation.
	topSubject, eventsSubject, resultsSubject string
}

// newPublisher returns camera's Publisher on c.
func newPublisher(c *conn, camera string, root bool) *Publisher {
	return &Publisher{conn: c, camera: camera, root: root,
		topSubject: Subject(camera, "top"), eventsSubject: Subject(camera, "events"), resultsSubject: Subject(camera, "results")}
}

type conn struct {
	opts      Options
	nc        *nats.Conn
	connected func() bool // nc.IsConnected
	js        jetstream.JetStream
	// jsResults is js with the wait for a result's acknowledgement
	// (a second) as its default timeout.
	jsResults jetstream.JetStream
	run       string // this connection's prefix of message ids
	seq       atomic.Int64
	queue     *relay.Queue // top labels and events, stored in order
	results   *relay.Lossy // every result, left out when the server lags

	// buffers and resultBuffers hold the payloads of the queue's
	// messages and of the results, given back once the server has them.
	buffers, resultBuffers *bufpool.Pool

	// The queue's message send is sending, with its message id (only
	// send uses them): made on its first try, kept until it is stored.
	msg      nats.Msg
	id       []string // msg's header's message id
	idBuf    []byte
	retrying bool

	mu     sync.Mutex
	closed bool
}

// Connect connects, makes sure the stream exists, and starts publishing.
func Connect(opts Options) (*Publisher, error) {
	if opts.QueueSize <= 0 {
		opts.QueueSize = 1000
	}
	if opts.MaxAge <= 0 {
		opts.MaxAge = 7 * 24 * time.Hour
	}
	if opts.Logf == nil {
		opts.Logf = func(string, ...any) {}
	}
	logf := opts.Logf
	shown := redact.URL(opts.URL)
	all := append([]nats.Option{nats.Name("livecam"), nats.MaxReconnects(-1), nats.ReconnectWait(250 * time.Millisecond),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if err != nil {
				logf("nats %s: connection lost (%v); reconnecting, events are queued", shown, redactIn(err, opts.URL))
			}
		})}, opts.NATS...)
	nc, err := nats.Connect(opts.URL, all...)
	if err != nil {
		return nil, fmt.Errorf("nats %s: %v", shown, redactIn(err, opts.URL))
	}
	// Each message waits for its acknowledgement for the default
	// timeout: 5 s for the queue's, 1 s for a result.
	js, err := jetstream.New(nc, jetstream.WithDefaultTimeout(5*time.Second))
	if err != nil {
		nc.Close()
		return nil, err
	}
	jsResults, err := jetstream.New(nc, jetstream.WithDefaultTimeout(time.Second))
	if err != nil {
		nc.Close()
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	// An existing stream is left as it is: a camera's user needs no
	// right to change it.
	if _, err := js.Stream(ctx, Stream); errors.Is(err, jetstream.ErrStreamNotFound) {
		_, err = js.CreateStream(ctx, jetstream.StreamConfig{Name: Stream, Subjects: []string{"livecam.cameras.>"},
			Storage: jetstream.FileStorage, MaxAge: opts.MaxAge, Duplicates: 10 * time.Minute,
			Description: "livecam cameras: top labels, events and results"})
		if errors.Is(err, jetstream.ErrStreamNameAlreadyInUse) {
			err = nil
		}
		if err != nil {
			nc.Close()
			return nil, fmt.Errorf("nats %s: stream %s: %w", shown, Stream, err)
		}
	} else if err != nil {
		nc.Close()
		return nil, fmt.Errorf("nats %s: stream %s: %w", shown, Stream, err)
	}
	c := &conn{opts: opts, nc: nc, connected: nc.IsConnected, js: js, jsResults: jsResults, run: strconv.FormatInt(time.Now().UnixNano(), 36) + "-"}
	c.start()
	p := newPublisher(c, opts.Camera, true)
	p.announce()
	return p, nil
}

// announce says "online" when the camera's latest stored availability is
// "offline" (a run that stopped during an outage): the outage is over
// as far as anyone can tell, until this run's Signal says otherwise. A
// camera with none stored gets no message (a file's run has none).
func (p *Publisher) announce() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	st, err := p.js.Stream(ctx, Stream)
	if err != nil {
		return
	}
	m, err := st.GetLastMsgForSubject(ctx, Subject(p.camera, "availability"))
	if err == nil && string(m.Data) == "offline" {
		p.queue.Put(relay.Message{Subject: Subject(p.camera, "availability"), Payload: append(p.buffers.Get(), "online"...)})
	}
}

// resultsQueue bounds the results waiting for the server (Result).
const resultsQueue = 64

// start starts the queues that send c's messages.
func (c *conn) start() {
	c.buffers, c.resultBuffers = bufpool.New(64, 512), bufpool.New(resultsQueue+2, 1024)
	c.id = []string{""}
	c.msg.Header = nats.Header{jetstream.MsgIDHeader: c.id}
	c.queue = relay.New(c.opts.QueueSize, c.send, func(dropped int64) {
		c.opts.Logf("nats %s: the queue of %d messages is full; %d dropped so far", redact.URL(c.opts.URL), c.opts.QueueSize, dropped)
	})
	c.results = relay.NewLossy(resultsQueue, c.sendResult)
}

// Camera returns the publisher of another camera on the same connection.
// Its Close does nothing: the connection closes with the Publisher
// Connect returned.
func (p *Publisher) Camera(name string) *Publisher {
	cam := newPublisher(p.conn, name, false)
	cam.announce()
	return cam
}

// send stores one message, the queue's next, with a message id of its
// own (RUN-SEQ): the server drops a resend of an id it has. The queue
// sends each message again until it is stored before it sends the next,
// so the id is made on the first try and kept until the message is
// stored; making it is the one allocation a message costs here. The
// library has copied the payload once PublishMsg returns: a stored
// message's goes back to c.buffers (the queue retries the others).
func (c *conn) send(m relay.Message, _ <-chan struct{}) error {
	if !c.retrying {
		c.idBuf = strconv.AppendInt(append(c.idBuf[:0], c.run...), c.seq.Add(1), 10)
		c.id[0] = string(c.idBuf)
		c.retrying = true
	}
	c.msg.Subject, c.msg.Data = m.Subject, m.Payload
	_, err := c.js.PublishMsg(context.Background(), &c.msg)
	c.msg.Data = nil
	if err == nil {
		c.retrying = false
		c.buffers.Put(m.Payload)
	}
	return err
}

// sendResult stores one result, waiting a little for it (jsResults'
// timeout); its payload goes back to c.resultBuffers, which the library
// has copied once Publish returns.
func (c *conn) sendResult(m relay.Message) error {
	defer c.resultBuffers.Put(m.Payload)
	if !c.connected() {
		return nats.ErrConnectionClosed
	}
	_, err := c.jsResults.Publish(context.Background(), m.Subject, m.Payload)
	return err
}

// TakesI420 is true: the publisher sends results, never pixels, so the
// frame may come in any format (pipeline.I420Sink).
func (p *Publisher) TakesI420() bool { return true }

// Write publishes a classifier's best label when it differs from the
// last frame's. A detector's frame (Result.Detection) publishes nothing
// there: its objects go with its events (ObjectEvent) and every result
// (Result).
func (p *Publisher) Write(o *pipeline.Output) error {
	if o.Result.Detection() {
		return nil
	}
	if p.top.Changed(o.Result) {
		p.queue.Put(relay.Message{Subject: p.topSubject, Payload: wire.AppendTop(p.buffers.Get(), o.Result)})
	}
	return nil
}

// Signal records that the camera's frames stopped or came back
// (pipeline.SignalSink): lost, its top label is cleared
// (wire.AppendNoSignal) and its availability subject says "offline";
// back, "online", and the next frame's label is published again.
func (p *Publisher) Signal(s pipeline.Signal) {
	state := "online"
	if s.Lost {
		state = "offline"
		p.top.Reset()
		p.queue.Put(relay.Message{Subject: p.topSubject, Payload: wire.AppendNoSignal(p.buffers.Get(), s.Since)})
	}
	p.queue.Put(relay.Message{Subject: Subject(p.camera, "availability"), Payload: append(p.buffers.Get(), state...)})
}

var _ pipeline.SignalSink = (*Publisher)(nil)

// Event publishes a classifier's event e (wire.AppendEvent).
func (p *Publisher) Event(e events.Event) {
	p.queue.Put(relay.Message{Subject: p.eventsSubject, Payload: wire.AppendEvent(p.buffers.Get(), e)})
}

// ObjectEvent publishes a detector's per-object event (package track) to
// the camera's events subject (wire.AppendObjectEvent, with the camera's
// name), queued and stored in order with the camera's other events.
func (p *Publisher) ObjectEvent(e track.Event) {
	p.queue.Put(relay.Message{Subject: p.eventsSubject, Payload: wire.AppendObjectEvent(p.buffers.Get(), p.camera, e)})
}

// Result publishes every frame's result (wire.AppendResult: a
// classifier's "top", a detector's "objects"); when the server lags,
// results are left out and counted (ResultsLeftOut).
func (p *Publisher) Result(o *pipeline.Output) error {
	p.results.Offer(relay.Message{Subject: p.resultsSubject, Payload: wire.AppendResult(p.resultBuffers.Get(), o.Result)})
	return nil
}

// ResultsLeftOut returns how many results were left out.
func (p *Publisher) ResultsLeftOut() int64 { return p.results.LeftOut() }

// Dropped returns how many top labels and events a full queue dropped.
func (p *Publisher) Dropped() int64 { return p.queue.Dropped() }

// Close stores what is queued (waiting at most 5 s for the server) and
// disconnects; on a camera Camera added it does nothing.
func (p *Publisher) Close() error {
	if !p.root {
		return nil
	}
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	p.mu.Unlock()
	p.results.Close()
	var err error
	if unsent := p.queue.Close(5 * time.Second); unsent > 0 {
		err = fmt.Errorf("nats %s: %d messages not stored: the server took none for 5s", redact.URL(p.opts.URL), unsent)
	}
	if p.nc != nil {
		p.nc.Close()
	}
	if d := p.Dropped(); d > 0 && err == nil {
		err = fmt.Errorf("nats %s: %d messages dropped while the server was away (queue of %d)", redact.URL(p.opts.URL), d, p.opts.QueueSize)
	}
	return err
}

var (
	_ pipeline.Publisher       = (*Publisher)(nil)
	_ pipeline.ObjectPublisher = (*Publisher)(nil)
)

// redactIn returns err's text with the URL, where it appears, redacted.
func redactIn(err error, url string) string {
	msg := err.Error()
	if shown := redact.URL(url); shown != url {
		msg = strings.ReplaceAll(msg, url, shown)
	}
	return msg
}
