//go:build amd64 && !purego

package fmapeak

import "golang.org/x/sys/cpu"

// fmaAVX512 and fmaAVX2 are in fmapeak_amd64.s.
//
//go:noescape
func fmaAVX512(n int, out *float32)

//go:noescape
func fmaAVX2(n int, out *float32)

const (
	kindAVX512 = iota
	kindAVX2
)

func loops() []Loop {
	var ls []Loop
	if cpu.X86.HasAVX512F {
		ls = append(ls, newLoop("avx512", 16, kindAVX512))
	}
	if cpu.X86.HasAVX2 && cpu.X86.HasFMA {
		ls = append(ls, newLoop("avx2", 8, kindAVX2))
	}
	return ls
}

// runLoop calls the assembly directly, so that out stays on the caller's
// stack.
func runLoop(kind, n int, out *float32) {
	if kind == kindAVX512 {
		fmaAVX512(n, out)
	} else {
		fmaAVX2(n, out)
	}
}
