package mobilenet

import (
	"fmt"

	"github.com/livecam/livecam/net/dwconv"
	"github.com/livecam/livecam/net/internal/kernelenv"
	"github.com/livecam/livecam/net/pwconv"
	"github.com/livecam/livecam/net/quant"
)

// QuantLayer is one convolution of a uint8 MobileNet V1 as a TFLite file
// holds it: raw weights and biases and the quantization of its input,
// weights and output.
type QuantLayer struct {
	// Weights are uint8: the first convolution [OutC][3][3][3] and the
	// pointwise and classifier layers [OutC][InC] (TFLite's OHWI), the
	// depthwise layers [3][3][C] (TFLite's 1HWC).
	Weights []uint8
	// Bias holds OutC int32 values with scale In.Scale·W.Scale, zero point 0.
	Bias       []int32
	In, W, Out quant.Params
	Activation quant.Activation
}

// QuantWeights is a uint8 MobileNet V1 as read from a file: Config.Layers()
// gives the geometry, Layers the 28 convolutions in order (the first
// convolution, 13 depthwise and pointwise pairs, the classifier), each
// with its quantization.
type QuantWeights struct {
	Config Config
	// Layers are the convolutions, in the order of Config.Layers()
	// without the pool.
	Layers []QuantLayer
	// Input is the input's quantization (Google's files: scale 1/128,
	// zero point 128, so the RGB bytes are the input as they are);
	// Logits the classifier's output, Output the softmax's.
	Input, Logits, Output quant.Params
	// Beta is the softmax's beta.
	Beta float32
	// Labels names the classes; nil for generic names.
	Labels *Labels
	// Name is the model's name ("mobilenet_v1_0.75_192_quant").
	Name string
}

// quantNet is the integer network of a quantized Model.
type quantNet struct {
	input, logits quant.Params
	output        quant.Params
	softmax       *quant.Softmax
	// Per layer of Model.layers: the packed first conv, pointwise and
	// classifier layers; the prepared depthwise layers.
	packed []*pwconv.U8Weights
	dw     []*dwconv.U8Weights
	xZero0 uint8 // the first layer's input zero point, its padding value
}

// NewQuantModel prepares a uint8 MobileNet V1 for the integer kernels of
// the kernel path (see KernelPath; a $LIVECAM_KERNELS naming no path this
// machine runs is an error). It checks every layer's shape and
// quantization; q is not modified and may be discarded afterwards.
func NewQuantModel(q *QuantWeights) (*Model, error) {
	path, err := kernelenv.Current()
	if err != nil {
		return nil, err
	}
	if err := q.Config.Validate(); err != nil {
		return nil, err
	}
	layers := q.Config.Layers()
	if len(q.Layers) != len(layers)-1 {
		return nil, fmt.Errorf("%d quantized convolutions, want %d", len(q.Layers), len(layers)-1)
	}
	labels, err := labelsFor(q.Labels, q.Config.Classes)
	if err != nil {
		return nil, err
	}
	name := q.Name
	if name == "" {
		name = q.Config.Name() + "_quant"
	}
	qn := &quantNet{input: q.Input, logits: q.Logits, output: q.Output,
		softmax: quant.NewSoftmax(q.Logits.Scale, q.Beta),
		packed:  make([]*pwconv.U8Weights, len(layers)), dw: make([]*dwconv.U8Weights, len(layers))}
	if q.Input.ZeroPoint < 0 || q.Input.ZeroPoint > 255 {
		return nil, fmt.Errorf("input zero point %d out of the uint8 range", q.Input.ZeroPoint)
	}
	qn.xZero0 = uint8(q.Input.ZeroPoint)
	m := &Model{cfg: q.Config, layers: layers, labels: labels, name: name, q: qn, path: path}
	k := 0
	prevOut := q.Input
	for i, l := range layers {
		m.maxAct = max(m.maxAct, l.OutLen(), l.InLen())
		if l.Kind == Pool {
			continue
		}
		ql := &q.Layers[k]
		k++
		if ql.In != prevOut {
			return nil, fmt.Errorf("%s: input quantization %+v differs from the previous output's %+v", l.Name, ql.In, prevOut)
		}
		prevOut = ql.Out
		rq, err := quant.NewRequant(ql.In, ql.W, ql.Out, ql.Activation)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", l.Name, err)
		}
		if len(ql.Bias) != l.OutC {
			return nil, fmt.Errorf("%s: %d biases for %d outputs", l.Name, len(ql.Bias), l.OutC)
		}
		switch l.Kind {
		case Conv, Pointwise, Classifier:
			kk := l.Kernel * l.Kernel * l.InC
			if len(ql.Weights) != kk*l.OutC {
				return nil, fmt.Errorf("%s: %d weights, want %d", l.Name, len(ql.Weights), kk*l.OutC)
			}
			w := ql.Weights
			if l.Kind == Conv {
				// im2col rows of a whole number of 4-byte groups: each
				// pixel's patch is followed by padding taps holding the
				// input's zero point, against weights holding theirs, so
				// they add nothing.
				kp := im2colRow(l)
				w = make([]uint8, kp*l.OutC)
				for j := range l.OutC {
					copy(w[j*kp:], ql.Weights[j*kk:(j+1)*kk])
					for i := kk; i < kp; i++ {
						w[j*kp+i] = uint8(ql.W.ZeroPoint)
					}
				}
				kk = kp
			}
			p, err := pwconv.PackU8(w, ql.W.ZeroPoint, ql.Bias, ql.In.ZeroPoint, kk, l.OutC, rq)
			if err != nil {
				return nil, fmt.Errorf("%s: %v", l.Name, err)
			}
			qn.packed[i] = p
		case Depthwise:
			if len(ql.Weights) != 9*l.OutC {
				return nil, fmt.Errorf("%s: %d weights, want %d", l.Name, len(ql.Weights), 9*l.OutC)
			}
			d, err := dwconv.PrepareU8(ql.Weights, ql.W.ZeroPoint, ql.Bias, ql.In.ZeroPoint, l.OutC, rq)
			if err != nil {
				return nil, fmt.Errorf("%s: %v", l.Name, err)
			}
			qn.dw[i] = d
		}
	}
	if q.Logits != prevOut {
		return nil, fmt.Errorf("logits quantization %+v differs from the classifier's output %+v", q.Logits, prevOut)
	}
	return m, nil
}

// Quantized reports whether the model runs on uint8 integer kernels
// (a quantized TFLite file) rather than float32 ones.
func (m *Model) Quantized() bool { return m.q != nil }

// Precision names the arithmetic of the forward pass: "float32" or "uint8".
func (m *Model) Precision() string {
	if m.q != nil {
		return "uint8"
	}
	return "float32"
}

// im2colRow returns the bytes of one im2col row of the first convolution:
// its k·k·c taps rounded up to a multiple of 4.
func im2colRow(l Layer) int { return (l.Kernel*l.Kernel*l.InC + 3) &^ 3 }
