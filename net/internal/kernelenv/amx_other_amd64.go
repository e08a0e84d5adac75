//go:build amd64 && !purego && !linux

package kernelenv

// amxPermitted reports false: livecam asks for the AMX tiles only of
// Linux.
func amxPermitted() bool { return false }
