// Package pwconv computes 1x1 (pointwise) convolutions over NHWC float32
// activations: a matrix product dst[M×N] = act(src[M×K] · W[K×N] + bias),
// where M is the number of pixels, K the input channels and N the output
// channels, with the bias and an optional ReLU6 applied while each output
// tile is still in registers.
//
// Weights are packed once, by Pack, into column panels as wide as the
// kernel's tile (zero-padded at the right edge) so that the inner kernel
// reads them with unit stride. The kernel is chosen at start-up from the
// CPU's features (golang.org/x/sys/cpu): on amd64 AVX-512 (12×32 tiles) or
// AVX2+FMA (6×16 tiles), on arm64 NEON (8×8 tiles, ARMv8.0 ASIMD, which
// every arm64 core has), elsewhere the portable Go kernel, which the build
// tag purego or LIVECAM_KERNELS=generic also selects; LIVECAM_KERNELS=avx2
// forces AVX2 on an AVX-512 machine, and a value naming no kernel of this
// machine is an error (CheckEnv). The assembly is generated: gen_amd64.go
// and gen_arm64.go write kernel_amd64.s and kernel_arm64.s, and a test
// checks that the committed files are what they generate. Every kernel
// computes bias + ReLU6 while the tile is still in registers, and NaN
// propagates through ReLU6 on every one. A *Weights is immutable after Pack and safe for
// concurrent use; Apply writes only the rows of dst it is asked for, so
// callers split a layer across goroutines by row ranges.
package pwconv
