package pwconv

import "github.com/livecam/livecam/net/internal/kernelenv"

// tileFunc computes one MR×NR tile; see gen_amd64.go for the contract.
type tileFunc func(a, b, c, bias *float32, k, lda, ldc int, mask uint32, relu6 int)

// kernel is one implementation of the float32 matrix product: the
// portable Go kernel or a SIMD one. The kernel a Weights was packed for
// is the one that runs it.
type kernel struct {
	// name is the kernel's in net/internal/kernelenv's table: several
	// kernels of one name are shapes of it (shapeFor picks one per CPU).
	name string
	// shape names the tile: rows×columns, and u4 for a k loop unrolled
	// 4 times.
	shape string
	// nr is the panel width the kernel reads.
	nr int
	// tiles[r] computes r rows of a tile (r = 1..MR); nil for Go.
	tiles []tileFunc
	// bitMask: the mask argument is a column bitmask (AVX-512); otherwise
	// it is the count of valid columns (AVX2).
	bitMask bool
	// patch3[r], where the kernel has them, computes r rows of a tile
	// for K = 27 from 3×3 patches of a 3-channel image where they lie
	// (see gen_amd64.go's patch3AVX512 and patch3AVX2, and
	// Weights.ApplyPatches3).
	patch3 []tileFunc
	// partial, for kernels whose tiles always write nr columns (NEON),
	// computes rows [i, i+rows) of panel p, whose last columns are
	// padding, into a scratch tile and copies the cols real ones to dst.
	partial func(w *Weights, dst, src []float32, i, rows, p, cols, relu int)
}

// genericKernel is the portable Go kernel, on every path.
var genericKernel = &kernel{name: "generic", shape: "2x4", nr: genericNR}

// kernels lists the float32 kernels of this build, every shape, whatever
// the CPU: kernelenv's paths say which name runs, and the first kernel
// of that name is its default shape.
var kernels = append(simdKernels(), genericKernel)

func kernelName(k *kernel) string { return k.name }

// kernelFor returns the float32 kernel of path p, in the shape this CPU
// runs fastest for a layer of n outputs.
func kernelFor(p kernelenv.Path, n int) *kernel {
	return shapeFor(kernelenv.Pick(kernels, kernelName, p, kernelenv.Float), n)
}
