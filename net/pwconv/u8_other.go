//go:build !(amd64 || arm64) || purego

package pwconv

func u8SIMDKernels() []*u8Kernel { return nil }

func (w *U8Weights) applyVNNI(dst, src []uint8, rows, p0, p1 int) {
	panic("pwconv: no VNNI kernel here")
}

// u8AMXFallback is never used here: no kernel of this build has amx set.
var u8AMXFallback = u8GenericKernel

func (w *U8Weights) applyAMX(dst, src []uint8, rows, p0, p1 int) {
	panic("pwconv: no AMX kernel here")
}

func (w *U8Weights) applyAVXVNNI(dst, src []uint8, rows, p0, p1 int) {
	panic("pwconv: no AVX-VNNI kernel here")
}

func (w *U8Weights) applyAVX2(dst, src []uint8, rows, p0, p1 int) {
	panic("pwconv: no AVX2 kernel here")
}

func (w *U8Weights) applyARM(dst, src []uint8, rows, p0, p1 int) {
	panic("pwconv: no arm64 kernel here")
}
