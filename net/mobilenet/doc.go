// Package mobilenet is a MobileNet V1 forward pass in Go: the architecture
// of the paper (a 3x3 convolution, 13 depthwise-separable blocks, global
// average pooling and a 1x1 classifier) for any width multiplier alpha and
// any input size that is a multiple of 32, with its predictions and
// labels. It knows nothing of video or of file formats: package
// net/tfjs loads the TensorFlow.js layers format in which the 16 official
// variants are published, net/onnx exports the same weights for other
// runtimes, and the kernels live in net/dwconv and net/pwconv.
//
// # From weights to predictions
//
//	tfjs.LoadWeights(dir) -> *Weights   raw tensors, checked against Config.TensorSpecs
//	NewModel(weights)     -> *Model     BatchNorm folded into each convolution, weights packed
//	model.NewRunner(n)    -> *Runner    scratch buffers and n worker threads
//	runner.Forward(logits, input)       no allocation
//	Softmax, TopK                       probabilities and the best classes
//
// tfjs.Load does the first two steps.
//
// # Quantized (uint8) and folded models
//
// NewQuantModel prepares a uint8 MobileNet V1 as a quantized TFLite file
// holds it (package net/tflite reads Google's files); its forward pass is
// TensorFlow Lite's integer arithmetic, byte for byte, on the uint8
// kernels of net/pwconv and net/dwconv. NewFoldedModel takes float32
// weights whose BatchNorms are already folded (a float TFLite file).
// Whatever the precision, Runner.Probabilities takes the RGB bytes and
// gives the class probabilities; ForwardQuant gives a quantized model's
// uint8 logits and softmax output, Forward a float model's logits.
//
// # Kernels
//
// The constructors pack the weights for one kernel path, an
// instruction-set level that chooses the float32 and the uint8 kernels
// alike: the fastest this CPU runs, or the one $LIVECAM_KERNELS names
// (case-insensitive; the names `livecam version` prints). A value that
// names no path this CPU runs is an error from NewModel, NewFoldedModel
// and NewQuantModel (and so from tfjs.Load and the tflite loaders),
// naming the value and the valid names; KernelPath reports the path and
// its kernels, Model.KernelName the kernel a model runs on. Each path
// names the kernel of each precision it runs (a CPU runs every path
// whose features it has):
//
//	amd64         float32   uint8 1x1     uint8 3x3 depthwise   the CPU needs
//	amx           avx512    amx           avx512                AMX-TILE and AMX-INT8 granted by Linux 5.16+, AVX-512 F, BW, VL and VNNI, BMI2
//	avx512-vnni   avx512    avx512-vnni   avx512                AVX-512 F, BW, VL and VNNI, BMI2
//	avx512        avx512    avx2          avx512                AVX-512 F, BW and VL, and AVX2, FMA
//	avxvnni       avx2      avxvnni       avx2                  AVX2, FMA and AVX-VNNI
//	avx2          avx2      avx2          avx2                  AVX2 and FMA
//	generic       generic   generic       generic               nothing (portable Go)
//
//	arm64         float32   uint8 1x1     uint8 3x3 depthwise   the CPU needs
//	neon-dotprod  neon      neon-dotprod  neon                  the dot-product extension (UDOT)
//	neon          neon      neon          neon                  ARMv8.0 ASIMD (every arm64 core)
//	generic       generic   generic       generic               nothing (portable Go)
//
// Other architectures, and builds with the purego tag, run the generic
// path. Every path gives the same uint8 bytes; the float32 paths agree to
// rounding, NaN included.
//
// # Layout
//
// Activations are float32, NHWC, batch 1: input is Size×Size×3 RGB values
// scaled to [-1, 1] (NormalizeRGB computes x/127.5-1 from bytes). Padding
// is TensorFlow's SAME: for a stride-2 layer on an even size the extra row
// and column go at the bottom and right (see SamePadding). Each convolution
// computes conv + folded bias + ReLU6 in one pass over its output; each
// depthwise layer is fused with the pointwise layer after it, a few rows
// at a time, so its output never leaves the cache (on more than one
// thread, the 14×14 and 7×7 blocks run their depthwise layer whole first;
// see below). NaN propagates through
// ReLU6 on every kernel path, as it does through Go's max and min.
//
// # Ownership and concurrency
//
// A *Model is immutable after NewModel and safe for concurrent use by any
// number of goroutines. A *Runner belongs to one goroutine at a time: it
// owns two ping-pong activation buffers sized for the largest layer, the
// pooled vector, and a fixed pool of worker goroutines that share each
// layer's chunks: strips of output rows, or, on more than one thread, the
// pointwise column panels of the 14×14 and 7×7 blocks (after their
// depthwise layer, split by rows). Each worker starts on its own share
// and then takes what the others have left, so a thread the operating
// system deschedules does not hold the layer up. The chunks do not depend
// on the thread count or on which worker runs them: the results are the
// same bits on any number of threads. Forward reads the caller's input
// and writes the caller's logits slice; it keeps no reference to either.
// Close a Runner to stop its workers.
package mobilenet
