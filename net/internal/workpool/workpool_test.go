package workpool

import (
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

type countTask struct{ parts []atomic.Int64 }

func (c *countTask) Run(part, parts int) { c.parts[part].Add(1) }

// TestWorkersRunEveryPart publishes tasks right after start-up (before the
// goroutines may have run), back to back, and after the workers have
// parked: every part must run exactly once per task.
func TestWorkersRunEveryPart(t *testing.T) {
	for _, n := range []int{1, 2, 3, 5} {
		p := New(n)
		c := &countTask{parts: make([]atomic.Int64, n)}
		const tasks = 300
		for i := range tasks {
			if i == 100 || i == 200 {
				time.Sleep(2 * spinFor) // let the workers park
			}
			p.Do(c)
		}
		p.Close()
		for part := range n {
			if got := c.parts[part].Load(); got != tasks {
				t.Errorf("%d workers: part %d ran %d times, want %d", n, part, got, tasks)
			}
		}
	}
}

// poolGoroutines counts the goroutines running a worker loop.
func poolGoroutines() int {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	return strings.Count(string(buf), "workpool.(*Pool).loop")
}

func TestWorkersCloseStopsGoroutines(t *testing.T) {
	before := poolGoroutines()
	p := New(4)
	p.Do(&countTask{parts: make([]atomic.Int64, 4)})
	if n := poolGoroutines() - before; n != 3 {
		t.Errorf("%d worker goroutines running, want 3", n)
	}
	p.Close()
	p.Close() // idempotent
	if after := poolGoroutines(); after != before {
		t.Errorf("%d worker goroutines before, %d after close", before, after)
	}
}

func TestSpan(t *testing.T) {
	for _, tc := range []struct{ n, parts, align int }{{49, 2, 12}, {12544, 2, 12}, {7, 3, 4}, {0, 2, 1}, {5, 8, 1}} {
		next := 0
		for part := range tc.parts {
			lo, hi := Span(tc.n, part, tc.parts, tc.align)
			if lo != next || hi < lo || (hi != tc.n && hi%tc.align != 0) {
				t.Errorf("Span(%d, %d, %d, %d) = [%d,%d)", tc.n, part, tc.parts, tc.align, lo, hi)
			}
			next = hi
		}
		if next != tc.n {
			t.Errorf("Span(%d, *, %d, %d) covers [0,%d)", tc.n, tc.parts, tc.align, next)
		}
	}
}

// TestDoAllocatesNothing: publishing a task to the goroutines, spinning
// or parked, costs no allocation.
func TestDoAllocatesNothing(t *testing.T) {
	for _, n := range []int{1, 3} {
		p := New(n)
		c := &countTask{parts: make([]atomic.Int64, n)}
		if p.Size() != n {
			t.Errorf("New(%d).Size() = %d", n, p.Size())
		}
		if a := testing.AllocsPerRun(100, func() { p.Do(c) }); a != 0 {
			t.Errorf("%d workers: Do allocates %v times", n, a)
		}
		p.Close()
	}
}
