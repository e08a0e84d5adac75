package mobilenet

import (
	"fmt"
	"math"
)

// FoldBatchNorm folds a BatchNorm layer into the convolution before it:
// with s = gamma / sqrt(variance + eps) per output channel, the folded
// kernel is kernel * s and the bias is beta - mean * s. The kernel's last
// (fastest-varying) index must be the output channel, as in every Keras
// kernel of MobileNet V1 (depthwise kernels [3,3,C,1] included). The
// arithmetic is done in float64 and rounded once. kernel is not modified.
func FoldBatchNorm(kernel, gamma, beta, mean, variance []float32, eps float64) (w, b []float32, err error) {
	c := len(gamma)
	if c == 0 || len(beta) != c || len(mean) != c || len(variance) != c || len(kernel)%c != 0 {
		return nil, nil, fmt.Errorf("batchnorm vectors of lengths %d/%d/%d/%d for a kernel of %d values",
			len(gamma), len(beta), len(mean), len(variance), len(kernel))
	}
	scale := make([]float64, c)
	b = make([]float32, c)
	for i := range c {
		v := float64(variance[i]) + eps
		if !(v > 0) {
			return nil, nil, fmt.Errorf("channel %d: variance %v + eps %v is not positive", i, variance[i], eps)
		}
		scale[i] = float64(gamma[i]) / math.Sqrt(v)
		b[i] = float32(float64(beta[i]) - float64(mean[i])*scale[i])
	}
	w = make([]float32, len(kernel))
	for i, k := range kernel {
		w[i] = float32(float64(k) * scale[i%c])
	}
	return w, b, nil
}
