package pwconv

import "fmt"

// PanelWidth is the number of output channels in one packed weight panel.
const PanelWidth = 16

// Activation selects the function applied to each output value.
type Activation int

const (
	// Linear leaves the value as it is (the classifier).
	Linear Activation = iota
	// ReLU6 clamps the value to [0, 6].
	ReLU6
)

// Weights holds a K×N weight matrix and its bias, packed for Apply.
type Weights struct {
	K, N int
	// panels holds ceil(N/PanelWidth) panels of K×PanelWidth values;
	// element (k, n) lives at panels[(n/PW)*K*PW + k*PW + n%PW].
	panels []float32
	// bias has N values, zero-padded to a multiple of PanelWidth.
	bias []float32
}

// Pack packs w, a row-major K×N matrix (Keras' [1,1,K,N] kernel), and bias
// (N values, or nil for none) into panels. It copies; w and bias may be
// reused afterwards.
func Pack(w, bias []float32, k, n int) (*Weights, error) {
	if k < 1 || n < 1 || len(w) != k*n {
		return nil, fmt.Errorf("pwconv: %d weights for a %d×%d matrix", len(w), k, n)
	}
	if bias != nil && len(bias) != n {
		return nil, fmt.Errorf("pwconv: %d biases for %d outputs", len(bias), n)
	}
	np := (n + PanelWidth - 1) / PanelWidth
	p := &Weights{K: k, N: n, panels: make([]float32, np*k*PanelWidth), bias: make([]float32, np*PanelWidth)}
	for kk := range k {
		for j := range n {
			p.panels[(j/PanelWidth)*k*PanelWidth+kk*PanelWidth+j%PanelWidth] = w[kk*n+j]
		}
	}
	copy(p.bias, bias)
	return p, nil
}

// At returns the weight at row k, column n, for tests and inspection.
func (w *Weights) At(k, n int) float32 {
	return w.panels[(n/PanelWidth)*w.K*PanelWidth+k*PanelWidth+n%PanelWidth]
}

// Bias returns the bias of output n.
func (w *Weights) Bias(n int) float32 { return w.bias[n] }

// Apply computes rows [m0, m1) of dst = act(src·W + bias), where src holds
// at least m1 rows of K values and dst at least m1 rows of N values, both
// row-major. Rows outside the range are not touched.
func (w *Weights) Apply(dst, src []float32, m0, m1 int, act Activation) {
	if m0 >= m1 {
		return
	}
	if len(src) < m1*w.K || len(dst) < m1*w.N || m0 < 0 {
		panic(fmt.Sprintf("pwconv: rows [%d,%d) out of range of src (%d) or dst (%d) for K=%d N=%d", m0, m1, len(src), len(dst), w.K, w.N))
	}
	applyGeneric(w, dst, src, m0, m1, act == ReLU6)
}
