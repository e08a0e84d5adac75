package pipeline

import (
	"errors"
	"fmt"
	"runtime"
	"sync"
	"time"

	"github.com/livecam/livecam/detect"
	"github.com/livecam/livecam/models"
	"github.com/livecam/livecam/net/mobilenet"
)

// Pool is a set of inference workers that several pipelines share: one
// model in memory, one runner per worker, however many cameras. Set it
// as Config.Pool of each pipeline; the pipeline then starts no workers of
// its own. A Pool runs a classifier or a detector; each pipeline in it
// has that model as its Config.Model (or leaves it nil).
//
// The workers take the pipelines in turn: each worker, when free, serves
// the next pipeline after the one served last that has a frame waiting
// (pipelines that join go after the last in the turn), so once a
// pipeline has a frame waiting, no other is served twice before it (with
// one worker). In live mode each pipeline's handoff holds only its newest frame, so a
// camera that delivers many frames gets no more forward passes than one
// that delivers few, as long as both keep a frame waiting: no camera
// starves another. A pipeline's Gate (stage.MaxRate) caps its own rate.
//
// A Pool is safe for concurrent use. Close it after every pipeline using
// it has returned from Run.
type Pool struct {
	model *models.Model
	cls   *mobilenet.Model // a classifier's network
	det   *detect.Model    // or a detector

	mu      sync.Mutex
	cond    *sync.Cond
	members []*member // pipelines running, in the order they joined
	next    int       // the member served first by the next take (modulo len(members))
	closed  bool
	wg      sync.WaitGroup
}

// member is one pipeline's place in the pool.
type member struct {
	p        *Pipeline
	queue    *handoff
	done     chan<- *slot
	inflight int  // slots taken by a worker and not yet in done
	left     bool // done closed, member removed
}

// NewPool starts workers inference goroutines (0: GOMAXPROCS, at most 4),
// each with its own runner of threads threads (0: 1), for model, a
// classifier or a detector (as models.Open returns it).
func NewPool(model *models.Model, workers, threads int) (*Pool, error) {
	cls, det, err := networks(model)
	if err != nil {
		return nil, err
	}
	if workers < 0 || threads < 0 {
		return nil, fmt.Errorf("pipeline: a Pool of %d workers of %d threads", workers, threads)
	}
	if workers == 0 {
		workers = min(runtime.GOMAXPROCS(0), 4)
	}
	threads = max(threads, 1)
	pool := &Pool{model: model, cls: cls, det: det}
	pool.cond = sync.NewCond(&pool.mu)
	for range workers {
		pool.wg.Add(1)
		go pool.work(threads)
	}
	return pool, nil
}

// Model returns the model the pool's workers run.
func (pool *Pool) Model() *models.Model { return pool.model }

// runs reports whether m is the pool's model or another wrapper of the
// same network.
func (pool *Pool) runs(m *models.Model) bool {
	return m != nil && m.Task == pool.model.Task && m.Classifier == pool.model.Classifier && m.Graph == pool.model.Graph
}

// Close stops the workers and waits for them. It is meant for after every
// pipeline in the pool has returned from Run; a pipeline still running
// stops reading, as if cancelled, and its frames already read reach its
// sinks unclassified.
func (pool *Pool) Close() {
	pool.mu.Lock()
	pool.closed = true
	pool.cond.Broadcast()
	pool.mu.Unlock()
	pool.wg.Wait()
	pool.mu.Lock()
	members := pool.members
	pool.members = nil
	pool.mu.Unlock()
	for _, m := range members {
		m.queue.close()
		for s := m.queue.tryTake(); s != nil; s = m.queue.tryTake() {
			s.inferred, s.err = false, nil
			m.done <- s
		}
		close(m.done)
	}
}

var errPoolClosed = errors.New("pipeline: the Pool is closed")

// join adds a pipeline's handoff; its slots come back, processed, on
// done, which the pool closes once the handoff is closed and drained.
func (pool *Pool) join(p *Pipeline, queue *handoff, done chan<- *slot) error {
	pool.mu.Lock()
	defer pool.mu.Unlock()
	if pool.closed {
		return errPoolClosed
	}
	m := &member{p: p, queue: queue, done: done}
	pool.members = append(pool.members, m)
	queue.onChange = pool.wake
	if queued := poolQueuedHook; queued != nil {
		name := p.info.Name
		queue.onChange = func() { pool.wake(); queued(name) }
	}
	return nil
}

// The pool's test hooks (set by tests through export_test.go before the
// Pool is made, removed after it is closed). poolQueuedHook is called
// with a member's source name after each change of its handoff (a frame
// queued, or the handoff closed), on the capture goroutine;
// poolTakenHook by a worker with the source name and the PTS of each
// frame it takes, before it processes the frame, without pool.mu held:
// a test that blocks in it holds the worker busy, as a slow forward pass
// would, and sees the order the cameras are served in.
var (
	poolQueuedHook func(camera string)
	poolTakenHook  func(camera string, pts time.Duration)
)

// wake tells the workers that a handoff changed (a frame arrived, or it
// closed).
func (pool *Pool) wake() {
	pool.mu.Lock()
	pool.retire()
	pool.cond.Broadcast()
	pool.mu.Unlock()
}

// retire closes the done channel of every member whose handoff is closed
// and drained and that has nothing in flight, and removes it. pool.mu is
// held.
func (pool *Pool) retire() {
	for i := 0; i < len(pool.members); i++ {
		m := pool.members[i]
		if m.inflight > 0 || !m.queue.drained() {
			continue
		}
		m.left = true
		close(m.done)
		pool.members = append(pool.members[:i], pool.members[i+1:]...)
		if pool.next > i {
			pool.next--
		}
		i--
	}
}

// takeTurn waits for a frame from any member, serving them in turn; it
// returns nil when the pool closes.
func (pool *Pool) takeTurn() (*member, *slot) {
	m, s := pool.nextTurn()
	if m != nil && poolTakenHook != nil {
		poolTakenHook(m.p.info.Name, s.frame.PTS)
	}
	return m, s
}

// nextTurn is takeTurn's wait and choice: the first member with a frame
// waiting, starting after the one served last.
func (pool *Pool) nextTurn() (*member, *slot) {
	pool.mu.Lock()
	defer pool.mu.Unlock()
	for !pool.closed {
		n := len(pool.members)
		for k := range n {
			i := (pool.next + k) % n
			m := pool.members[i]
			if s := m.queue.tryTake(); s != nil {
				m.inflight++
				// Not modulo n: when it is n, the next turn starts
				// with a member that joins meanwhile (appended after
				// the one served last), else wraps to the first.
				pool.next = i + 1
				return m, s
			}
		}
		pool.retire()
		pool.cond.Wait()
	}
	return nil, nil
}

// work is one worker: it runs forward passes for whichever member's turn
// it is.
func (pool *Pool) work(threads int) {
	defer pool.wg.Done()
	e := newEngine(pool.cls, pool.det, threads)
	defer e.close()
	for {
		m, s := pool.takeTurn()
		if m == nil {
			return
		}
		m.p.process(s, e)
		m.done <- s // never blocks: done holds every slot of the pipeline
		pool.mu.Lock()
		m.inflight--
		pool.retire()
		pool.mu.Unlock()
	}
}
