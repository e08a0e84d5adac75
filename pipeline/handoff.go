package pipeline

import "sync"

// handoff passes slots from the capture goroutine to the workers. In file
// mode it is a bounded queue: put blocks while it is full, so every frame
// is processed. In live mode it holds one slot: put replaces a slot no
// worker has taken yet and hands it back as dropped, so the capture loop
// never waits and workers always get the newest frame. take numbers the
// slots it hands out (dseq) in the order it hands them out, which is also
// capture order, so the output stage can restore that order.
type handoff struct {
	mu     sync.Mutex
	cond   *sync.Cond
	q      []*slot
	cap    int
	live   bool
	closed bool
	dseq   int64
	// onChange, when set (by a Pool), is called after a put or close,
	// without h.mu held.
	onChange func()
}

func newHandoff(capacity int, live bool) *handoff {
	if live {
		capacity = 1
	}
	h := &handoff{cap: capacity, live: live, q: make([]*slot, 0, capacity)}
	h.cond = sync.NewCond(&h.mu)
	return h
}

// put queues s. In live mode it returns the slot s replaced, if any;
// in file mode it waits for room. It returns s itself when the handoff is
// closed (the caller still owns it).
func (h *handoff) put(s *slot) (dropped *slot) {
	dropped = h.putLocked(s)
	if h.onChange != nil && dropped != s {
		h.onChange()
	}
	return dropped
}

func (h *handoff) putLocked(s *slot) (dropped *slot) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for !h.live && len(h.q) == h.cap && !h.closed {
		h.cond.Wait()
	}
	if h.closed {
		return s
	}
	if h.live && len(h.q) == h.cap {
		dropped = h.q[0]
		h.q = h.q[:0]
	}
	h.q = append(h.q, s)
	h.cond.Broadcast()
	return dropped
}

// take waits for a slot; it returns nil when the handoff is closed and
// empty.
func (h *handoff) take() *slot {
	h.mu.Lock()
	for len(h.q) == 0 && !h.closed {
		h.cond.Wait()
	}
	s := h.pop()
	h.mu.Unlock()
	if s != nil && takeHook != nil {
		takeHook(s.seq)
	}
	return s
}

// takeHook, when set (by a test, before Run), is called by a worker with
// the index of each frame it takes, before it processes the frame: a test
// that blocks in it holds the worker busy, as a slow forward pass would.
var takeHook func(frame int64)

// tryTake is take without waiting: nil when nothing is queued.
func (h *handoff) tryTake() *slot {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.pop()
}

// pop takes the first slot queued, or nil; h.mu is held.
func (h *handoff) pop() *slot {
	if len(h.q) == 0 {
		return nil
	}
	s := h.q[0]
	copy(h.q, h.q[1:])
	h.q = h.q[:len(h.q)-1]
	s.dseq = h.dseq
	h.dseq++
	h.cond.Broadcast()
	return s
}

// close ends intake: waiting puts return, takes drain what is queued.
func (h *handoff) close() {
	h.mu.Lock()
	h.closed = true
	h.cond.Broadcast()
	h.mu.Unlock()
	if h.onChange != nil {
		h.onChange()
	}
}

// drained reports whether the handoff is closed and empty.
func (h *handoff) drained() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.closed && len(h.q) == 0
}
