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
// # Layout
//
// Activations are float32, NHWC, batch 1: input is Size×Size×3 RGB values
// scaled to [-1, 1] (NormalizeRGB computes x/127.5-1 from bytes). Padding
// is TensorFlow's SAME: for a stride-2 layer on an even size the extra row
// and column go at the bottom and right (see SamePadding). Each convolution
// computes conv + folded bias + ReLU6 in one pass over its output; each
// depthwise layer is fused with the pointwise layer after it, a few rows
// at a time, so its output never leaves the cache. NaN propagates through
// ReLU6 on every kernel path, as it does through Go's max and min.
//
// # Ownership and concurrency
//
// A *Model is immutable after NewModel and safe for concurrent use by any
// number of goroutines. A *Runner belongs to one goroutine at a time: it
// owns two ping-pong activation buffers sized for the largest layer, the
// pooled vector, and a fixed pool of worker goroutines that split each
// layer by output rows. Forward reads the caller's input and writes the
// caller's logits slice; it keeps no reference to either. Close a Runner to
// stop its workers.
package mobilenet
