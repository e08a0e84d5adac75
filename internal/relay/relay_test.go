package relay

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"
)

// TestInOrderThroughFailures: every message arrives once, in order, even
// when the broker refuses each one a few times first.
func TestInOrderThroughFailures(t *testing.T) {
	var mu sync.Mutex
	var got []string
	tries := map[string]int{}
	q := New(100, func(m Message, _ <-chan struct{}) error {
		mu.Lock()
		defer mu.Unlock()
		tries[m.Subject]++
		if tries[m.Subject] < 3 && len(got)%10 == 0 {
			return errors.New("broker away")
		}
		got = append(got, m.Subject)
		return nil
	}, nil)
	for i := range 50 {
		q.Put(Message{Subject: fmt.Sprint(i)})
	}
	if unsent := q.Close(10 * time.Second); unsent != 0 {
		t.Fatalf("%d unsent", unsent)
	}
	if len(got) != 50 {
		t.Fatalf("%d messages sent, want 50", len(got))
	}
	for i, s := range got {
		if s != fmt.Sprint(i) {
			t.Fatalf("message %d is %s", i, s)
		}
	}
}

// putAll calls put for messages from to to-1 (each's subject its number),
// on a goroutine of its own, and
// fails the test if they have not all returned within a few seconds: Put
// and Offer must never wait for the broker (were they to, the test would
// otherwise hang instead of failing).
func putAll(t *testing.T, from, to int, put func(Message)) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := from; i < to; i++ {
			put(Message{Subject: fmt.Sprint(i)})
		}
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatalf("%d Puts still not done after 5 s: Put waits for the broker", to-from)
	}
}

// TestFullQueueDrops: with the broker stuck, Put never waits; beyond the
// queue (and the message in flight) messages are dropped and counted,
// the first drop and every thousandth reported, and Close gives up after
// its drain time, saying how many are left.
func TestFullQueueDrops(t *testing.T) {
	var reported []int64
	inFlight := make(chan string, 1)
	q := New(2, func(m Message, stop <-chan struct{}) error {
		select {
		case inFlight <- m.Subject:
		default:
		}
		<-stop
		return errors.New("stopped")
	}, func(n int64) { reported = append(reported, n) })
	putAll(t, 0, 1, q.Put)
	// The first message is in flight: the queue is empty again.
	select {
	case s := <-inFlight:
		if s != "0" {
			t.Fatalf("message %s in flight first, want 0", s)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the first message never reached the broker")
	}
	putAll(t, 1, 6, q.Put)
	if q.Dropped() != 3 || fmt.Sprint(reported) != "[1]" {
		t.Errorf("dropped %d, reported %v; want 3 dropped (2 queued beside the one in flight), the first reported", q.Dropped(), reported)
	}
	putAll(t, 6, 1003, q.Put)
	if q.Dropped() != 1000 || fmt.Sprint(reported) != "[1 1000]" {
		t.Errorf("dropped %d, reported %v; want 1000 dropped, the first and the thousandth reported", q.Dropped(), reported)
	}
	// The drain time is what is tested: Close waits that long for the
	// stuck broker, then gives up.
	if unsent := q.Close(100 * time.Millisecond); unsent != 3 {
		t.Errorf("%d unsent, want 3 (2 queued, 1 in flight)", unsent)
	}
	q.Put(Message{Subject: "late"}) // after Close: nothing
	if q.Dropped() != 1000 {
		t.Errorf("a Put after Close counted as dropped: %d", q.Dropped())
	}
}

// TestLossyLeavesOut: results the broker does not take, or that find the
// queue full, are left out and counted; the others are sent in order.
func TestLossyLeavesOut(t *testing.T) {
	release := make(chan struct{})
	inFlight := make(chan struct{})
	var got []string
	l := NewLossy(2, func(m Message) error {
		if m.Subject == "0" {
			close(inFlight)
		}
		<-release
		if m.Subject == "1" {
			return errors.New("refused")
		}
		got = append(got, m.Subject)
		return nil
	})
	putAll(t, 0, 1, l.Offer)
	<-inFlight // 0 is taken: the queue is empty again
	putAll(t, 1, 6, l.Offer)
	close(release)
	l.Close()
	l.Offer(Message{Subject: "late"})
	// 0 in flight, 1 and 2 queued, 3-5 left out; 1 refused.
	if l.LeftOut() != 4 || fmt.Sprint(got) != "[0 2]" {
		t.Errorf("left out %d, sent %v; want 4 and [0 2]", l.LeftOut(), got)
	}
}
