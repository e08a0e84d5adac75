//go:build amd64 && !purego

package kernelenv

import "golang.org/x/sys/cpu"

// cpuHas reports whether this CPU runs the path named name (and so every
// path below it).
func cpuHas(name string) bool {
	x := cpu.X86
	avx2 := x.HasAVX2 && x.HasFMA
	avx512 := avx2 && x.HasAVX512F && x.HasAVX512BW && x.HasAVX512VL
	switch name {
	case "avx2":
		return avx2
	case "avx512":
		return avx512
	case "avx512-vnni":
		return avx512 && x.HasAVX512VNNI && x.HasBMI2
	}
	return false
}
