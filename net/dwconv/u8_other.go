//go:build !(amd64 || arm64) || purego

package dwconv

func u8SIMDKernels() []*u8Kernel { return nil }
