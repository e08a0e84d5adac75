package kernelenv_test

import (
	"fmt"

	"github.com/livecam/livecam/net/internal/kernelenv"
)

// The portable path exists everywhere; a path names the kernel of each
// precision it selects.
func ExampleLookup() {
	p, err := kernelenv.Lookup("Generic")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(p, p.Kernel(kernelenv.Float), p.Kernel(kernelenv.U8Pointwise), p.Kernel(kernelenv.U8Depthwise))
	_, err = kernelenv.Lookup("turbo")
	fmt.Println(err != nil)
	// Output:
	// generic generic generic generic
	// true
}
