//go:build arm64 && !purego

package kernelenv

import "golang.org/x/sys/cpu"

// cpuHas reports whether this CPU runs the path named name (and so every
// path below it): ASIMD is part of ARMv8.0, so every arm64 core runs neon.
func cpuHas(name string) bool {
	switch name {
	case "neon":
		return true
	case "neon-dotprod":
		return cpu.ARM64.HasASIMDDP
	}
	return false
}
