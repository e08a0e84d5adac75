//go:build !(amd64 || arm64) || purego

package dwconv

func u8SIMDKernels() []*U8Kernel { return nil }
