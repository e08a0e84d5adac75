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
package tflite

//go:generate flatc --go --go-namespace tflitefb -o internal internal/schema/tflite.fbs
