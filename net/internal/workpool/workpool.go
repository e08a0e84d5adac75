// Package workpool is the worker pool the network runners (net/mobilenet,
// net/tflite) split each layer or operator with: a fixed set of
// goroutines that claim the chunks of the current task one at a time,
// each from its own share first and then from what the others have left,
// spin briefly between tasks and then park. Nothing is allocated per task.
//
// Chunks are claimed, not assigned: a goroutine the operating system has
// descheduled (on a machine shared with other processes) leaves its
// chunks to the others instead of holding the whole task up, and a chunk
// computes the same values whichever goroutine runs it, so results do not
// depend on the timing.
package workpool

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// Task is one layer's or operator's work, split into parts by a Pool.
type Task interface {
	// Run does part part of parts (0 <= part < parts). Each part runs
	// once, on some goroutine of the pool; parts may run at the same
	// time or one after another on the same goroutine.
	Run(part, parts int)
}

// ChunkTask is a task split into a number of chunks fixed by the caller
// of DoChunks, independent of the pool's size.
type ChunkTask interface {
	// RunChunk does chunk chunk on the pool's goroutine worker
	// (0 <= worker < Size(); the caller's goroutine is worker 0). A
	// worker runs one chunk at a time, so per-worker scratch indexed by
	// worker is never shared; which worker runs which chunk varies from
	// call to call.
	RunChunk(chunk, worker int)
}

// MaxChunks is the largest number of chunks one task may have.
const MaxChunks = 1<<16 - 1

// spinFor is how long an idle worker polls for the next task before it
// parks. Layers follow each other within microseconds, while waking a
// parked goroutine costs tens of them; between forward passes the workers
// park and use no CPU.
const spinFor = 200 * time.Microsecond

// callerSpinFor is how long the caller polls for the other workers'
// last chunks before it parks. A chunk takes tens of microseconds; one
// that takes longer is usually on a goroutine whose thread the operating
// system has descheduled, and a caller spinning on a core would keep that
// thread from running on a machine shared with other processes.
const callerSpinFor = 50 * time.Microsecond

// Pool is a fixed set of goroutines that share the chunks of a task. The
// caller's goroutine works too, so a pool of n starts n-1 goroutines.
//
// The chunks of a task are dealt out in contiguous spans, one per worker
// (as Span deals them), so that in the usual case a worker runs the same
// rows layer after layer and finds its input in its own core's cache; a
// worker that has run out claims what is left of the others' spans. Each
// span is one atomic word: the task's generation (32 bits), the next
// unclaimed chunk (16) and the span's end (16). A worker claims a chunk
// by a compare-and-swap that bumps the middle field; a worker that wakes
// late fails the swap (the generation moved on) and never touches the
// old task. The caller returns once done counts every chunk. Workers spin
// on current (the generation) briefly, then sleep on cond. A Pool runs
// one task at a time: Do and DoChunks must not be called concurrently.
type Pool struct {
	n       int
	job     ChunkTask
	parts   partsTask // adapts Do's Task, kept here so Do allocates nothing
	gen     uint64    // the caller's copy of the current generation
	total   int64     // chunks of the current task
	current atomic.Uint64
	spans   []span
	done    paddedInt64 // chunks of the current task finished
	// parked is set while the caller sleeps on wake for the last chunks;
	// the worker that finishes the last one clears it and sends.
	parked   atomic.Bool
	wake     chan struct{}
	sleepers atomic.Int32 // workers parked on cond
	closed   atomic.Bool
	mu       sync.Mutex
	cond     *sync.Cond
	exited   sync.WaitGroup
}

// span is one worker's share of a task's chunks, on a cache line of its
// own so that workers claiming from their own spans do not contend.
type span struct {
	word atomic.Uint64
	_    [56]byte
}

// paddedInt64 keeps the done counter off the spans' cache lines.
type paddedInt64 struct {
	_ [64]byte
	atomic.Int64
	_ [56]byte
}

// partsTask runs a Task's parts as chunks.
type partsTask struct {
	t     Task
	parts int
}

func (p *partsTask) RunChunk(chunk, _ int) { p.t.Run(chunk, p.parts) }

