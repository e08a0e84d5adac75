// Package pwconv computes 1x1 (pointwise) convolutions over NHWC float32
// activations: a matrix product dst[M×N] = act(src[M×K] · W[K×N] + bias),
// where M is the number of pixels, K the input channels and N the output
// channels, with the bias and an optional ReLU6 applied while each output
// tile is still in registers.
//
// Weights are packed once, by Pack, into column panels of PanelWidth
// values (zero-padded at the right edge) so that the inner kernel reads them
// with unit stride. A *Weights is immutable after Pack and safe for
// concurrent use; Apply writes only the rows of dst it is asked for, so
// callers split a layer across goroutines by row ranges.
package pwconv
