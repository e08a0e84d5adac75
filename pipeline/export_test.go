package pipeline

import (
	"sync"

	"github.com/livecam/livecam/classify"
	"github.com/livecam/livecam/net/mobilenet"
)

// NewManualPool returns a Pool without workers of its own: a forward pass
// runs only when the test calls Step, so the test decides exactly when
// inference is busy (between Steps) and when it is free for a frame.
// Close it like any Pool.
func NewManualPool(model *mobilenet.Model) *Pool {
	pool := &Pool{model: model}
	pool.cond = sync.NewCond(&pool.mu)
	return pool
}

// Step is one turn of a pool worker (Pool.work's loop body): it waits for
// a frame from any member, preprocesses and classifies it, and hands it to
// that member's output. It returns the frame's number, or -1 when the pool
// is closed.
func (pool *Pool) Step() int64 {
	m, s := pool.takeTurn()
	if m == nil {
		return -1
	}
	runner := pool.model.NewRunner(1)
	defer runner.Close()
	pre := classify.NewPreprocessor(pool.model.Config().Size)
	defer pre.Close()
	m.p.process(s, pre, runner)
	seq := s.seq // read before done: the output goroutine owns s after
	m.done <- s
	pool.mu.Lock()
	m.inflight--
	pool.retire()
	pool.mu.Unlock()
	return seq
}
