package kernelenv_test

import (
	"fmt"

	"github.com/livecam/livecam/net/internal/kernelenv"
)

// Vendor is CPUID's 12-byte vendor string on amd64 and empty where there
// is none: kernel packages compare it with Intel or AMD to pick a tile
// shape within the path.
func ExampleVendor() {
	v := kernelenv.Vendor()
	fmt.Println(v == "" || len(v) == 12)
	// Output: true
}
