//go:build amd64 && !purego

package dwconv

// Row kernels in dwconv_amd64.s.
//
//go:noescape
func rowAVX512(dst, in0, in1, in2, w, bias *float32, c, n, step int)

//go:noescape
func rowAVX2(dst, in0, in1, in2, w, bias *float32, c, n, step int)

// simdKernels lists the amd64 kernels; net/internal/kernelenv says which
// of them this CPU runs.
func simdKernels() []*kernel {
	return []*kernel{
		{name: "avx512", row: rowAVX512, chanMultiple: 1},
		{name: "avx2", row: rowAVX2, chanMultiple: 8},
	}
}
