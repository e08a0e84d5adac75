// Package backoff is livecam's one schedule for trying again: a live
// source lost or absent (package pipeline's reconnection, package
// supervisor's cameras away at the start) and a message a broker has not
// taken yet (internal/relay, fleet) wait by it between tries.
package backoff

import (
	"context"
	"time"
)

// Schedule is a doubling wait: Initial before the first retry, then
// twice the last wait, never above Max (a Max of 0 or less: no bound
// but the largest time.Duration).
type Schedule struct {
	Initial, Max time.Duration
}

// Reconnect is the schedule of a lost or absent live source: 250 ms, then
// doubling up to max.
func Reconnect(max time.Duration) Schedule {
	return Schedule{Initial: 250 * time.Millisecond, Max: max}
}

// Resend is the schedule of a message the broker has not taken yet: 100
// ms, doubling up to 2 s.
var Resend = Schedule{Initial: 100 * time.Millisecond, Max: 2 * time.Second}

// Delay returns the wait before retry n (n >= 1; less counts as 1):
// Initial doubled n-1 times, capped at Max. It never overflows: a retry
// far past the cap waits Max, however large n is. An Initial of 0 or
// less waits nothing.
func (s Schedule) Delay(retry int) time.Duration {
	limit := s.Max
	if limit <= 0 {
		limit = 1<<63 - 1
	}
	d := s.Initial
	if d <= 0 {
		return 0
	}
	for i := 1; i < retry && d < limit; i++ {
		if d > limit/2 {
			return limit
		}
		d *= 2
	}
	return min(d, limit)
}

// Sleep waits d, or less when ctx ends first: it returns false once ctx
// has ended (at once when it already has), true when d has passed.
// after is the clock (nil: time.After); tests pass a fake one.
func Sleep(ctx context.Context, d time.Duration, after func(time.Duration) <-chan time.Time) bool {
	if ctx.Err() != nil {
		return false
	}
	if d <= 0 {
		return true
	}
	var fired <-chan time.Time
	if after != nil {
		fired = after(d)
	} else {
		t := time.NewTimer(d)
		defer t.Stop()
		fired = t.C
	}
	select {
	case <-ctx.Done():
		return false
	case <-fired:
		return ctx.Err() == nil
	}
}