// New returns a pool of n workers (n >= 1; with n == 1 every task runs on
// the caller's goroutine alone) and starts its n-1 goroutines. Close
// stops them.
func New(n int) *Pool {
	p := &Pool{n: n, wake: make(chan struct{}, 1), spans: make([]span, n)}
	p.cond = sync.NewCond(&p.mu)
	for worker := 1; worker < n; worker++ {
		p.exited.Add(1)
		// The generation is read here, not in the goroutine: a task
		// published before the goroutine first runs must still count
		// as new to it.
		go p.loop(worker, p.current.Load())
	}
	return p
}

// Size returns the number of workers: the pool's goroutines plus the
// caller's.
func (p *Pool) Size() int { return p.n }

func (p *Pool) loop(worker int, seen uint64) {
	defer p.exited.Done()
	for {
		var ok bool
		if seen, ok = p.await(seen); !ok {
			return
		}
		p.claim(seen, worker)
	}
}

// claim runs chunks of generation gen, from worker's own span first and
// then from the others', until none is left unclaimed (or the generation
// has moved on).
func (p *Pool) claim(gen uint64, worker int) {
	for k := range p.n {
		sp := &p.spans[(worker+k)%p.n].word
		for {
			s := sp.Load()
			next, end := s>>16&0xffff, s&0xffff
			if s>>32 != gen || next >= end {
				break
			}
			if !sp.CompareAndSwap(s, s+1<<16) {
				continue
			}
			// The claimed chunk is not done, so the caller has not
			// returned: job and total are still this generation's.
			// total is read before done counts this chunk: after
			// that, the caller may publish the next task.
			total := p.total
			p.job.RunChunk(int(next), worker)
			if p.done.Add(1) == total && p.parked.CompareAndSwap(true, false) {
				p.wake <- struct{}{}
			}
		}
	}
}

// await waits until the generation moves past seen and returns the new
// one; ok is false once the pool is closed.
func (p *Pool) await(seen uint64) (gen uint64, ok bool) {
	deadline := time.Now().Add(spinFor)
	for i := 0; ; i++ {
		if p.closed.Load() {
			return 0, false
		}
		if g := p.current.Load(); g != seen {
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
	for p.current.Load() == seen && !p.closed.Load() {
		p.cond.Wait()
	}
	p.sleepers.Add(-1)
	return p.current.Load(), !p.closed.Load()
}

// Do runs t's Size() parts, each once, on the calling goroutine and the
// pool's, and returns when all are done. It allocates nothing.
func (p *Pool) Do(t Task) {
	if p.n == 1 {
		t.Run(0, 1)
		return
	}
	p.parts = partsTask{t: t, parts: p.n}
	p.DoChunks(&p.parts, p.n)
	p.parts.t = nil
}

// DoChunks runs chunks 0 to chunks-1 of t, each once, on the calling
// goroutine and the pool's, and returns when all are done. It allocates
// nothing. It panics if chunks exceeds MaxChunks.
func (p *Pool) DoChunks(t ChunkTask, chunks int) {
	if chunks > MaxChunks {
		panic(fmt.Sprintf("workpool: %d chunks, more than %d", chunks, MaxChunks))
	}
	if p.n == 1 || chunks <= 1 {
		for c := range chunks {
			t.RunChunk(c, 0)
		}
		return
	}
	p.job = t
	p.done.Store(0)
	p.gen = (p.gen + 1) & 0xffffffff
	p.total = int64(chunks)
	for w := range p.n {
		lo, hi := Span(chunks, w, p.n, 1)
		p.spans[w].word.Store(p.gen<<32 | uint64(lo)<<16 | uint64(hi))
	}
	p.current.Store(p.gen)
	if p.sleepers.Load() > 0 {
		p.mu.Lock()
		p.cond.Broadcast()
		p.mu.Unlock()
	}
	p.claim(p.gen, 0)
	p.awaitDone(int64(chunks))
	p.job = nil
}

// awaitDone waits until done reaches total: what is left runs on other
// goroutines, a chunk each at most. It spins for callerSpinFor, then
// parks until the worker that finishes the last chunk wakes it.
func (p *Pool) awaitDone(total int64) {
	deadline := time.Now().Add(callerSpinFor)
	for i := 0; p.done.Load() != total; i++ {
		if i%64 == 63 && time.Now().After(deadline) {
			p.parked.Store(true)
			if p.done.Load() == total && p.parked.CompareAndSwap(true, false) {
				return
			}
			// The last worker has cleared parked or will: it sends.
			<-p.wake
			return
		}
	}
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
