package backoff_test

import (
	"context"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/livecam/livecam/internal/backoff"
)

const ms = time.Millisecond

func TestDelay(t *testing.T) {
	for _, tc := range []struct {
		s     backoff.Schedule
		retry int
		want  time.Duration
	}{
		{backoff.Reconnect(10 * time.Second), 1, 250 * ms},
		{backoff.Reconnect(10 * time.Second), 2, 500 * ms},
		{backoff.Reconnect(10 * time.Second), 3, time.Second},
		{backoff.Reconnect(10 * time.Second), 6, 8 * time.Second},
		{backoff.Reconnect(10 * time.Second), 7, 10 * time.Second},
		{backoff.Reconnect(10 * time.Second), 8, 10 * time.Second},
		// The retries of a camera away for hours: far past the point
		// where 250 ms doubled overflows an int64 of nanoseconds
		// (retry 37).
		{backoff.Reconnect(10 * time.Second), 37, 10 * time.Second},
		{backoff.Reconnect(10 * time.Second), 40, 10 * time.Second},
		{backoff.Reconnect(10 * time.Second), 1000, 10 * time.Second},
		{backoff.Reconnect(10 * time.Second), math.MaxInt, 10 * time.Second},
		{backoff.Reconnect(100 * ms), 1, 100 * ms}, // a cap below the first wait
		{backoff.Reconnect(time.Second), 0, 250 * ms},
		{backoff.Reconnect(time.Second), -5, 250 * ms},
		{backoff.Resend, 1, 100 * ms},
		{backoff.Resend, 5, 1600 * ms},
		{backoff.Resend, 6, 2 * time.Second},
		{backoff.Resend, 100, 2 * time.Second},
		{backoff.Schedule{Initial: time.Second}, 200, math.MaxInt64}, // no Max: the largest Duration
		{backoff.Schedule{Max: time.Second}, math.MaxInt, 0},
	} {
		if got := tc.s.Delay(tc.retry); got != tc.want {
			t.Errorf("%+v.Delay(%d) = %v, want %v", tc.s, tc.retry, got, tc.want)
		}
	}
}

// TestDelayNeverBelowLast: each wait is at least the last one and
// positive, retry after retry, for every cap a user could give
// -reconnect.
func TestDelayNeverBelowLast(t *testing.T) {
	for _, limit := range []time.Duration{ms, 250 * ms, 10 * time.Second, time.Hour, 1 << 62} {
		s := backoff.Reconnect(limit)
		last := time.Duration(0)
		for n := 1; n <= 200; n++ {
			d := s.Delay(n)
			if d < last || d <= 0 || d > limit {
				t.Fatalf("Reconnect(%v).Delay(%d) = %v after %v", limit, n, d, last)
			}
			last = d
		}
	}
}

func TestSleep(t *testing.T) {
	var asked []time.Duration
	now := func(d time.Duration) <-chan time.Time {
		asked = append(asked, d)
		c := make(chan time.Time, 1)
		c <- time.Time{}
		return c
	}
	if !backoff.Sleep(context.Background(), 3*time.Second, now) || len(asked) != 1 || asked[0] != 3*time.Second {
		t.Errorf("a wait that passed: asked the clock for %v", asked)
	}
	if !backoff.Sleep(context.Background(), 0, now) || len(asked) != 1 {
		t.Errorf("a wait of 0 asked the clock: %v", asked)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	never := func(time.Duration) <-chan time.Time { return nil }
	for _, after := range []func(time.Duration) <-chan time.Time{nil, now, never} {
		if returned(t, func() bool { return backoff.Sleep(ctx, time.Hour, after) }) {
			t.Error("Sleep returned true on an ended context")
		}
	}

	// Cancelled while waiting on a clock that never fires.
	ctx, cancel = context.WithCancel(context.Background())
	time.AfterFunc(10*ms, cancel)
	if returned(t, func() bool { return backoff.Sleep(ctx, time.Hour, never) }) {
		t.Error("Sleep returned true when its context ended")
	}

	// The real clock.
	start := time.Now()
	if !backoff.Sleep(context.Background(), 20*ms, nil) || time.Since(start) < 20*ms {
		t.Errorf("Sleep(20ms) returned after %v", time.Since(start))
	}
}

// returned returns what sleep returned, failing the test when it takes
// more than 5 s.
func returned(t *testing.T, sleep func() bool) bool {
	t.Helper()
	done := make(chan bool, 1)
	go func() { done <- sleep() }()
	select {
	case ok := <-done:
		return ok
	case <-time.After(5 * time.Second):
		t.Fatal("Sleep did not return within 5 s of its context ending")
		return false
	}
}

// The waits of a camera lost for good, with -reconnect 10s.
func ExampleSchedule_Delay() {
	s := backoff.Reconnect(10 * time.Second)
	for _, n := range []int{1, 2, 3, 6, 7, 100} {
		fmt.Printf("retry %d: %v\n", n, s.Delay(n))
	}
	// Output:
	// retry 1: 250ms
	// retry 2: 500ms
	// retry 3: 1s
	// retry 6: 8s
	// retry 7: 10s
	// retry 100: 10s
}
