//go:build amd64 && !purego && !linux

package kernelenv

// amxState reports that AMX is not used: livecam asks for the tile state
// only of Linux.
func amxState() (bool, string) { return false, "livecam uses AMX only on Linux" }
