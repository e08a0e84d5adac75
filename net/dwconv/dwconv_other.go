//go:build !(amd64 || arm64) || purego

package dwconv

func simdKernels() []*kernel { return nil }
