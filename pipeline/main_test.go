package pipeline_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's tests if any goroutine is left running at
// the end: every goroutine a pipeline starts (capture, workers, runner
// threads) must be gone after Run returns.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.IgnoreCurrent())
}
