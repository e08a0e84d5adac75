// Package relay is the queue between a pipeline and a message broker
// (sink/mqtt, sink/natsjs): Put never waits; one goroutine sends the
// messages in order, each one again and again until the broker takes it;
// a full queue drops the newest message and counts it. Lossy is the
// queue for messages that may be left out instead (every frame's result).
package relay

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/livecam/livecam/internal/backoff"
)

// Message is one message for a broker.
type Message struct {
	Subject  string // topic or subject
	Payload  []byte
	Retained bool   // MQTT: the broker keeps it for new subscribers
	ID       string // JetStream: the message id that makes a resend harmless
}

// Send delivers one message: nil once the broker has it, an error to try
// again after a pause. It should give up when stop is closed.
type Send func(m Message, stop <-chan struct{}) error

// Queue holds the messages waiting for the broker.
type Queue struct {
	send   Send
	ch     chan Message
	done   chan struct{} // closed when the sending goroutine returns
	stop   chan struct{} // closed to give up on what is queued
	onDrop func(dropped int64)
	halt   sync.Once

	mu      sync.Mutex
	closed  bool
	dropped int64
}

// New starts a queue of size messages that send empties; onDrop, when
// set, hears of the first message dropped and of every thousandth.
func New(size int, send Send, onDrop func(dropped int64)) *Queue {
	q := &Queue{send: send, ch: make(chan Message, size), done: make(chan struct{}), stop: make(chan struct{}), onDrop: onDrop}
	go q.run()
	return q
}

// Put queues m without waiting; after Close it does nothing.
func (q *Queue) Put(m Message) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return
	}
	select {
	case q.ch <- m:
	default:
		q.dropped++
		if q.onDrop != nil && (q.dropped == 1 || q.dropped%1000 == 0) {
			q.onDrop(q.dropped)
		}
	}
}

// Dropped returns how many messages a full queue dropped.
func (q *Queue) Dropped() int64 {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.dropped
}

// Size returns how many messages the queue holds at most.
func (q *Queue) Size() int { return cap(q.ch) }

// run sends the messages in order, each until the broker takes it,
// waiting by backoff.Resend between tries.
func (q *Queue) run() {
	defer close(q.done)
	for m := range q.ch {
		for retry := 1; q.send(m, q.stop) != nil; retry++ {
			select {
			case <-q.stop:
				return
			case <-time.After(backoff.Resend.Delay(retry)):
			}
		}
	}
}

// Close takes no more messages and waits, at most drain, until the
// broker has taken those queued; it returns how many it did not take.
func (q *Queue) Close(drain time.Duration) (unsent int) {
	q.mu.Lock()
	if !q.closed {
		q.closed = true
		close(q.ch)
	}
	q.mu.Unlock()
	select {
	case <-q.done:
		return 0
	case <-time.After(drain):
		q.halt.Do(func() { close(q.stop) })
		<-q.done
		return len(q.ch) + 1
	}
}

// Lossy holds the messages that may be left out (every frame's result):
// Offer never waits; a full queue, or a send that fails, leaves the
// message out and counts it.
type Lossy struct {
	send func(Message) error
	ch   chan Message
	done chan struct{}
	left atomic.Int64

	mu     sync.Mutex
	closed bool
}

// NewLossy starts a queue of size messages that send empties.
func NewLossy(size int, send func(Message) error) *Lossy {
	l := &Lossy{send: send, ch: make(chan Message, size), done: make(chan struct{})}
	go func() {
		defer close(l.done)
		for m := range l.ch {
			if l.send(m) != nil {
				l.left.Add(1)
			}
		}
	}()
	return l
}

// Offer queues m, or leaves it out when the queue is full; after Close
// it does nothing.
func (l *Lossy) Offer(m Message) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return
	}
	select {
	case l.ch <- m:
	default:
		l.left.Add(1)
	}
}

// LeftOut returns how many messages were left out.
func (l *Lossy) LeftOut() int64 { return l.left.Load() }

// Close takes no more messages and waits until those queued are sent or
// left out.
func (l *Lossy) Close() {
	l.mu.Lock()
	if !l.closed {
		l.closed = true
		close(l.ch)
	}
	l.mu.Unlock()
	<-l.done
}
