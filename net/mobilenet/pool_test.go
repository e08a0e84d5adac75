package mobilenet

import (
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

type countTask struct{ parts []atomic.Int64 }

func (c *countTask) run(part, parts int) { c.parts[part].Add(1) }

// TestWorkersRunEveryPart publishes tasks right after start-up (before the
// goroutines may have run), back to back, and after the workers have
// parked: every part must run exactly once per task.
func TestWorkersRunEveryPart(t *testing.T) {
	for _, n := range []int{1, 2, 3, 5} {
		p := newWorkers(n)
		c := &countTask{parts: make([]atomic.Int64, n)}
		const tasks = 300
		for i := range tasks {
			if i == 100 || i == 200 {
				time.Sleep(2 * spinFor) // let the workers park
			}
			p.do(c)
		}
		p.close()
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
	return strings.Count(string(buf), "mobilenet.(*workers).loop")
}

func TestWorkersCloseStopsGoroutines(t *testing.T) {
	before := poolGoroutines()
	p := newWorkers(4)
	p.do(&countTask{parts: make([]atomic.Int64, 4)})
	if n := poolGoroutines() - before; n != 3 {
		t.Errorf("%d worker goroutines running, want 3", n)
	}
	p.close()
	p.close() // idempotent
	if after := poolGoroutines(); after != before {
		t.Errorf("%d worker goroutines before, %d after close", before, after)
	}
}

func TestSpan(t *testing.T) {
	for _, tc := range []struct{ n, parts, align int }{{49, 2, 12}, {12544, 2, 12}, {7, 3, 4}, {0, 2, 1}, {5, 8, 1}} {
		next := 0
		for part := range tc.parts {
			lo, hi := span(tc.n, part, tc.parts, tc.align)
			if lo != next || hi < lo || (hi != tc.n && hi%tc.align != 0) {
				t.Errorf("span(%d, %d, %d, %d) = [%d,%d)", tc.n, part, tc.parts, tc.align, lo, hi)
			}
			next = hi
		}
		if next != tc.n {
			t.Errorf("span(%d, *, %d, %d) covers [0,%d)", tc.n, tc.parts, tc.align, next)
		}
	}
}
