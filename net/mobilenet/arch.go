package mobilenet

import (
	"fmt"
	"math"
)

// Config names one MobileNet V1 variant: its width multiplier, its input
// size and the number of classes its classifier predicts.
type Config struct {
	// Alpha is the width multiplier of the paper: every layer has
	// int(Alpha*c) channels where the base network has c.
	Alpha float64
	// Size is the side of the square input image in pixels. Any multiple
	// of 32 works; the published variants use 128, 160, 192 and 224.
	Size int
	// Classes is the number of outputs of the classifier (1000 for ImageNet).
	Classes int
}

// DefaultConfig is the variant whose real weights ship with the project's
// test data: MobileNet V1, alpha 0.75, 224x224 input, 1000 classes.
var DefaultConfig = Config{Alpha: 0.75, Size: 224, Classes: 1000}

// Alphas and Sizes list the width multipliers and input sizes of the 16
// officially published MobileNet V1 variants.
var (
	Alphas = []float64{0.25, 0.5, 0.75, 1.0}
	Sizes  = []int{128, 160, 192, 224}
)

// Name returns the conventional name of the variant, such as
// "mobilenet_v1_0.75_224" (alpha 0.5 is written "0.50", as published).
func (c Config) Name() string {
	return fmt.Sprintf("mobilenet_v1_%s_%d", AlphaString(c.Alpha), c.Size)
}

// AlphaString formats a width multiplier the way published model names do:
// "0.25", "0.50", "0.75", "1.0".
func AlphaString(alpha float64) string {
	if alpha == 1 {
		return "1.0"
	}
	return fmt.Sprintf("%.2f", alpha)
}

// Validate reports whether the configuration describes a network that can
// be built: a positive alpha of at most 4, a size that is a positive
// multiple of 32, and at least one class.
func (c Config) Validate() error {
	switch {
	case !(c.Alpha > 0 && c.Alpha <= 4) || math.IsNaN(c.Alpha):
		return fmt.Errorf("alpha %v out of range (0, 4]", c.Alpha)
	case c.Size < 32 || c.Size%32 != 0 || c.Size > 4096:
		return fmt.Errorf("input size %d is not a multiple of 32 between 32 and 4096", c.Size)
	case c.Classes < 1 || c.Classes > 1<<20:
		return fmt.Errorf("class count %d out of range", c.Classes)
	}
	return nil
}

// Width returns the number of channels a layer with base width base has at
// this alpha: int(alpha*base), as Keras computes it.
func (c Config) Width(base int) int {
	return int(c.Alpha * float64(base))
}

// LayerKind tells which operation a layer performs.
type LayerKind int

// The layer kinds of MobileNet V1, in network order.
const (
	// Conv is the standard 3x3 convolution on the RGB input.
	Conv LayerKind = iota
	// Depthwise is a 3x3 depthwise convolution.
	Depthwise
	// Pointwise is a 1x1 convolution across channels.
	Pointwise
	// Pool is the global average pool over the last feature map.
	Pool
	// Classifier is the final 1x1 convolution (fully connected) with bias.
	Classifier
)

// String returns the kind as the paper's Table 1 names it ("Conv dw").
func (k LayerKind) String() string {
	switch k {
	case Conv:
		return "Conv"
	case Depthwise:
		return "Conv dw"
	case Pointwise:
		return "Conv 1x1"
	case Pool:
		return "Avg Pool"
	case Classifier:
		return "FC"
	}
	return fmt.Sprintf("LayerKind(%d)", int(k))
}

// Layer describes one layer of the network: its kind, stride and the shapes
// of its input and output feature maps (NHWC, batch 1).
type Layer struct {
	// Name is the Keras layer name: conv1, conv_dw_N, conv_pw_N,
	// global_average_pooling2d_1 or conv_preds.
	Name   string
	Kind   LayerKind
	Stride int
	// Kernel is the spatial kernel side (3, 1, or the pooled size for Pool).
	Kernel              int
	InH, InW, InC       int
	OutH, OutW, OutC    int
	PadTop, PadLeft     int // TensorFlow SAME padding before the data
	PadBottom, PadRight int // and after it
}

// BlockStrides are the strides of the 13 depthwise-separable blocks.
var BlockStrides = [13]int{1, 2, 1, 2, 1, 2, 1, 1, 1, 1, 1, 2, 1}

