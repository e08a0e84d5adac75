// Package pwconv computes 1x1 (pointwise) convolutions over NHWC float32
// activations: a matrix product dst[M×N] = act(src[M×K] · W[K×N] + bias),
// where M is the number of pixels, K the input channels and N the output
// channels, with the bias and an optional ReLU6 applied while each output
// tile is still in registers.
//
// Weights are packed once, by Pack, into column panels as wide as the
// kernel's tile (zero-padded at the right edge) so that the inner kernel
// reads them with unit stride. Pack packs them for the kernel of the
// kernel path, the one rule of net/internal/kernelenv for every kernel
// package and precision: the path $LIVECAM_KERNELS names
// (case-insensitive), or the fastest this CPU supports
// (golang.org/x/sys/cpu). The float32 kernels are AVX-512 (12×32 tiles)
// or AVX2+FMA (6×16 tiles) on amd64, NEON (8×8 tiles, ARMv8.0 ASIMD,
// which every arm64 core has) on arm64, and the portable Go kernel, which
// the build tag purego or LIVECAM_KERNELS=generic also selects; a value
// naming no path this CPU runs is an error from Pack and PackU8, never a
// silent fallback. The assembly is generated: gen_amd64.go and
// gen_arm64.go write kernel_amd64.s and kernel_arm64.s, and a test checks
// that the committed files are what they generate. Every kernel computes
// bias + ReLU6 while the tile is still in registers, and NaN propagates
// through ReLU6 on every one. A *Weights is immutable after Pack and safe
// for concurrent use; Apply writes only the rows of dst it is asked for,
// so callers split a layer across goroutines by row ranges.
//
// # uint8 layers (quantized TFLite models)
//
// PackU8 prepares a uint8 layer computed exactly as TensorFlow Lite does:
// Σ (x − xZero)·(w − wZero) + bias in int32, then the requantization of
// package net/quant (fixed-point multiplier, double rounding, clamp), all
// while the tile is in registers. The uint8 kernel comes from the same
// path: AVX-512 VNNI (VPDPBUSD on w − 128 with each pixel's byte sum
// correcting the zero point, 6×64 tiles), AVX-VNNI (the same arithmetic
// with the VEX-encoded, 256-bit VPDPBUSD, 6×16 tiles, for the cores with
// AVX-VNNI and no AVX-512: Go's assembler knows only the EVEX form, so
// gen_u8_amd64.go writes its bytes) or AVX2 (VPMADDWD on 16-bit pairs of
// w − wZero against the input widened to 16 bits once per 6 rows, 6×16
// tiles: exact, where VPMADDUBSW would saturate on 255·127 + 255·127) on
// amd64 (gen_u8_amd64.go); on arm64 the dot-product extension (UDOT,
// when the CPU has it) or ARMv8.0 (UMLAL on 16-bit values), both 8×8
// tiles (gen_u8_arm64.go); the portable Go kernel elsewhere or with
// LIVECAM_KERNELS=generic. Each path names its uint8 kernel
// (net/internal/kernelenv's table: the avx512 path runs the AVX2 one).
// Every kernel gives the same bytes.
package pwconv
