// Package randweights makes MobileNet V1 weights of any variant from a
// seed, for the tests and benchmarks of variants whose real weights the
// project does not have. It is not part of livecam's API.
package randweights

import (
	"math"
	"math/rand/v2"

	"github.com/livecam/livecam/net/mobilenet"
)

// New returns weights of the right shapes for cfg, drawn from a
// generator seeded with seed: He-scaled kernels and BatchNorm statistics
// that keep activations in ReLU6's working range. They stand in for the
// real weights of variants the tests do not have.
func New(cfg mobilenet.Config, seed uint64) (*mobilenet.Weights, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(seed, 0x6c697665636d))
	uniform := func(lo, hi float64) float32 { return float32(lo + (hi-lo)*rng.Float64()) }
	w := &mobilenet.Weights{Config: cfg, Tensors: map[string][]float32{}, Epsilon: map[string]float64{}}
	for _, s := range cfg.TensorSpecs() {
		t := make([]float32, s.Len())
		switch {
		case len(s.Shape) == 4:
			fanIn := s.Shape[0] * s.Shape[1] * s.Shape[2]
			if s.Shape[3] == 1 { // depthwise: one 3x3 filter per channel
				fanIn = s.Shape[0] * s.Shape[1]
			}
			std := math.Sqrt(2 / float64(fanIn))
			for i := range t {
				t[i] = float32(rng.NormFloat64() * std)
			}
		default:
			lo, hi := -0.5, 0.5
			switch s.Name[len(s.Name)-len("gamma"):] {
			case "gamma":
				lo, hi = 0.5, 1.5
			case "iance": // moving_variance
				lo, hi = 0.5, 2
			}
			for i := range t {
				t[i] = uniform(lo, hi)
			}
		}
		w.Tensors[s.Name] = t
	}
	for _, l := range cfg.Layers() {
		if l.Kind == mobilenet.Conv || l.Kind == mobilenet.Depthwise || l.Kind == mobilenet.Pointwise {
			w.Epsilon[l.Name+"_bn"] = mobilenet.DefaultEpsilon
		}
	}
	return w, nil
}

// Small is the variant the tests use when the weights do not matter: alpha
// 0.25 at 128x128 with 10 classes ("class 0" ... "class 9"), fast to run.
var Small = mobilenet.Config{Alpha: 0.25, Size: 128, Classes: 10}

// Model returns a runnable model of cfg with weights drawn from seed.
func Model(cfg mobilenet.Config, seed uint64) (*mobilenet.Model, error) {
	w, err := New(cfg, seed)
	if err != nil {
		return nil, err
	}
	return mobilenet.NewModel(w)
}
