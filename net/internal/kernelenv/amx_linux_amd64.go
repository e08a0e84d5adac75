//go:build linux && amd64 && !purego

package kernelenv

import "golang.org/x/sys/unix"

// Linux's arch_prctl codes and XSAVE component for AMX (asm/prctl.h,
// asm/fpu/types.h).
const (
	archReqXcompPerm  = 0x1023
	xfeatureXTileData = 18
)

// amxPermitted asks Linux, once per process, to let it use the AMX tile
// data (8 KiB of register state per thread that Linux saves only for
// processes that ask); it reports whether Linux agreed. Linux before
// 5.16 has no such request and does not enable the tiles: the call then
// fails and the tiles stay unused.
func amxPermitted() bool {
	_, _, errno := unix.Syscall(unix.SYS_ARCH_PRCTL, archReqXcompPerm, xfeatureXTileData, 0)
	return errno == 0
}