// BlockChannels are the base output channels of the 13 pointwise layers.
var BlockChannels = [13]int{64, 128, 128, 256, 256, 512, 512, 512, 512, 512, 512, 1024, 1024}

// SamePadding returns TensorFlow's SAME padding for one spatial dimension:
// the output size and the padding before and after. When the total padding
// is odd the extra row or column goes after (bottom or right).
func SamePadding(in, kernel, stride int) (out, before, after int) {
	out = (in + stride - 1) / stride
	total := (out-1)*stride + kernel - in
	if total < 0 {
		total = 0
	}
	return out, total / 2, total - total/2
}

// Layers returns the layers of the network in order: the first convolution,
// 13 depthwise/pointwise pairs, the global average pool and the classifier.
// The configuration must be valid.
func (c Config) Layers() []Layer {
	layers := make([]Layer, 0, 2+2*13+2)
	conv := func(name string, kind LayerKind, k, stride, h, w, inC, outC int) Layer {
		oh, pt, pb := SamePadding(h, k, stride)
		ow, pl, pr := SamePadding(w, k, stride)
		return Layer{Name: name, Kind: kind, Stride: stride, Kernel: k,
			InH: h, InW: w, InC: inC, OutH: oh, OutW: ow, OutC: outC,
			PadTop: pt, PadLeft: pl, PadBottom: pb, PadRight: pr}
	}
	l := conv("conv1", Conv, 3, 2, c.Size, c.Size, 3, c.Width(32))
	layers = append(layers, l)
	for i := range 13 {
		dw := conv(fmt.Sprintf("conv_dw_%d", i+1), Depthwise, 3, BlockStrides[i], l.OutH, l.OutW, l.OutC, l.OutC)
		pw := conv(fmt.Sprintf("conv_pw_%d", i+1), Pointwise, 1, 1, dw.OutH, dw.OutW, dw.OutC, c.Width(BlockChannels[i]))
		layers = append(layers, dw, pw)
		l = pw
	}
	layers = append(layers,
		Layer{Name: "global_average_pooling2d_1", Kind: Pool, Stride: 1, Kernel: l.OutH,
			InH: l.OutH, InW: l.OutW, InC: l.OutC, OutH: 1, OutW: 1, OutC: l.OutC},
		Layer{Name: "conv_preds", Kind: Classifier, Stride: 1, Kernel: 1,
			InH: 1, InW: 1, InC: l.OutC, OutH: 1, OutW: 1, OutC: c.Classes})
	return layers
}

// MultAdds returns the multiply-accumulate operations of the layer, counted
// as in the MobileNet paper (pooling counts none).
func (l Layer) MultAdds() int64 {
	out := int64(l.OutH) * int64(l.OutW)
	switch l.Kind {
	case Conv:
		return out * int64(l.OutC) * int64(l.Kernel*l.Kernel*l.InC)
	case Depthwise:
		return out * int64(l.OutC) * int64(l.Kernel*l.Kernel)
	case Pointwise, Classifier:
		return out * int64(l.OutC) * int64(l.InC)
	}
	return 0
}

// Params returns the number of weights of the layer, counted as in the
// MobileNet paper: convolution kernels only, without BatchNorm parameters
// and without the classifier's bias (see Bias).
func (l Layer) Params() int64 {
	switch l.Kind {
	case Conv:
		return int64(l.Kernel*l.Kernel*l.InC) * int64(l.OutC)
	case Depthwise:
		return int64(l.Kernel*l.Kernel) * int64(l.OutC)
	case Pointwise, Classifier:
		return int64(l.InC) * int64(l.OutC)
	}
	return 0
}

// Bias returns the number of bias terms the layer has in the trained model
// (only the classifier has one; the others are folded from BatchNorm).
func (l Layer) Bias() int64 {
	if l.Kind == Classifier {
		return int64(l.OutC)
	}
	return 0
}

// OutLen returns the number of float32 values in the layer's output.
func (l Layer) OutLen() int { return l.OutH * l.OutW * l.OutC }

// InLen returns the number of float32 values in the layer's input.
func (l Layer) InLen() int { return l.InH * l.InW * l.InC }
