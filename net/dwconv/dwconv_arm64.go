//go:build arm64 && !purego

package dwconv

//go:generate go run gen_arm64.go

// Row kernel in dwconv_arm64.s (see gen_arm64.go).
//
//go:noescape
func rowNEON(dst, in0, in1, in2, w, bias *float32, c, n, step int)

// simdKernels lists the NEON kernel: ASIMD is part of ARMv8.0, so every
// arm64 CPU runs it. Channel counts that are not a multiple of 4 use the
// pure Go kernel.
func simdKernels() []*kernel {
	return []*kernel{{name: "neon", row: rowNEON, chanMultiple: 4}}
}
