package pwconv

import "github.com/livecam/livecam/net/internal/kernelenv"

// tileFunc computes one MR×NR tile; see gen_amd64.go for the contract.
type tileFunc func(a, b, c, bias *float32, k, lda, ldc int, mask uint32, relu6 int)

// Kernel is one implementation of the matrix product: the portable Go
// kernel or a SIMD one. The Kernel a Weights was packed for is the one
// that runs it.
type Kernel struct {
	name string
	// nr is the panel width the kernel reads.
	nr int
	// tiles[r] computes r rows of a tile (r = 1..MR); nil for Go.
	tiles []tileFunc
	// bitMask: the mask argument is a column bitmask (AVX-512); otherwise
	// it is the count of valid columns (AVX2).
	bitMask bool
	// partial, for kernels whose tiles always write nr columns (NEON),
	// computes rows [i, i+rows) of panel p, whose last columns are
	// padding, into a scratch tile and copies the cols real ones to dst.
	partial func(w *Weights, dst, src []float32, i, rows, p, cols, relu int)
}

// Name returns "generic", "avx2", "avx512" or "neon".
func (k *Kernel) Name() string { return k.name }

// PanelWidth returns the number of columns in one packed panel.
func (k *Kernel) PanelWidth() int { return k.nr }

// RowBlock returns the number of rows one microkernel call computes (MR);
// callers that split rows between threads keep boundaries on multiples of
// it.
func (k *Kernel) RowBlock() int {
	if k.tiles == nil {
		return 2
	}
	return len(k.tiles) - 1
}

// Generic is the portable Go kernel, always available.
var Generic = &Kernel{name: "generic", nr: genericNR}

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

func chooseKernel(want string) *Kernel { return kernelenv.Choose(Kernels(), (*Kernel).Name, want) }

// CheckEnv reports an error when $LIVECAM_KERNELS names no kernel this
// machine can run (instead of silently running the fastest).
func CheckEnv() error { return kernelenv.Check(names(Kernels())) }

func names(ks []*Kernel) []string {
	s := make([]string, len(ks))
	for i, k := range ks {
		s[i] = k.Name()
	}
	return s
}
