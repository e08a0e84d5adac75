//go:build !(amd64 || arm64) || purego

package kernelenv

// cpuHas reports that this CPU has no feature a table names: this
// architecture has no SIMD kernels, or the build asked for pure Go.
func cpuHas(feature string) bool { return false }

// whyNot says why this machine lacks a feature where more than the CPU's
// flags decide: never on this architecture.
func whyNot(feature string) string { return "" }
