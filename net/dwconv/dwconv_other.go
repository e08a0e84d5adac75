//go:build !amd64 || purego

package dwconv

func simdKernels() []*Kernel { return nil }
