package mobilenet_test

import (
	"fmt"
	"strings"

	"github.com/livecam/livecam/net/mobilenet"
)

// The cost of a MobileNet's shape, as the paper's Table 1 counts it
// (the paper rounds this one to 76M mult-adds, 1.32M parameters).
func ExampleConfig_WriteTable() {
	var table strings.Builder
	if err := (mobilenet.Config{Alpha: 0.5, Size: 160, Classes: 1000}).WriteTable(&table); err != nil {
		fmt.Println(err)
		return
	}
	for _, line := range strings.Split(table.String(), "\n") {
		if strings.HasPrefix(line, "MobileNet") || strings.HasPrefix(line, "Total:") {
			fmt.Println(line)
		}
	}
	// Output:
	// MobileNet V1, alpha 0.50, input 160x160x3, 1000 classes (mobilenet_v1_0.50_160)
	// Total: 76.5M mult-adds, 1.32M parameters (1319648; plus 1000 classifier biases; BatchNorm folded away)
}
