//go:build amd64 && !purego

package kernelenv

import "encoding/binary"

// cpuid0 returns CPUID leaf 0's EBX, EDX and ECX: the vendor string, in
// that order (vendor_amd64.s).
func cpuid0() (ebx, edx, ecx uint32)

// xgetbv0 returns XCR0, the state components the OS has enabled (bits 17
// and 18: AMX's tile configuration and data).
func xgetbv0() uint64

// vendor is this CPU's, read once.
var vendor = func() string {
	var b [12]byte
	ebx, edx, ecx := cpuid0()
	binary.LittleEndian.PutUint32(b[0:], ebx)
	binary.LittleEndian.PutUint32(b[4:], edx)
	binary.LittleEndian.PutUint32(b[8:], ecx)
	return string(b[:])
}()
