package mobilenet_test

import (
	"fmt"
	"math"
	"testing"

	"github.com/livecam/livecam/internal/randweights"
	"github.com/livecam/livecam/net/mobilenet"
	"github.com/livecam/livecam/net/tfjs"
)

// referenceForward runs the network straight from unfolded weights in
// float64: direct convolutions, BatchNorm as a separate step, then ReLU6.
// It shares no code with the Model it checks.
func referenceForward(w *mobilenet.Weights, input []float32) []float64 {
	cfg := w.Config
	h := cfg.Size
	act := make([]float64, len(input))
	for i, v := range input {
		act[i] = float64(v)
	}
	c := 3
	bnRelu := func(name string, x []float64, ch int) {
		g, b := w.Tensors[name+"_bn/gamma"], w.Tensors[name+"_bn/beta"]
		mu, v := w.Tensors[name+"_bn/moving_mean"], w.Tensors[name+"_bn/moving_variance"]
		eps := mobilenet.DefaultEpsilon
		if e, ok := w.Epsilon[name+"_bn"]; ok {
			eps = e
		}
		for i := range x {
			k := i % ch
			y := (x[i]-float64(mu[k]))/math.Sqrt(float64(v[k])+eps)*float64(g[k]) + float64(b[k])
			x[i] = math.Min(math.Max(y, 0), 6)
		}
	}
	// conv3 is a direct 3x3 convolution; depthwise when groups == channels.
	conv3 := func(x []float64, h, c, outC, stride int, k []float32, depthwise bool) ([]float64, int) {
		oh := (h + stride - 1) / stride
		pad := max((oh-1)*stride+3-h, 0) / 2
		out := make([]float64, oh*oh*outC)
		for oy := range oh {
			for ox := range oh {
				for co := range outC {
					s := 0.0
					for ky := range 3 {
						for kx := range 3 {
							iy, ix := oy*stride-pad+ky, ox*stride-pad+kx
							if iy < 0 || iy >= h || ix < 0 || ix >= h {
								continue
							}
							if depthwise {
								s += x[(iy*h+ix)*c+co] * float64(k[(ky*3+kx)*c+co])
								continue
							}
							for ci := range c {
								s += x[(iy*h+ix)*c+ci] * float64(k[((ky*3+kx)*c+ci)*outC+co])
							}
						}
					}
					out[(oy*oh+ox)*outC+co] = s
				}
			}
		}
		return out, oh
	}
	pointwise := func(x []float64, pixels, c, outC int, k []float32) []float64 {
		out := make([]float64, pixels*outC)
		for p := range pixels {
			for co := range outC {
				s := 0.0
				for ci := range c {
					s += x[p*c+ci] * float64(k[ci*outC+co])
				}
				out[p*outC+co] = s
			}
		}
		return out
	}
	outC := cfg.Width(32)
	act, h = conv3(act, h, c, outC, 2, w.Tensors["conv1/kernel"], false)
	c = outC
	bnRelu("conv1", act, c)
	for i := range 13 {
		name := fmt.Sprint(i + 1)
		act, h = conv3(act, h, c, c, mobilenet.BlockStrides[i], w.Tensors["conv_dw_"+name+"/depthwise_kernel"], true)
		bnRelu("conv_dw_"+name, act, c)
		outC = cfg.Width(mobilenet.BlockChannels[i])
		act = pointwise(act, h*h, c, outC, w.Tensors["conv_pw_"+name+"/kernel"])
		c = outC
		bnRelu("conv_pw_"+name, act, c)
	}
	pooled := make([]float64, c)
	for p := range h * h {
		for k := range c {
			pooled[k] += act[p*c+k] / float64(h*h)
		}
	}
	logits := pointwise(pooled, 1, c, cfg.Classes, w.Tensors["conv_preds/kernel"])
	for k, b := range w.Tensors["conv_preds/bias"] {
		logits[k] += float64(b)
	}
	return logits
}

func randomInput(n int, seed uint32) []float32 {
	in := make([]float32, n)
	x := seed
	for i := range in {
		x = x*1664525 + 1013904223
		in[i] = float32(x>>8)/float32(1<<24)*2 - 1
	}
	return in
}

// TestVariantsMatchReference builds every width and a range of input
// sizes from generated weights, round-trips them through the TF.js format,
// and compares the forward pass with the float64 reference.
func TestVariantsMatchReference(t *testing.T) {
	cases := []mobilenet.Config{
		{Alpha: 0.25, Size: 128, Classes: 1000},
		{Alpha: 0.5, Size: 160, Classes: 1000},
		{Alpha: 0.75, Size: 192, Classes: 37},
		{Alpha: 1.0, Size: 224, Classes: 1000},
		{Alpha: 1.0, Size: 96, Classes: 5},
		{Alpha: 0.25, Size: 32, Classes: 3},
	}
	if testing.Short() {
		cases = cases[:2]
	}
	for i, cfg := range cases {
		t.Run(cfg.Name(), func(t *testing.T) {
			w, err := randweights.New(cfg, uint64(i))
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			if err := tfjs.Save(dir, w); err != nil {
				t.Fatal(err)
			}
			m, err := tfjs.Load(dir)
			if err != nil {
				t.Fatal(err)
			}
			if m.Config() != cfg {
				t.Fatalf("loaded config %+v, want %+v", m.Config(), cfg)
			}
			input := randomInput(m.InputLen(), uint32(i))
			want := referenceForward(w, input)
			// The test is only as strong as the signal that reaches the
			// classifier: the logits must move well away from the bias.
			spread := 0.0
			for k, b := range w.Tensors["conv_preds/bias"] {
				spread = max(spread, math.Abs(want[k]-float64(b)))
			}
			if spread < 0.1 {
				t.Fatalf("generated network is degenerate: logits within %v of the bias", spread)
			}
			t.Logf("logits move up to %.3g from the bias", spread)
			for _, threads := range []int{1, 2, 3} {
				r := m.NewRunner(threads)
				got := make([]float32, cfg.Classes)
				if err := r.Forward(got, input); err != nil {
					t.Fatal(err)
				}
				r.Close()
				for k := range want {
					if d := math.Abs(float64(got[k]) - want[k]); d > 1e-3*max(1, math.Abs(want[k])) || math.IsNaN(d) {
						t.Fatalf("%d threads: logit %d = %v, reference %v", threads, k, got[k], want[k])
					}
				}
			}
		})
	}
}
