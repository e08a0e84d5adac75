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

// TestFullQueueDrops: with the broker stuck, Put never waits; beyond the
// queue (and the message in flight) messages are dropped and counted,
// and Close gives up after its drain time, saying how many are left.
func TestFullQueueDrops(t *testing.T) {
	var reported []int64
	q := New(2, func(m Message, stop <-chan struct{}) error {
		<-stop
		return errors.New("stopped")
	}, func(n int64) { reported = append(reported, n) })
	start := time.Now()
	for i := range 6 {
		q.Put(Message{Subject: fmt.Sprint(i)})
		time.Sleep(10 * time.Millisecond) // the first is taken into flight
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("6 Puts took %v", d)
	}
	if q.Dropped() != 3 || len(reported) != 1 || reported[0] != 1 {
		t.Errorf("dropped %d, reported %v; want 3 dropped, the first reported", q.Dropped(), reported)
	}
	if unsent := q.Close(100 * time.Millisecond); unsent != 3 {
		t.Errorf("%d unsent, want 3 (2 queued, 1 in flight)", unsent)
	}
	q.Put(Message{Subject: "late"}) // after Close: nothing
}

// TestLossyLeavesOut: results the broker does not take, or that find the
// queue full, are left out and counted; the others are sent in order.
func TestLossyLeavesOut(t *testing.T) {
	release := make(chan struct{})
	var got []string
	l := NewLossy(2, func(m Message) error {
		<-release
		if m.Subject == "1" {
			return errors.New("refused")
		}
		got = append(got, m.Subject)
		return nil
	})
	for i := range 6 {
		l.Offer(Message{Subject: fmt.Sprint(i)})
		time.Sleep(10 * time.Millisecond) // the first is taken into flight
	}
	close(release)
	l.Close()
	l.Offer(Message{Subject: "late"})
	// 0 in flight, 1 and 2 queued, 3-5 left out; 1 refused.
	if l.LeftOut() != 4 || fmt.Sprint(got) != "[0 2]" {
		t.Errorf("left out %d, sent %v; want 4 and [0 2]", l.LeftOut(), got)
	}
}
