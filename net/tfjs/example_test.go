package tfjs_test

import (
	"fmt"
	"path/filepath"

	"github.com/livecam/livecam/net/tfjs"
)

// Load a published variant: the width, input size and class count come
// from the files.
func ExampleLoad() {
	m, err := tfjs.Load(filepath.Join("..", "..", "..", "shared", "models", "mobilenet_v1_0.75_224"))
	if err != nil {
		panic(err)
	}
	fmt.Println(m.Name(), m.Classes(), m.Labels().Name(281))
	// Output: mobilenet_v1_0.75_224 1000 tabby, tabby cat
}
