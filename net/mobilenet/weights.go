package mobilenet

import (
	"fmt"
	"math"
)

// DefaultEpsilon is the BatchNorm epsilon Keras uses for MobileNet V1.
const DefaultEpsilon = 0.001

// TensorSpec names one weight tensor the architecture expects and its shape
// as Keras stores it (kernels are [kh, kw, in, out], depthwise kernels
// [kh, kw, channels, 1], BatchNorm vectors [channels]).
type TensorSpec struct {
	Name  string
	Shape []int
}

// Len returns the number of values in the tensor.
func (s TensorSpec) Len() int {
	n := 1
	for _, d := range s.Shape {
		n *= d
	}
	return n
}

// bnSuffixes are the four BatchNorm tensors of a layer, in the order Keras
// writes them.
var bnSuffixes = [4]string{"gamma", "beta", "moving_mean", "moving_variance"}

// TensorSpecs returns every weight tensor of the variant, in network order.
// The configuration must be valid.
func (c Config) TensorSpecs() []TensorSpec {
	var specs []TensorSpec
	bn := func(layer string, ch int) {
		for _, s := range bnSuffixes {
			specs = append(specs, TensorSpec{layer + "_bn/" + s, []int{ch}})
		}
	}
	for _, l := range c.Layers() {
		switch l.Kind {
		case Conv:
			specs = append(specs, TensorSpec{l.Name + "/kernel", []int{3, 3, l.InC, l.OutC}})
			bn(l.Name, l.OutC)
		case Depthwise:
			specs = append(specs, TensorSpec{l.Name + "/depthwise_kernel", []int{3, 3, l.InC, 1}})
			bn(l.Name, l.OutC)
		case Pointwise:
			specs = append(specs, TensorSpec{l.Name + "/kernel", []int{1, 1, l.InC, l.OutC}})
			bn(l.Name, l.OutC)
		case Classifier:
			specs = append(specs,
				TensorSpec{l.Name + "/kernel", []int{1, 1, l.InC, l.OutC}},
				TensorSpec{l.Name + "/bias", []int{l.OutC}})
		}
	}
	return specs
}

// Weights holds the trained parameters of a network as they are stored:
// unfolded convolution kernels and separate BatchNorm statistics. NewModel
// turns them into a Model that can run.
type Weights struct {
	// Config is the variant the tensors belong to.
	Config Config
	// Tensors maps each name of Config.TensorSpecs to its values, laid out
	// row-major in the spec's shape.
	Tensors map[string][]float32
	// Epsilon maps a BatchNorm layer name ("conv1_bn") to its epsilon; a
	// missing entry means DefaultEpsilon.
	Epsilon map[string]float64
	// Labels names the classes; nil when the model came without labels.
	Labels *Labels
	// SHA256 holds the SHA-256 of each file LoadWeights read (model.json
	// and the shards, by their path in the model folder), computed while
	// reading, so that a known model can be checked at no extra cost.
	SHA256 map[string][32]byte
}

// BatchNormEpsilon returns the epsilon of a BatchNorm layer ("conv1_bn"):
// its entry in Epsilon, or DefaultEpsilon.
func (w *Weights) BatchNormEpsilon(bnLayer string) float64 {
	if e, ok := w.Epsilon[bnLayer]; ok {
		return e
	}
	return DefaultEpsilon
}

// Check verifies that w holds exactly the tensors its Config needs, with the
// right lengths and only finite values.
func (w *Weights) Check() error {
	if err := w.Config.Validate(); err != nil {
		return err
	}
	specs := w.Config.TensorSpecs()
	for _, s := range specs {
		t, ok := w.Tensors[s.Name]
		if !ok {
			return fmt.Errorf("tensor %q missing", s.Name)
		}
		if len(t) != s.Len() {
			return fmt.Errorf("tensor %q has %d values, want %d for shape %v", s.Name, len(t), s.Len(), s.Shape)
		}
		if i := nonFinite(t); i >= 0 {
			return fmt.Errorf("tensor %q: value %d is %v", s.Name, i, t[i])
		}
	}
	if len(w.Tensors) != len(specs) {
		return fmt.Errorf("%d tensors, want %d", len(w.Tensors), len(specs))
	}
	if w.Labels != nil && w.Labels.Len() != w.Config.Classes {
		return fmt.Errorf("%d labels for %d classes", w.Labels.Len(), w.Config.Classes)
	}
	return nil
}

// nonFinite returns the index of the first NaN or infinite value, or -1.
func nonFinite(t []float32) int {
	for i, v := range t {
		if f := float64(v); math.IsNaN(f) || math.IsInf(f, 0) {
			return i
		}
	}
	return -1
}
