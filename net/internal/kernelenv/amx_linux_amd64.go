//go:build linux && amd64 && !purego

package kernelenv

import (
	"fmt"
	"sync"
	"unsafe"

	"golang.org/x/sys/cpu"
	"golang.org/x/sys/unix"
)

// Linux's arch_prctl codes and XSAVE components for AMX (asm/prctl.h,
// asm/fpu/types.h).
const (
	archGetXcompPerm  = 0x1022
	archReqXcompPerm  = 0x1023
	xfeatureXTileCfg  = 17
	xfeatureXTileData = 18
)

// amxState is whether this process may use the AMX tiles, and if not,
// why; asked of Linux once, the first time a path list or lookup needs
// it (not when the package starts, so that a process that names another
// path never asks).
var amxState = sync.OnceValues(func() (bool, string) {
	if !cpu.X86.HasAMXTile || !cpu.X86.HasAMXInt8 {
		return false, "the CPU has no AMX-TILE and AMX-INT8"
	}
	if !cpu.X86.HasOSXSAVE { // XGETBV, below, would fault
		return false, "the OS has not enabled XSAVE"
	}
	// Linux 5.16+ enables the tile state only for processes that ask:
	// 8 KiB more per thread to save, and bigger signal frames.
	if _, _, errno := unix.Syscall(unix.SYS_ARCH_PRCTL, archReqXcompPerm, xfeatureXTileData, 0); errno != 0 {
		return false, fmt.Sprintf("Linux refused the AMX tile state (arch_prctl(ARCH_REQ_XCOMP_PERM): %v; Linux before 5.16 has no AMX)", errno)
	}
	// Trust the grant only as far as the state it reports and the
	// registers say: a sandbox that answers for Linux may not save tiles.
	var perm uint64
	if _, _, errno := unix.Syscall(unix.SYS_ARCH_PRCTL, archGetXcompPerm, uintptr(unsafe.Pointer(&perm)), 0); errno != 0 || perm&(1<<xfeatureXTileData) == 0 {
		return false, fmt.Sprintf("Linux did not grant the AMX tile state (ARCH_GET_XCOMP_PERM: %#x, %v)", perm, errno)
	}
	const tiles = 1<<xfeatureXTileCfg | 1<<xfeatureXTileData
	if x := xgetbv0(); x&tiles != tiles {
		return false, fmt.Sprintf("the OS has not enabled the AMX state in XCR0 (%#x)", x)
	}
	return true, ""
})
