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
