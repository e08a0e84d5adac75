package bufpool

import (
	"strconv"
	"testing"
)

// TestReuse: a buffer given back is the next one Get returns, emptied;
// one smaller than the Pool's, or beyond its bound, is not kept.
func TestReuse(t *testing.T) {
	p := New(2, 64)
	a := append(p.Get(), "frame 1"...)
	if cap(a) < 64 {
		t.Fatalf("a new buffer of capacity %d, want 64", cap(a))
	}
	p.Put(a)
	b := p.Get()
	if len(b) != 0 || &b[:1][0] != &a[0] {
		t.Errorf("Get after Put: len %d, same array %v; want the buffer given back, empty", len(b), &b[:1][0] == &a[0])
	}
	p.Put(make([]byte, 10)) // too small: dropped
	if c := p.Get(); cap(c) < 64 {
		t.Errorf("a buffer of capacity %d came back", cap(c))
	}
	for range 3 {
		p.Put(make([]byte, 0, 64))
	}
	if n := len(p.free); n != 2 {
		t.Errorf("%d buffers kept, want the bound, 2", n)
	}
}

// TestWarmAllocatesNothing: once warm, taking a buffer, filling it and
// giving it back allocates nothing.
func TestWarmAllocatesNothing(t *testing.T) {
	p := New(4, 256)
	p.Put(p.Get())
	if a := testing.AllocsPerRun(100, func() {
		b := strconv.AppendInt(p.Get(), 12345, 10)
		p.Put(b)
	}); a != 0 {
		t.Errorf("%v allocations per buffer", a)
	}
}
