// Package kernelenv holds the one rule by which livecam's kernel packages
// pick an implementation: the fastest the CPU supports, unless
// $LIVECAM_KERNELS names another one that is available.
package kernelenv

import (
	"os"
	"strings"
)

// Env is the environment variable that overrides the kernel choice:
// "generic", "avx2" or "avx512".
const Env = "LIVECAM_KERNELS"

// Pick returns the index in names (available kernels, fastest first) of
// the kernel want names, or 0 when want is empty or names none of them.
func Pick(names []string, want string) int {
	want = strings.ToLower(strings.TrimSpace(want))
	for i, n := range names {
		if n == want {
			return i
		}
	}
	return 0
}

// FromEnv is Pick with the value of $LIVECAM_KERNELS.
func FromEnv(names []string) int { return Pick(names, os.Getenv(Env)) }
