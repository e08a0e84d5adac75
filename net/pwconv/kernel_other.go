//go:build !(amd64 || arm64) || purego

package pwconv

// simdKernels lists no kernels: only the portable Go kernel exists here.
func simdKernels() []*kernel { return nil }

// shapeFor returns k: one shape per kernel here.
func shapeFor(k *kernel, n int) *kernel { return k }
