//go:build arm64 && !purego

package fmapeak

// fmaNEON is in fmapeak_arm64.s.
//
//go:noescape
func fmaNEON(n int, out *float32)

// Every arm64 core has ASIMD.
func loops() []Loop { return []Loop{newLoop("neon", 4, 0)} }

// runLoop calls the assembly directly, so that out stays on the caller's
// stack.
func runLoop(kind, n int, out *float32) { fmaNEON(n, out) }
