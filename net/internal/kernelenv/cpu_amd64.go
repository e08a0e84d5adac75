//go:build amd64 && !purego

package kernelenv

import "golang.org/x/sys/cpu"

// x86Features are the CPU flags the amd64 table reads.
type x86Features struct {
	avx2, fma, avx512f, avx512bw, avx512vl, avx512vnni, avxvnni, bmi2 bool
	// amx: AMX-TILE and AMX-INT8, and the OS lets this process use them
	// (amxState); asked only when a path list or lookup needs it.
	amx func() bool
}

// thisX86 is this CPU's.
var thisX86 = x86Features{
	avx2: cpu.X86.HasAVX2, fma: cpu.X86.HasFMA,
	avx512f: cpu.X86.HasAVX512F, avx512bw: cpu.X86.HasAVX512BW, avx512vl: cpu.X86.HasAVX512VL,
	avx512vnni: cpu.X86.HasAVX512VNNI, avxvnni: cpu.X86.HasAVXVNNI, bmi2: cpu.X86.HasBMI2,
	amx: func() bool { ok, _ := amxState(); return ok },
}

// cpuHas reports whether this CPU has the feature named in the amd64
// table.
func cpuHas(feature string) bool { return thisX86.has(feature) }

// whyNot says why this machine lacks the feature named in the amd64
// table, where more than the CPU's flags decide ("" otherwise).
func whyNot(feature string) string {
	if feature == "amx" {
		_, why := amxState()
		return why
	}
	return ""
}

// has reports whether x has the feature named in the amd64 table: avx2
// (AVX2 and FMA), avx512 (AVX-512 F, BW and VL), avx512vnni, avxvnni (the
// VEX-encoded 256-bit VPDPBUSD), bmi2 or amx (AMX-TILE and AMX-INT8
// with the OS's leave).
func (x x86Features) has(feature string) bool {
	switch feature {
	case "avx2":
		return x.avx2 && x.fma
	case "avx512":
		return x.avx512f && x.avx512bw && x.avx512vl
	case "avx512vnni":
		return x.avx512vnni
	case "avxvnni":
		return x.avxvnni
	case "bmi2":
		return x.bmi2
	case "amx":
		return x.amx != nil && x.amx()
	}
	return false
}
