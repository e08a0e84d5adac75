// Package bufpool keeps byte buffers for reuse between the goroutine
// that builds messages and the one that sends them (sink/mqtt,
// sink/natsjs): a bounded free list that a sent message's payload goes
// back to, so that once the list is warm a message costs no allocation.
//
// It is not sync.Pool: putting a slice into a sync.Pool allocates (the
// slice is boxed in an interface), and a payload travels as a []byte, not
// a pointer to one.
package bufpool

// Pool is a bounded free list of byte buffers. It is safe for concurrent
// use.
type Pool struct {
	free chan []byte
	size int
}

// New returns a Pool that keeps at most n buffers, each made with a
// capacity of size bytes.
func New(n, size int) *Pool {
	return &Pool{free: make(chan []byte, n), size: size}
}

// Get returns an empty buffer: one given back earlier when there is one,
// a new one otherwise.
func (p *Pool) Get() []byte {
	select {
	case b := <-p.free:
		return b[:0]
	default:
		return make([]byte, 0, p.size)
	}
}

// Put gives b back for reuse; it is left to the garbage collector when
// the list is full or b is smaller than the Pool's buffers. Nothing may
// use b after Put: give back only a payload the broker's library no
// longer holds.
func (p *Pool) Put(b []byte) {
	if cap(b) < p.size {
		return
	}
	select {
	case p.free <- b:
	default:
	}
}
