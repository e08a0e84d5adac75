package tflite_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/livecam/livecam/internal/testrig/shareddata"
	"github.com/livecam/livecam/net/internal/kernelenv"
	"github.com/livecam/livecam/net/mobilenet"
	"github.com/livecam/livecam/net/tflite"
)

// kernelPath is a kernel path and the uint8 kernels it runs
// (pointwise+depthwise, as Graph.KernelName names them).
type kernelPath struct {
	name string
	path kernelenv.Path
}

func pathOf(p kernelenv.Path) kernelPath {
	return kernelPath{p.Kernel(kernelenv.U8Pointwise) + "+" + p.Kernel(kernelenv.U8Depthwise), p}
}

// allKernelPaths are every kernel path of this CPU, fastest first.
func allKernelPaths() []kernelPath {
	var kps []kernelPath
	for _, p := range kernelenv.Paths() {
		kps = append(kps, pathOf(p))
	}
	return kps
}

// kernelPaths are the paths of this CPU with a uint8 pointwise kernel of
// their own, fastest first: between them they run every uint8 kernel of
// both packages. The others (the avx512 path: AVX2's pointwise kernel
// with AVX-512's depthwise one) pair kernels these already run; the
// cheap tests (TestGraphMixedOperators, TestEveryLayerOfTench) run them
// too, through allKernelPaths. With -short (make test, and the race and
// qemu runs of make check) only the default path runs: the full run of
// make check has the others.
func kernelPaths() []kernelPath {
	if testing.Short() {
		p, err := kernelenv.Current()
		if err != nil {
			panic(err) // TestKernelsEnv names the bad value
		}
		return []kernelPath{pathOf(p)}
	}
	var kps []kernelPath
	for _, p := range kernelenv.Paths() {
		if p.Kernel(kernelenv.U8Pointwise) == p.String() {
			kps = append(kps, pathOf(p))
		}
	}
	return kps
}

// defaultPath is the path models are built on when the test does not
// choose: $LIVECAM_KERNELS's or the fastest.
func defaultPath(tb testing.TB) kernelPath {
	p, err := kernelenv.Current()
	if err != nil {
		tb.Fatal(err)
	}
	return pathOf(p)
}

// TestKernelPathsCoverEveryKernel: the paths the expensive tests run
// cover every uint8 kernel the CPU's paths select.
func TestKernelPathsCoverEveryKernel(t *testing.T) {
	if testing.Short() {
		t.Skip("-short runs the default path only")
	}
	var all, covered []string
	for _, kp := range allKernelPaths() {
		all = append(all, "pw "+kp.path.Kernel(kernelenv.U8Pointwise), "dw "+kp.path.Kernel(kernelenv.U8Depthwise))
	}
	for _, kp := range kernelPaths() {
		covered = append(covered, "pw "+kp.path.Kernel(kernelenv.U8Pointwise), "dw "+kp.path.Kernel(kernelenv.U8Depthwise))
	}
	for _, k := range all {
		if !slices.Contains(covered, k) {
			t.Errorf("kernel %s runs on no path of kernelPaths() %v", k, kernelPaths())
		}
	}
}

// TestKernelsEnv: $LIVECAM_KERNELS means the same for a uint8 model, a
// graph and their loaders: a path name, in any case, chooses that path's
// kernels (the best below it where a precision has none of its own); a
// name of no path this CPU runs is an error naming the value and the
// valid names, never a silent fallback to the portable kernels.
func TestKernelsEnv(t *testing.T) {
	const name = "mobilenet_v1_0.25_128_quant"
	file := shareddata.Path(t, "models", "tflite", name+".tflite")
	f, err := tflite.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var have []string
	for _, p := range kernelenv.Paths() {
		have = append(have, p.String())
	}
	for _, c := range []struct{ value, path, model, graph string }{
		{"Generic", "generic", "generic", "generic+generic"},
		{"AVX2", "avx2", "avx2", "avx2+avx2"},
		{"avx512", "avx512", "avx2", "avx2+avx512"},
		{"avx512-vnni", "avx512-vnni", "avx512-vnni", "avx512-vnni+avx512"},
		{"AVX512_VNNI", "avx512-vnni", "avx512-vnni", "avx512-vnni+avx512"},
		{"avxvnni", "avxvnni", "avxvnni", "avxvnni+avx2"},
		{"AVX-VNNI", "avxvnni", "avxvnni", "avxvnni+avx2"},
		{"neon", "neon", "neon", "neon+neon"},
		{"NEON-DOTPROD", "neon-dotprod", "neon-dotprod", "neon-dotprod+neon"},
		{"nosuch", "", "", ""},
		{"avx2,generic", "", "", ""},
	} {
		t.Run(c.value, func(t *testing.T) {
			t.Setenv(kernelenv.Env, c.value)
			q, err := f.MobileNet()
			if err != nil {
				t.Fatal(err)
			}
			m, errModel := mobilenet.NewQuantModel(q)
			g, errGraph := f.Plan()
			_, errLoad := tflite.Load(file, nil)
			_, errLoadGraph := tflite.LoadGraph(file)
			if !slices.Contains(have, c.path) {
				for what, err := range map[string]error{"NewQuantModel": errModel, "Plan": errGraph, "Load": errLoad, "LoadGraph": errLoadGraph} {
					if err == nil || !strings.Contains(err.Error(), kernelenv.Env+"="+c.value+":") || !strings.Contains(err.Error(), strings.Join(have, ", ")) {
						t.Errorf("%s: %v; want an error naming %q and the paths %v", what, err, c.value, have)
					}
				}
				return
			}
			for what, err := range map[string]error{"NewQuantModel": errModel, "Plan": errGraph, "Load": errLoad, "LoadGraph": errLoadGraph} {
				if err != nil {
					t.Fatalf("%s: %v", what, err)
				}
			}
			if m.KernelName() != c.model || g.KernelName() != c.graph {
				t.Errorf("the model runs %s, the graph %s; want %s and %s", m.KernelName(), g.KernelName(), c.model, c.graph)
			}
		})
	}
}
