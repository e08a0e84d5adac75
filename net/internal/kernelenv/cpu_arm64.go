//go:build arm64 && !purego

package kernelenv

import "golang.org/x/sys/cpu"

// cpuHas reports whether this CPU has the feature named in the arm64
// table: asimd (ARMv8.0 ASIMD, every arm64 core) or asimddp (the
// dot-product extension, UDOT).
func cpuHas(feature string) bool {
	switch feature {
	case "asimd":
		return true
	case "asimddp":
		return cpu.ARM64.HasASIMDDP
	}
	return false
}

// whyNot says why this machine lacks a feature where more than the CPU's
// flags decide: never on this architecture.
func whyNot(feature string) string { return "" }
