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
