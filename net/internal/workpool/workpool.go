// Package workpool is the worker pool the network runners (net/mobilenet,
// net/tflite) split each layer or operator with: a fixed set of
// goroutines, each running one part of the current task, that spin
// briefly between tasks and then park. Nothing is allocated per task.
package workpool

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// Task is one layer's or operator's work, split into parts by a Pool.
type Task interface {
	// Run does part part of parts (0 <= part < parts). The parts of one
	// task run at the same time on different goroutines.
	Run(part, parts int)
}

// spinFor is how long an idle worker polls for the next task before it
// parks. Layers follow each other within microseconds, while waking a
// parked goroutine costs tens of them; between forward passes the workers
// park and use no CPU.
const spinFor = 200 * time.Microsecond

// Pool is a fixed set of goroutines that each run one part of a task.
// The caller's goroutine runs part 0, so a pool of n starts n-1
// goroutines. A task is published by bumping gen; workers spin on it
// briefly, then sleep on cond. Nothing is allocated per task. A Pool
// runs one task at a time: Do must not be called concurrently.
type Pool struct {
	n        int
	job      Task
	gen      atomic.Uint64 // bumped once per task; odd values are never special
	pending  atomic.Int64  // parts of the current task still running
	sleepers atomic.Int32  // workers parked on cond
	closed   atomic.Bool
	mu       sync.Mutex
	cond     *sync.Cond
	exited   sync.WaitGroup
}

// New returns a pool that splits each task into n parts and starts its
// n-1 goroutines (n >= 1; with n == 1 Do runs the task on the caller's
// goroutine alone). Close stops them.
func New(n int) *Pool {
	p := &Pool{n: n}
	p.cond = sync.NewCond(&p.mu)
	for part := 1; part < n; part++ {
		p.exited.Add(1)
		// The generation is read here, not in the goroutine: a task
		// published before the goroutine first runs must still count
		// as new to it.
		go p.loop(part, p.gen.Load())
	}
	return p
}

// Size returns the number of parts each task is split into: the pool's
// goroutines plus the caller's.
func (p *Pool) Size() int { return p.n }

func (p *Pool) loop(part int, seen uint64) {
	defer p.exited.Done()
	for {
		var ok bool
		if seen, ok = p.await(seen); !ok {
			return
		}
		p.job.Run(part, p.n)
		p.pending.Add(-1)
	}
}

// await waits until gen moves past seen and returns its new value; ok is
// false once the pool is closed.
func (p *Pool) await(seen uint64) (gen uint64, ok bool) {
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

// Do runs t's Size() parts, part 0 on the calling goroutine and the others
// on the pool's, and returns when all are done. It allocates nothing.
func (p *Pool) Do(t Task) {
	if p.n == 1 {
		t.Run(0, 1)
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
	t.Run(0, p.n)
	for i := 0; p.pending.Load() != 0; i++ {
		if i%256 == 255 {
			runtime.Gosched()
		}
	}
	p.job = nil
}

// Close stops the pool's goroutines and waits for them to exit. Calling
// it again does nothing; the pool must not be used afterwards.
func (p *Pool) Close() {
	if p.closed.Swap(true) {
		return
	}
	p.mu.Lock()
	p.cond.Broadcast()
	p.mu.Unlock()
	p.exited.Wait()
}

// Span returns the part-th of parts contiguous pieces of [0, n), with
// boundaries rounded to multiples of align: the pieces cover [0, n) in
// order, and every boundary but n is a multiple of align.
func Span(n, part, parts, align int) (lo, hi int) {
	units := (n + align - 1) / align
	lo = units * part / parts * align
	hi = units * (part + 1) / parts * align
	return min(lo, n), min(hi, n)
}
