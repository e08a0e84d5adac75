// Package dwconv computes 3x3 depthwise convolutions over NHWC float32
// activations with TensorFlow SAME padding, stride 1 or 2, and the bias and
// ReLU6 applied in the same pass over each output pixel.
//
// Weights are laid out [ky][kx][c], the order of Keras' [3,3,C,1]
// depthwise kernel, so the innermost loop runs over contiguous channels.
// Conv writes only the output rows it is asked for: callers split a layer
// across goroutines by row ranges.
package dwconv
