package mobilenet_test

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/livecam/livecam/internal/randweights"
	"github.com/livecam/livecam/net/internal/kernelenv"
	"github.com/livecam/livecam/net/mobilenet"
)

// TestKernelsEnv: $LIVECAM_KERNELS chooses a float32 model's kernels by
// path name, in any case (the best float32 kernel below the path where
// it has none of its own), and a name of no path this CPU runs is an
// error from NewModel and KernelPath naming the value and the valid
// names, never a silent fallback. (The uint8 model and the graph:
// net/tflite's TestKernelsEnv.)
func TestKernelsEnv(t *testing.T) {
	w, err := randweights.New(randweights.Small, 1)
	if err != nil {
		t.Fatal(err)
	}
	var have []string
	for _, p := range kernelenv.Paths() {
		have = append(have, p.String())
	}
	for _, c := range []struct{ value, path, float, quant string }{
		{"Generic", "generic", "generic", "generic+generic"},
		{" generic ", "generic", "generic", "generic+generic"},
		{"AVX2", "avx2", "avx2", "avx2+avx2"},
		{"Avx512", "avx512", "avx512", "avx2+avx512"},
		{"avx512-vnni", "avx512-vnni", "avx512", "avx512-vnni+avx512"},
		{"avxvnni", "avxvnni", "avx2", "avxvnni+avx2"},
		{"avx-vnni", "avxvnni", "avx2", "avxvnni+avx2"},
		{"NEON", "neon", "neon", "neon+neon"},
		{"neon-dotprod", "neon-dotprod", "neon", "neon-dotprod+neon"},
		{"nosuch", "", "", ""},
		{"turbo", "", "", ""},
	} {
		t.Run(c.value, func(t *testing.T) {
			t.Setenv(kernelenv.Env, c.value)
			m, err := mobilenet.NewModel(w)
			path, fk, qk, perr := mobilenet.KernelPath()
			if !slices.Contains(have, c.path) {
				for what, err := range map[string]error{"NewModel": err, "KernelPath": perr} {
					if err == nil || !strings.Contains(err.Error(), kernelenv.Env+"="+c.value+":") || !strings.Contains(err.Error(), strings.Join(have, ", ")) {
						t.Errorf("%s: %v; want an error naming %q and the paths %v", what, err, c.value, have)
					}
				}
				return
			}
			if err != nil || perr != nil {
				t.Fatalf("NewModel: %v; KernelPath: %v", err, perr)
			}
			if m.KernelName() != c.float || path != c.path || fk != c.float || qk != c.quant {
				t.Errorf("model on %s; KernelPath %s, %s, %s; want %s on %s, %s", m.KernelName(), path, fk, qk, c.float, c.path, c.quant)
			}
		})
	}
	t.Setenv(kernelenv.Env, "")
	if path, _, _, err := mobilenet.KernelPath(); err != nil || path != have[0] {
		t.Errorf("LIVECAM_KERNELS unset: path %q, %v; want the fastest, %s", path, err, have[0])
	}
}

// $LIVECAM_KERNELS chooses one kernel path for every model, float32 and
// uint8 alike; KernelPath says which kernels it means, or why the value
// cannot be used (the error goes on to list this machine's paths).
func ExampleKernelPath() {
	old, set := os.LookupEnv("LIVECAM_KERNELS")
	defer func() {
		if set {
			os.Setenv("LIVECAM_KERNELS", old)
		} else {
			os.Unsetenv("LIVECAM_KERNELS")
		}
	}()
	os.Setenv("LIVECAM_KERNELS", "Generic")
	path, floatKernel, quantKernel, err := mobilenet.KernelPath()
	fmt.Println(path, floatKernel, quantKernel, err)

	os.Setenv("LIVECAM_KERNELS", "turbo")
	_, _, _, err = mobilenet.KernelPath()
	msg, _, _ := strings.Cut(err.Error(), ";")
	fmt.Println(msg)
	// Output:
	// generic generic generic+generic <nil>
	// LIVECAM_KERNELS=turbo: no such kernel path
}
