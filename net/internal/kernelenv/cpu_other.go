//go:build !(amd64 || arm64) || purego

package kernelenv

// cpuHas reports that only the portable path runs here: this
// architecture has no SIMD kernels, or the build asked for pure Go.
func cpuHas(name string) bool { return false }
