//go:build !(amd64 || arm64) || purego

package fmapeak

// loops: no assembly in this build.
func loops() []Loop { return nil }

// runLoop is never called: there are no loops.
func runLoop(kind, n int, out *float32) {}
