package tflite

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// This is net/mobilenet's worker pool (pool.go there, unexported), the
// same pattern for the graph runner: a fixed set of goroutines, each
// running one part of the current operator, that spin briefly between
// operators and then park.

// task is one operator's work, split into parts by the worker pool.
type task interface {
	// run does part part of parts (0 <= part < parts).
	run(part, parts int)
}

// spinFor is how long an idle worker polls for the next task before it
// parks: operators follow each other within microseconds, while waking a
// parked goroutine costs tens of them; between runs the workers park.
const spinFor = 200 * time.Microsecond

// workers is a fixed set of goroutines that each run one part of a task.
// The caller's goroutine runs part 0, so n workers start n-1 goroutines.
// A task is published by bumping gen; nothing is allocated per task.
type workers struct {
	n        int
	job      task
	gen      atomic.Uint64 // bumped once per task
	pending  atomic.Int64  // parts of the current task still running
	sleepers atomic.Int32  // workers parked on cond
	closed   atomic.Bool
	mu       sync.Mutex
	cond     *sync.Cond
	exited   sync.WaitGroup
}

func newWorkers(n int) *workers {
	p := &workers{n: n}
	p.cond = sync.NewCond(&p.mu)
	for part := 1; part < n; part++ {
		p.exited.Add(1)
		// The generation is read here, not in the goroutine: a task
		// published before the goroutine first runs must count as new.
		go p.loop(part, p.gen.Load())
	}
	return p
}

func (p *workers) loop(part int, seen uint64) {
	defer p.exited.Done()
	for {
		var ok bool
		if seen, ok = p.await(seen); !ok {
			return
		}
		p.job.run(part, p.n)
		p.pending.Add(-1)
	}
}

// await waits until gen moves past seen and returns its new value; ok is
// false once the pool is closed.
func (p *workers) await(seen uint64) (gen uint64, ok bool) {
	deadline := time.Now().Add(spinFor)
	for i := 0; ; i++ {
		if p.closed.Load() {
			return 0, false
		}
		if g := p.gen.Load(); g != seen {
			return g, true
		}
		if i%256 == 255 {
			if time.Now().After(deadline) {
				break
			}
			runtime.Gosched()
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.sleepers.Add(1)
	for p.gen.Load() == seen && !p.closed.Load() {
		p.cond.Wait()
	}
	p.sleepers.Add(-1)
	return p.gen.Load(), !p.closed.Load()
}

// do runs t on every worker and returns when all parts are done.
func (p *workers) do(t task) {
	if p.n == 1 {
		t.run(0, 1)
		return
	}
	p.job = t
	p.pending.Store(int64(p.n - 1))
	p.gen.Add(1)
	if p.sleepers.Load() > 0 {
		p.mu.Lock()
		p.cond.Broadcast()
		p.mu.Unlock()
	}
	t.run(0, p.n)
	for i := 0; p.pending.Load() != 0; i++ {
		if i%256 == 255 {
			runtime.Gosched()
		}
	}
	p.job = nil
}

// close stops the goroutines and waits for them to exit.
func (p *workers) close() {
	if p.closed.Swap(true) {
		return
	}
	p.mu.Lock()
	p.cond.Broadcast()
	p.mu.Unlock()
	p.exited.Wait()
}

// span returns the part-th of parts contiguous pieces of [0, n), with
// boundaries rounded to multiples of align.
func span(n, part, parts, align int) (lo, hi int) {
	units := (n + align - 1) / align
	lo = units * part / parts * align
	hi = units * (part + 1) / parts * align
	return min(lo, n), min(hi, n)
}
