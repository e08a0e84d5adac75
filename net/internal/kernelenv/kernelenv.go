// Package kernelenv holds the one rule by which livecam's kernel packages
// pick an implementation: the fastest the CPU supports, unless
// $LIVECAM_KERNELS names another one that is available.
package kernelenv

import (
	"fmt"
	"os"
	"strings"
)

// Env is the environment variable that overrides the kernel choice:
// "generic", "avx2" or "avx512".
const Env = "LIVECAM_KERNELS"

// Pick returns the index in names (available kernels, fastest first) of
// the kernel want names, or 0 when want is empty or names none of them
// (Check reports that case as an error).
func Pick(names []string, want string) int {
	want = strings.ToLower(strings.TrimSpace(want))
	for i, n := range names {
		if n == want {
			return i
		}
	}
	return 0
}

// Choose returns the kernel of ks (fastest first) that want names, or the
// fastest; name gives a kernel's name.
func Choose[K any](ks []K, name func(K) string, want string) K {
	names := make([]string, len(ks))
	for i, k := range ks {
		names[i] = name(k)
	}
	return ks[Pick(names, want)]
}

// FromEnv is Choose with the value of $LIVECAM_KERNELS.
func FromEnv[K any](ks []K, name func(K) string) K { return Choose(ks, name, os.Getenv(Env)) }

// Check reports whether $LIVECAM_KERNELS, when set, names one of the
// available kernels (names); the error names the valid choices.
func Check(names []string) error { return check(names, os.Getenv(Env)) }

func check(names []string, want string) error {
	w := strings.ToLower(strings.TrimSpace(want))
	if w == "" {
		return nil
	}
	for _, n := range names {
		if n == w {
			return nil
		}
	}
	return fmt.Errorf("%s=%s: no such kernel on this machine; choose one of %s (or unset it for the fastest)", Env, want, strings.Join(names, ", "))
}
