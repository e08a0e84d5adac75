package mobilenet

import (
	"math"
	"testing"
)

func totals(c Config) (madds, params, pwM, pwP float64) {
	for _, l := range c.Layers() {
		madds += float64(l.MultAdds())
		params += float64(l.Params())
		if l.Kind == Pointwise {
			pwM += float64(l.MultAdds())
			pwP += float64(l.Params())
		}
	}
	return
}

// TestPaperFigures checks the architecture against the MobileNet paper's
// Tables 2, 6 and 7 (within 1%).
func TestPaperFigures(t *testing.T) {
	for _, tc := range []struct {
		alpha         float64
		size          int
		madds, params float64 // millions
	}{
		{1.0, 224, 569, 4.2}, {0.75, 224, 325, 2.6}, {0.5, 224, 149, 1.3}, {0.25, 224, 41, 0.5},
		{1.0, 192, 418, 4.2}, {1.0, 160, 290, 4.2}, {1.0, 128, 186, 4.2},
	} {
		c := Config{Alpha: tc.alpha, Size: tc.size, Classes: 1000}
		m, p, _, _ := totals(c)
		if math.Abs(m/1e6-tc.madds)/tc.madds > 0.01 {
			t.Errorf("%s: %.1fM mult-adds, paper %vM", c.Name(), m/1e6, tc.madds)
		}
		// The paper rounds parameters to 0.1M (0.5M for 0.47M).
		if math.Abs(p/1e6-tc.params) > 0.05 {
			t.Errorf("%s: %.2fM parameters, paper %vM", c.Name(), p/1e6, tc.params)
		}
	}
	m, p, pwM, pwP := totals(Config{Alpha: 1, Size: 224, Classes: 1000})
	if got := math.Round(1e4*pwM/m) / 100; got != 94.86 {
		t.Errorf("1x1 share of mult-adds %.2f%%, paper 94.86%%", got)
	}
	if got := math.Round(1e4*pwP/p) / 100; got != 74.59 {
		t.Errorf("1x1 share of parameters %.2f%%, paper 74.59%%", got)
	}
}

func TestSamePadding(t *testing.T) {
	for _, tc := range []struct{ in, k, s, out, before, after int }{
		{224, 3, 2, 112, 0, 1}, {112, 3, 1, 112, 1, 1}, {7, 3, 2, 4, 1, 1}, {14, 1, 1, 14, 0, 0}, {15, 3, 2, 8, 1, 1},
	} {
		out, b, a := SamePadding(tc.in, tc.k, tc.s)
		if out != tc.out || b != tc.before || a != tc.after {
			t.Errorf("SamePadding(%d,%d,%d) = %d,%d,%d; want %d,%d,%d", tc.in, tc.k, tc.s, out, b, a, tc.out, tc.before, tc.after)
		}
	}
}

func TestLayerShapes(t *testing.T) {
	ls := Config{Alpha: 0.75, Size: 224, Classes: 1000}.Layers()
	if len(ls) != 1+26+2 {
		t.Fatalf("%d layers", len(ls))
	}
	want := map[string][3]int{"conv1": {112, 112, 24}, "conv_pw_1": {112, 112, 48}, "conv_dw_2": {56, 56, 48},
		"conv_pw_6": {14, 14, 384}, "conv_pw_13": {7, 7, 768}, "conv_preds": {1, 1, 1000}}
	for _, l := range ls {
		if w, ok := want[l.Name]; ok && (l.OutH != w[0] || l.OutW != w[1] || l.OutC != w[2]) {
			t.Errorf("%s: output %dx%dx%d, want %v", l.Name, l.OutH, l.OutW, l.OutC, w)
		}
	}
}

func TestConfigValidate(t *testing.T) {
	for _, bad := range []Config{{0, 224, 1000}, {0.75, 100, 1000}, {0.75, 0, 1000}, {0.75, 224, 0}, {math.NaN(), 224, 10}} {
		if bad.Validate() == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
	if err := DefaultConfig.Validate(); err != nil {
		t.Error(err)
	}
	if DefaultConfig.Name() != "mobilenet_v1_0.75_224" || (Config{Alpha: 0.5, Size: 128}).Name() != "mobilenet_v1_0.50_128" {
		t.Error("Name does not follow the published names")
	}
}
