// Package natsjs publishes cameras' labels, events and results to NATS
// JetStream, where one consumer sees a whole site and can replay it: the
// same messages sink/mqtt sends to an MQTT broker, stored in the stream
// LIVECAM_CAMERAS.
//
//	livecam.cameras.CAMERA.top      the best label when it changes (JSON)
//	livecam.cameras.CAMERA.events   the "entered / left" events (sink/jsonl's format)
//	livecam.cameras.CAMERA.results  optionally (Result), every frame's result
//
// Top labels and events go through a bounded queue to one goroutine that
// waits until the server has stored each one, in order, retrying while
// the server is away; each has a message id, so a retry is never stored
// twice. The pipeline never waits on the server; a full queue drops and
// counts. Results are left out rather than queued when the server lags.
package natsjs

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/livecam/livecam/events"
	"github.com/livecam/livecam/pipeline"
	"github.com/livecam/livecam/sink/jsonl"
)

// Stream is the stream that holds every camera's messages.
const Stream = "LIVECAM_CAMERAS"

// Subject returns a camera's subject for kind ("top", "events",
// "results").
func Subject(camera, kind string) string { return "livecam.cameras." + camera + "." + kind }

// Options configure a Publisher.
type Options struct {
	// URL is the server, nats://HOST:4222.
	URL string
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
	top    jsonl.TopChanges
}

type conn struct {
	opts    Options
	nc      *nats.Conn
	js      jetstream.JetStream
	run     string // this connection's prefix of message ids
	seq     atomic.Int64
	queue   chan message
	results chan message
	done    chan struct{}
	stop    chan struct{}

	mu      sync.Mutex
	closed  bool
	dropped int64
	left    atomic.Int64 // results left out
}

type message struct {
	subject string
	data    []byte
	id      string
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
	nc, err := nats.Connect(opts.URL, nats.Name("livecam"), nats.MaxReconnects(-1), nats.ReconnectWait(250*time.Millisecond),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if err != nil {
				logf("nats %s: connection lost (%v); reconnecting, events are queued", opts.URL, err)
			}
		}))
	if err != nil {
		return nil, fmt.Errorf("nats %s: %w", opts.URL, err)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{Name: Stream, Subjects: []string{"livecam.cameras.>"},
		Storage: jetstream.FileStorage, MaxAge: opts.MaxAge, Duplicates: 10 * time.Minute,
		Description: "livecam cameras: top labels, events and results"}); err != nil {
		nc.Close()
		return nil, fmt.Errorf("nats %s: stream %s: %w", opts.URL, Stream, err)
	}
	c := &conn{opts: opts, nc: nc, js: js, run: strconv.FormatInt(time.Now().UnixNano(), 36),
		queue: make(chan message, opts.QueueSize), results: make(chan message, 64),
		done: make(chan struct{}), stop: make(chan struct{})}
	go c.publish()
	go c.publishResults()
	return &Publisher{conn: c, camera: opts.Camera, root: true}, nil
}

// Camera returns the publisher of another camera on the same connection.
// Its Close does nothing: the connection closes with the Publisher
// Connect returned.
func (p *Publisher) Camera(name string) *Publisher {
	return &Publisher{conn: p.conn, camera: name}
}

func (c *conn) enqueue(subject string, data []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return
	}
	m := message{subject: subject, data: data, id: c.run + "-" + strconv.FormatInt(c.seq.Add(1), 10)}
	select {
	case c.queue <- m:
	default:
		c.dropped++
		if c.dropped == 1 || c.dropped%1000 == 0 {
			c.opts.Logf("nats %s: the queue of %d messages is full; %d dropped so far", c.opts.URL, c.opts.QueueSize, c.dropped)
		}
	}
}

// publish stores the queued messages in order, each until the server
// acknowledges it.
func (c *conn) publish() {
	defer close(c.done)
	for m := range c.queue {
		for wait := 100 * time.Millisecond; ; wait = min(2*wait, 2*time.Second) {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			_, err := c.js.Publish(ctx, m.subject, m.data, jetstream.WithMsgID(m.id))
			cancel()
			if err == nil {
				break
			}
			select {
			case <-c.stop:
				return
			case <-time.After(wait):
			}
		}
	}
}

func (c *conn) publishResults() {
	for m := range c.results {
		if !c.nc.IsConnected() {
			c.left.Add(1)
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		if _, err := c.js.Publish(ctx, m.subject, m.data); err != nil {
			c.left.Add(1)
		}
		cancel()
	}
}

// Write publishes the frame's best label when it differs from the last.
func (p *Publisher) Write(o *pipeline.Output) error {
	if b, changed := p.top.Next(o.Result); changed {
		p.enqueue(Subject(p.camera, "top"), b)
	}
	return nil
}

// Event publishes e in sink/jsonl's format, without its newline.
func (p *Publisher) Event(e events.Event) {
	line := jsonl.AppendEvent(nil, e)
	p.enqueue(Subject(p.camera, "events"), line[:len(line)-1])
}

// Result publishes every frame's result; when the server lags, results
// are left out and counted (ResultsLeftOut).
func (p *Publisher) Result(o *pipeline.Output) error {
	line := jsonl.AppendResult(nil, o.Result)
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil
	}
	select {
	case p.results <- message{subject: Subject(p.camera, "results"), data: line[:len(line)-1]}:
	default:
		p.left.Add(1)
	}
	return nil
}

// ResultsLeftOut returns how many results were left out.
func (p *Publisher) ResultsLeftOut() int64 { return p.left.Load() }

// Dropped returns how many top labels and events a full queue dropped.
func (p *Publisher) Dropped() int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.dropped
}

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
	close(p.queue)
	close(p.results)
	p.mu.Unlock()
	var err error
	select {
	case <-p.done:
	case <-time.After(5 * time.Second):
		close(p.stop)
		<-p.done
		err = fmt.Errorf("nats %s: %d messages not stored: the server took none for 5s", p.opts.URL, len(p.queue)+1)
	}
	p.nc.Close()
	if d := p.Dropped(); d > 0 && err == nil {
		err = fmt.Errorf("nats %s: %d messages dropped while the server was away (queue of %d)", p.opts.URL, d, p.opts.QueueSize)
	}
	return err
}

var _ pipeline.Publisher = (*Publisher)(nil)
