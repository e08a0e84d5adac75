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
