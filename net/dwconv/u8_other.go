//go:build !amd64 || purego

package dwconv

func u8SIMDKernels() []*U8Kernel { return nil }
