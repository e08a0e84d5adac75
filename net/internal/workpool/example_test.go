package workpool_test

import (
	"fmt"

	"github.com/livecam/livecam/net/internal/workpool"
)

// squares squares xs in place, each part of the pool taking its own
// span of the slice.
type squares struct{ xs []int }

func (s *squares) Run(part, parts int) {
	lo, hi := workpool.Span(len(s.xs), part, parts, 4)
	for i := lo; i < hi; i++ {
		s.xs[i] *= s.xs[i]
	}
}

func Example() {
	p := workpool.New(3)
	defer p.Close()
	s := &squares{xs: []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}}
	p.Do(s)
	fmt.Println(s.xs)
	for part := range p.Size() {
		lo, hi := workpool.Span(len(s.xs), part, p.Size(), 4)
		fmt.Printf("part %d: [%d,%d)\n", part, lo, hi)
	}
	// Output:
	// [1 4 9 16 25 36 49 64 81 100]
	// part 0: [0,4)
	// part 1: [4,8)
	// part 2: [8,10)
}

// rowSums adds up each row of a matrix, a row per chunk; acc is each
// worker's scratch.
type rowSums struct {
	rows [][]int
	sums []int
	acc  []int
}

func (s *rowSums) RunChunk(chunk, worker int) {
	s.acc[worker] = 0
	for _, v := range s.rows[chunk] {
		s.acc[worker] += v
	}
	s.sums[chunk] = s.acc[worker]
}

func ExamplePool_DoChunks() {
	p := workpool.New(2)
	defer p.Close()
	s := &rowSums{rows: [][]int{{1, 2}, {3, 4, 5}, {6}, {}, {7, 8, 9, 10}}, acc: make([]int, p.Size())}
	s.sums = make([]int, len(s.rows))
	p.DoChunks(s, len(s.rows))
	fmt.Println(s.sums)
	// Output:
	// [3 12 6 0 34]
}
