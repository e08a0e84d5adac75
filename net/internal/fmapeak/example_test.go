package fmapeak_test

import (
	"fmt"

	"github.com/livecam/livecam/net/internal/fmapeak"
)

// A benchmark times Run(n) and divides n·FlopsPerIter by the time; the
// sum it returns is n·FlopsPerIter/8 whatever the CPU.
func Example() {
	for _, l := range fmapeak.Loops() {
		const n = 1000
		if l.Run(n) != float32(n*l.FlopsPerIter/8) {
			fmt.Println(l.Name, "lost FMAs")
		}
	}
	fmt.Println("checked")
	// Output: checked
}
