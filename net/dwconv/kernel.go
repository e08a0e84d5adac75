package dwconv

import (
	"sync"

	"github.com/livecam/livecam/net/internal/kernelenv"
)

// rowFunc computes n interior output pixels of one row; see dwconv_amd64.s.
type rowFunc func(dst, in0, in1, in2, w, bias *float32, c, n, step int)

// kernel is one implementation of the float32 depthwise convolution: the
// portable Go kernel or a SIMD one.
type kernel struct {
	name string
	row  rowFunc // nil for the portable kernel
	// chanMultiple: the SIMD row kernel needs the channel count to be a
	// multiple of it; other layers fall back to Go.
	chanMultiple int
}

// genericKernel is the portable Go kernel, on every path.
var genericKernel = &kernel{name: "generic"}

// kernels lists the float32 kernels of this build, whatever the CPU:
// kernelenv's paths say which one runs.
var kernels = append(simdKernels(), genericKernel)

func kernelName(k *kernel) string { return k.name }

// kernelFor returns the float32 kernel of path p.
func kernelFor(p kernelenv.Path) *kernel {
	return kernelenv.Pick(kernels, kernelName, p, kernelenv.Float)
}

// zeros is a read-only row of zeros that stands in for the padding rows
// above and below the input. It only ever grows, so steady state allocates
// nothing.
var zeros struct {
	sync.Mutex
	buf []float32
}

func zeroRow(n int) []float32 {
	zeros.Lock()
	defer zeros.Unlock()
	if len(zeros.buf) < n {
		zeros.buf = make([]float32, n)
	}
	return zeros.buf[:n]
}
