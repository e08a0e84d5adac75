// Package arm64enc encodes the NEON instructions Go's arm64 assembler
// lacks, for the kernel generators (gen_arm64.go in net/pwconv and
// net/dwconv), which write them as WORDs.
package arm64enc

// FMLAElem encodes FMLA Vd.4S, Vn.4S, Vm.S[lane].
func FMLAElem(d, n, m, lane int) uint32 {
	l, h := uint32(lane&1), uint32(lane>>1)
	return 0x4F801000 | l<<21 | uint32(m>>4)<<20 | uint32(m&15)<<16 | h<<11 | uint32(n)<<5 | uint32(d)
}

// FADD encodes FADD Vd.4S, Vn.4S, Vm.4S.
func FADD(d, n, m int) uint32 { return 0x4E20D400 | uint32(m)<<16 | uint32(n)<<5 | uint32(d) }

// FMAX encodes FMAX Vd.4S, Vn.4S, Vm.4S; like FMIN it returns NaN when an
// operand is NaN, as Go's max and min do.
func FMAX(d, n, m int) uint32 { return 0x4E20F400 | uint32(m)<<16 | uint32(n)<<5 | uint32(d) }

// FMIN encodes FMIN Vd.4S, Vn.4S, Vm.4S.
func FMIN(d, n, m int) uint32 { return 0x4EA0F400 | uint32(m)<<16 | uint32(n)<<5 | uint32(d) }

// vec3 encodes a three-register vector instruction from its base.
func vec3(base uint32, d, n, m int) uint32 { return base | uint32(m)<<16 | uint32(n)<<5 | uint32(d) }

// UDOTElem encodes UDOT Vd.4S, Vn.16B, Vm.4B[lane] (the dot-product
// extension): each 32-bit lane of d gains the dot product of its four
// bytes of n with the four bytes of lane lane of m.
func UDOTElem(d, n, m, lane int) uint32 {
	l, h := uint32(lane&1), uint32(lane>>1)
	return 0x6F80E000 | l<<21 | uint32(m>>4)<<20 | uint32(m&15)<<16 | h<<11 | uint32(n)<<5 | uint32(d)
}

// UDOT encodes UDOT Vd.4S, Vn.16B, Vm.16B.
func UDOT(d, n, m int) uint32 { return vec3(0x6E809400, d, n, m) }

// UMLALElem encodes UMLAL Vd.4S, Vn.4H, Vm.H[lane] (upper: UMLAL2, the
// upper four halfwords of n); m must be V0-V15.
func UMLALElem(d, n, m, lane int, upper bool) uint32 {
	base := uint32(0x2F402000)
	if upper {
		base = 0x6F402000
	}
	h, l, mm := uint32(lane>>2), uint32(lane>>1&1), uint32(lane&1)
	return base | l<<21 | mm<<20 | uint32(m&15)<<16 | h<<11 | uint32(n)<<5 | uint32(d)
}

// SQRDMULH encodes SQRDMULH Vd.4S, Vn.4S, Vm.4S: gemmlowp's
// SaturatingRoundingDoublingHighMul, lane by lane.
func SQRDMULH(d, n, m int) uint32 { return vec3(0x6EA0B400, d, n, m) }

// SSHR31 encodes SSHR Vd.4S, Vn.4S, #31 (each lane's sign, 0 or −1).
func SSHR31(d, n int) uint32 { return 0x4F000400 | 33<<16 | uint32(n)<<5 | uint32(d) }

// SQADD encodes SQADD Vd.4S, Vn.4S, Vm.4S.
func SQADD(d, n, m int) uint32 { return vec3(0x4EA00C00, d, n, m) }

// SRSHL encodes SRSHL Vd.4S, Vn.4S, Vm.4S: a shift by each lane of m,
// rounding (half up) when it is negative, i.e. a right shift.
func SRSHL(d, n, m int) uint32 { return vec3(0x4EA05400, d, n, m) }

// SSHL encodes SSHL Vd.4S, Vn.4S, Vm.4S.
func SSHL(d, n, m int) uint32 { return vec3(0x4EA04400, d, n, m) }

// SMAX encodes SMAX Vd.4S, Vn.4S, Vm.4S.
func SMAX(d, n, m int) uint32 { return vec3(0x4EA06400, d, n, m) }

// SMIN encodes SMIN Vd.4S, Vn.4S, Vm.4S.
func SMIN(d, n, m int) uint32 { return vec3(0x4EA06C00, d, n, m) }

// SQXTN encodes SQXTN Vd.4H, Vn.4S (upper: SQXTN2 Vd.8H, Vn.4S).
func SQXTN(d, n int, upper bool) uint32 {
	if upper {
		return 0x4E614800 | uint32(n)<<5 | uint32(d)
	}
	return 0x0E614800 | uint32(n)<<5 | uint32(d)
}

// SQXTUN encodes SQXTUN Vd.8B, Vn.8H (upper: SQXTUN2 Vd.16B, Vn.8H).
func SQXTUN(d, n int, upper bool) uint32 {
	if upper {
		return 0x6E212800 | uint32(n)<<5 | uint32(d)
	}
	return 0x2E212800 | uint32(n)<<5 | uint32(d)
}

// UADALP encodes UADALP Vd.8H, Vn.16B: adds each pair of bytes of n to a
// halfword of d.
func UADALP(d, n int) uint32 { return 0x6E206800 | uint32(n)<<5 | uint32(d) }

// UADDLV encodes UADDLV Sd, Vn.8H: the sum of the eight halfwords.
func UADDLV(d, n int) uint32 { return 0x6E703800 | uint32(n)<<5 | uint32(d) }

// MULElem encodes MUL Vd.4S, Vn.4S, Vm.S[lane].
func MULElem(d, n, m, lane int) uint32 {
	l, h := uint32(lane&1), uint32(lane>>1)
	return 0x4F808000 | l<<21 | uint32(m>>4)<<20 | uint32(m&15)<<16 | h<<11 | uint32(n)<<5 | uint32(d)
}

// MLA encodes MLA Vd.4S, Vn.4S, Vm.4S.
func MLA(d, n, m int) uint32 { return vec3(0x4EA09400, d, n, m) }

// SMLAL encodes SMLAL Vd.4S, Vn.4H, Vm.4H (upper: SMLAL2 Vd.4S, Vn.8H,
// Vm.8H, the upper four halfwords).
func SMLAL(d, n, m int, upper bool) uint32 {
	if upper {
		return vec3(0x4E608000, d, n, m)
	}
	return vec3(0x0E608000, d, n, m)
}
