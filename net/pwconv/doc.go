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
// (golang.org/x/sys/cpu). The float32 kernels are AVX-512 or AVX2+FMA on
// amd64, NEON (8×8 tiles, ARMv8.0 ASIMD, which every arm64 core has) on
// arm64, and the portable Go kernel, which the build tag purego or
// LIVECAM_KERNELS=generic also selects; a value naming no path this CPU
// runs is an error from Pack and PackU8, never a silent fallback. The
// assembly is generated: gen_amd64.go and gen_arm64.go write
// kernel_amd64.s and kernel_arm64.s, and a test checks that the committed
// files are what they generate. Every kernel computes bias + ReLU6 while
// the tile is still in registers, and NaN propagates through ReLU6 on
// every one. A *Weights is immutable after Pack and safe for concurrent
// use; Apply writes only the rows of dst it is asked for, so callers
// split a layer across goroutines by row ranges.
//
// # Float32 tile shapes per CPU
//
// The path says which kernel runs; the CPU's vendor (CPUID, through
// kernelenv.Vendor) and the layer's N say in which tile shape, chosen once
// by Pack and never changing what $LIVECAM_KERNELS means:
//
//	kernel   default (AMD, others)        Intel
//	avx512   12×32, k loop not unrolled   8×48, k loop unrolled 4 times
//	                                      (12×32 where 48-wide panels pad
//	                                      N more: N = 24)
//	avx2     6×16, k loop not unrolled    6×16, k loop unrolled 4 times
//
// The defaults were tuned on an AMD EPYC (85-90% of its FMA peak on the
// large 1x1 layers) and have not been measured against the Intel shapes
// there, so they stay. On an Intel Xeon (Emerald Rapids, AVX-512, a VM
// shared with other work) the 12×32 tile reached 58-97% of the FMA peak,
// depending on the load; the 8×48 one needs 11 loads (3 vectors of the
// panel, 8 broadcasts) for 24 FMAs instead of 14, and unrolling the k
// loop 4 times leaves a quarter of the pointer updates and branches:
// 0.84-0.99x the 12×32 tile's time on the six large 1x1 layers of
// 0.75@224, and the unrolled AVX2 kernel 0.85-0.99x the plain one's
// (BenchmarkShapes, interleaved, three runs; never slower). Splitting K
// into blocks that keep a panel's block in L1, and FMAs reading a's value
// themselves (embedded broadcast), measured no faster there and are not
// used. Every path also splits a row range into tiles of even heights
// (49 rows on 12-row tiles: 9, 10, 10, 10, 10), never a tile of a row or
// two whose few accumulators wait on the FMA latency.
//
// The shapes of a kernel add the same products in the same order (bias
// first, then k = 0, 1, ...), so they give the same bits, NaN included;
// the tests run every shape of every path this CPU runs, whatever its
// vendor. BenchmarkPeakShare gives each large layer's GFLOP/s in every
// shape beside the FMA peak of its instruction set
// (net/internal/fmapeak), all interleaved.
//
// # The first convolution without im2col
//
// A network's first layer, 3×3 over RGB, is the product of its 27×N
// kernel with one row of 27 inputs per output pixel, which an im2col copy
// would lay out. The AVX-512 12×32 and the AVX2 6×16 kernels also come
// in a form that reads each row where it lies, three runs of 9 floats one
// image row apart (ApplyPatches3, gen_amd64.go's patch3AVX512 and
// patch3AVX2; their 27 steps unrolled),
// giving the same bits as Apply on the copied rows. Net/mobilenet uses it
// for the pixels whose patch is inside the image: on an Intel Xeon it took
// the first layer of 0.75@224 from about 0.7 ms (im2col and GEMM) to
// 0.17 ms (CPU profile of BenchmarkForward at 1 thread), and the whole
// forward pass from 0.96x ONNX Runtime's time to 0.89x at 1 thread
// (BENCHMARKS.md). The 8×48 shape, NEON and the portable kernel copy
// (im2col); the published variants' first layers (8 to 32 outputs)
// never run on 8×48.
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
// w − wZero against the input widened to 16 bits once per block of rows
// in a pooled scratch, 6×16 tiles: exact, where VPMADDUBSW would saturate
// on 255·127 + 255·127; the requantization's rounding shift is
// sign(x)·((|x| + 2^(e−1)) >> e) with a logical shift, and the clamp is
// the saturating packs then a byte max and min) on
// amd64 (gen_u8_amd64.go); on arm64 the dot-product extension (UDOT,
// when the CPU has it) or ARMv8.0 (UMLAL on 16-bit values), both 8×8
// tiles (gen_u8_arm64.go); the portable Go kernel elsewhere or with
// LIVECAM_KERNELS=generic. Each path names its uint8 kernel
// (net/internal/kernelenv's table: the avx512 path runs the AVX2 one).
// Every kernel gives the same bytes.
package pwconv
