package net

import "sync"

// task is one layer's work, split into parts by the worker pool.
type task interface {
	// run does part part of parts (0 <= part < parts).
	run(part, parts int)
}

// workers is a fixed set of goroutines that each run one part of a task.
// The caller's goroutine runs part 0, so n workers start n-1 goroutines.
// Nothing is allocated per task.
type workers struct {
	n     int
	start []chan struct{}
	done  sync.WaitGroup
	job   task
}

func newWorkers(n int) *workers {
	p := &workers{n: n}
	for i := 1; i < n; i++ {
		c := make(chan struct{})
		p.start = append(p.start, c)
		go p.loop(i, c)
	}
	return p
}

func (p *workers) loop(part int, start chan struct{}) {
	for range start {
		p.job.run(part, p.n)
		p.done.Done()
	}
}

// do runs t on every worker and returns when all parts are done.
func (p *workers) do(t task) {
	if p.n == 1 {
		t.run(0, 1)
		return
	}
	p.job = t
	p.done.Add(p.n - 1)
	for _, c := range p.start {
		c <- struct{}{}
	}
	t.run(0, p.n)
	p.done.Wait()
	p.job = nil
}

// close stops the goroutines.
func (p *workers) close() {
	for _, c := range p.start {
		close(c)
	}
	p.start = nil
}

// span returns the part-th of parts contiguous pieces of [0, n), with
// boundaries rounded to multiples of align.
func span(n, part, parts, align int) (lo, hi int) {
	units := (n + align - 1) / align
	lo = units * part / parts * align
	hi = units * (part + 1) / parts * align
	return min(lo, n), min(hi, n)
}
