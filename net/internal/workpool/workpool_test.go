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

// poolGoroutines counts the goroutines New started, running or not yet
// scheduled (a task's chunks may all be claimed before they first run).
func poolGoroutines() int {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	return strings.Count(string(buf), "created by github.com/livecam/livecam/net/internal/workpool.New")
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

// chunkCount records how often each chunk ran and on which workers.
type chunkCount struct {
	runs       []atomic.Int64
	badWorker  atomic.Bool
	n          int
	perWorker  []atomic.Int64
	stall      chan struct{} // closed once worker 0 has run all but one chunk
	stalled    atomic.Bool
	timedOut   atomic.Bool
	stallAfter int
}

func (c *chunkCount) RunChunk(chunk, worker int) {
	if worker < 0 || worker >= c.n {
		c.badWorker.Store(true)
		return
	}
	c.runs[chunk].Add(1)
	if c.stall == nil {
		c.perWorker[worker].Add(1)
		return
	}
	if worker != 0 && !c.stalled.Swap(true) {
		// This worker is "descheduled" until worker 0 has done every
		// other chunk: only a pool whose chunks are claimed, not
		// assigned, gets there.
		select {
		case <-c.stall:
		case <-time.After(10 * time.Second):
			c.timedOut.Store(true)
		}
		return
	}
	if worker == 0 && c.perWorker[0].Add(1) == int64(c.stallAfter) {
		close(c.stall)
	}
}

func TestDoChunksRunsEachChunkOnce(t *testing.T) {
	for _, n := range []int{1, 2, 3} {
		for _, chunks := range []int{0, 1, 2, 7, 49, 300} {
			p := New(n)
			c := &chunkCount{runs: make([]atomic.Int64, chunks), n: n, perWorker: make([]atomic.Int64, n)}
			const tasks = 50
			for range tasks {
				p.DoChunks(c, chunks)
			}
			p.Close()
			if c.badWorker.Load() {
				t.Errorf("%d workers, %d chunks: a worker index out of range", n, chunks)
			}
			for i := range chunks {
				if got := c.runs[i].Load(); got != tasks {
					t.Errorf("%d workers: chunk %d of %d ran %d times, want %d", n, i, chunks, got, tasks)
				}
			}
		}
	}
}

// TestDoChunksStalledWorker: a worker held up in its first chunk must not
// hold the task up; the caller's goroutine runs every other chunk.
func TestDoChunksStalledWorker(t *testing.T) {
	const chunks = 12
	for range 20 {
		p := New(2)
		c := &chunkCount{runs: make([]atomic.Int64, chunks), n: 2, perWorker: make([]atomic.Int64, 2),
			stall: make(chan struct{}), stallAfter: chunks - 1}
		p.DoChunks(c, chunks)
		p.Close()
		if c.timedOut.Load() {
			t.Fatal("the caller waited for a stalled worker's chunks")
		}
		for i := range chunks {
			if got := c.runs[i].Load(); got != 1 {
				t.Fatalf("chunk %d ran %d times", i, got)
			}
		}
	}
}

func TestDoChunksAllocatesNothing(t *testing.T) {
	p := New(2)
	defer p.Close()
	c := &chunkCount{runs: make([]atomic.Int64, 9), n: 2, perWorker: make([]atomic.Int64, 2)}
	if a := testing.AllocsPerRun(100, func() { p.DoChunks(c, 9) }); a != 0 {
		t.Errorf("DoChunks allocates %v times", a)
	}
}

// slowChunk holds worker 1's chunk until the caller has parked, so the
// caller's last wait ends only by the wake-up the worker sends.
type slowChunk struct {
	p        *Pool
	claimed  chan struct{}
	timedOut atomic.Bool
}

func (s *slowChunk) RunChunk(chunk, worker int) {
	if worker == 0 {
		// Leave the other chunk to worker 1.
		select {
		case <-s.claimed:
		case <-time.After(10 * time.Second):
			s.timedOut.Store(true)
		}
		return
	}
	close(s.claimed)
	deadline := time.Now().Add(10 * time.Second)
	for !s.p.parked.Load() {
		if time.Now().After(deadline) {
			s.timedOut.Store(true)
			return
		}
		runtime.Gosched()
	}
}

func TestDoChunksParkedCallerIsWoken(t *testing.T) {
	p := New(2)
	defer p.Close()
	for range 5 {
		s := &slowChunk{p: p, claimed: make(chan struct{})}
		finished := make(chan struct{})
		go func() {
			p.DoChunks(s, 2)
			close(finished)
		}()
		select {
		case <-finished:
		case <-time.After(10 * time.Second):
			t.Fatal("DoChunks still waiting 10 s after its last chunk finished")
		}
		if s.timedOut.Load() {
			t.Fatal("the caller never parked while worker 1 held a chunk")
		}
	}
}
