package dwconv

import (
	"sync"

	"github.com/livecam/livecam/net/internal/kernelenv"
)

// rowFunc computes n interior output pixels of one row; see dwconv_amd64.s.
type rowFunc func(dst, in0, in1, in2, w, bias *float32, c, n, step int)

// Kernel is one implementation of the depthwise convolution: the portable
// Go kernel or a SIMD one.
type Kernel struct {
	name string
	row  rowFunc // nil for the portable kernel
	// chanMultiple: the SIMD row kernel needs the channel count to be a
	// multiple of it; other layers fall back to Go.
	chanMultiple int
}

// Name returns "generic", "avx2" or "avx512".
func (k *Kernel) Name() string { return k.name }

// Generic is the portable Go kernel, always available.
var Generic = &Kernel{name: "generic"}

// EnvKernel is the environment variable that overrides the kernel choice:
// "generic", "avx2" or "avx512" (shared by the kernel packages).
const EnvKernel = kernelenv.Env

// Kernels returns every kernel this machine can run, fastest first; the
// last is always Generic.
func Kernels() []*Kernel { return append(simdKernels(), Generic) }

// Default returns the kernel used unless another is asked for: the fastest
// this CPU supports, unless $LIVECAM_KERNELS names another available one.
func Default() *Kernel { return defaultKernel }

var defaultKernel = kernelenv.FromEnv(Kernels(), (*Kernel).Name)

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
