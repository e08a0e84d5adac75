// Package tflite reads TensorFlow Lite model files and loads the MobileNet V1
// ones into net/mobilenet: Google's quantized (uint8) classifiers run on
// the integer kernels exactly as TensorFlow Lite computes them.
//
// The FlatBuffers file is read through the official Go FlatBuffers runtime
// (github.com/google/flatbuffers/go) and accessors that flatc generates
// from the part of TFLite's schema livecam uses (internal/schema/tflite.fbs,
// `go generate`). Every read is bounded: the file is at most MaxFile bytes,
// every vector's length is checked against the file before anything is
// allocated for it, and an offset that points outside the file is an error
// naming the file, never a crash.
//
// Read gives a File, the graph as it is (tensors with their quantization,
// operators with their options); File.MobileNet recognises the MobileNet V1
// graph in it (CONV_2D, 13 × DEPTHWISE_CONV_2D + CONV_2D, AVERAGE_POOL_2D,
// CONV_2D, RESHAPE, SOFTMAX, ReLU6 fused) and refuses anything else with
// one line naming the operator; Load does both and prepares the model.
//
// # The graph runner
//
// File.Plan (LoadGraph) prepares any uint8 graph made of CONV_2D,
// DEPTHWISE_CONV_2D, ADD, CONCATENATION, RESHAPE, SQUEEZE, LOGISTIC,
// AVERAGE_POOL_2D, SOFTMAX and the custom TFLite_Detection_PostProcess
// (net/ssd): MobileNet V1 and V2, the COCO SSD-MobileNet detector. Its
// operators run in file order over tensors by index, in TensorFlow Lite's
// integer arithmetic (net/quant), byte for byte with TFLite on every
// kernel path. Plan checks every operator once (shapes, SAME and VALID
// padding as TFLite computes it, quantization, fused activations), packs
// the convolutions for net/pwconv's uint8 kernels (a 1x1 stride-1
// convolution is a matrix product on the activation, any other one is
// unfolded a strip of pixels at a time, the padding taps holding the
// input's zero point), prepares the 3x3 depthwise ones for net/dwconv
// (other shapes run in Go), computes the LOGISTIC and CONCATENATION
// requantization tables, and refuses anything else with one line naming
// the operator. A depthwise convolution whose output only the next 1x1
// convolution reads computes it strip by strip, as net/mobilenet does.
// RESHAPE and SQUEEZE share their input's buffer, and tensors whose
// lives do not overlap share one, so that a runner's memory stays small
// and warm in the caches. A Runner owns its buffers and splits the large
// operators over its threads; Run allocates nothing.
//
// Plan, Load and LoadGraph pack for one kernel path, as net/mobilenet's
// constructors do (its documentation has the table): the one
// $LIVECAM_KERNELS names, case-insensitive, or the fastest this CPU runs;
// a value naming no path this machine runs is an error that lists the
// valid names.
package tflite

//go:generate flatc --go --go-namespace tflitefb -o internal internal/schema/tflite.fbs
