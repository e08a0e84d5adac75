//go:build amd64 && !purego

package dwconv

import "golang.org/x/sys/cpu"

// Row kernels in dwconv_amd64.s.
//
//go:noescape
func rowAVX512(dst, in0, in1, in2, w, bias *float32, c, n, step int)

//go:noescape
func rowAVX2(dst, in0, in1, in2, w, bias *float32, c, n, step int)

func simdKernels() []*Kernel {
	var ks []*Kernel
	if cpu.X86.HasAVX512F && cpu.X86.HasAVX512BW && cpu.X86.HasAVX512VL {
		ks = append(ks, &Kernel{name: "avx512", row: rowAVX512, chanMultiple: 1})
	}
	if cpu.X86.HasAVX2 && cpu.X86.HasFMA {
		ks = append(ks, &Kernel{name: "avx2", row: rowAVX2, chanMultiple: 8})
	}
	return ks
}
