package pwconv

import (
	"runtime"
	"strings"
	"testing"

	"github.com/livecam/livecam/net/internal/kernelenv"
	"github.com/livecam/livecam/net/quant"
)

// availableKernels returns the float32 kernels this CPU's paths run, each
// once, fastest first, the portable one last.
func availableKernels() []*kernel {
	return kernelenv.Available(kernels, kernelName, kernelenv.Float)
}

// availableShapes returns every shape of the float32 kernels this CPU's
// paths run, not only the one shapeFor picks here: what the float tests
// run, so that a shape chosen only on another vendor's CPU is checked on
// this one too.
func availableShapes() []*kernel {
	var out []*kernel
	for _, k := range kernels {
		for _, a := range availableKernels() {
			if k.name == a.name {
				out = append(out, k)
				break
			}
		}
	}
	return out
}

// TestShapeChosenPerVendor: Pack uses the shape shapeFor picks for this
// CPU: the default (first) shape of its name, except on Intel, where each
// amd64 SIMD kernel has an Intel shape, which the AVX-512 kernel uses
// unless it pads N wider (N = 24).
func TestShapeChosenPerVendor(t *testing.T) {
	for _, p := range kernelenv.Paths() {
		def := kernelenv.Pick(kernels, kernelName, p, kernelenv.Float)
		for _, n := range []int{24, 96, 1000} {
			restore := kernelenv.Force(p)
			w, err := Pack(make([]float32, 8*n), nil, 8, n)
			restore()
			if err != nil {
				t.Fatal(err)
			}
			want := def
			if kernelenv.Vendor() == kernelenv.Intel && runtime.GOARCH == "amd64" && def != genericKernel && !(def.name == "avx512" && n == 24) {
				for _, k := range kernels {
					if k.name == def.name && k != def {
						want = k
					}
				}
				if want == def {
					t.Errorf("path %s: no Intel shape of %s", p, def.name)
				}
			}
			if w.kern != want {
				t.Errorf("path %s on %q, N=%d: shape %s, want %s", p, kernelenv.Vendor(), n, w.kern.shape, want.shape)
			}
			t.Logf("path %s on %q, N=%d: %s %s", p, kernelenv.Vendor(), n, w.kern.name, w.kern.shape)
		}
	}
	seen := map[string]bool{}
	for _, k := range kernels {
		if id := k.name + " " + k.shape; seen[id] || k.shape == "" {
			t.Errorf("kernel %q shape %q: empty or twice", k.name, k.shape)
		} else {
			seen[id] = true
		}
	}
}

// availableU8Kernels is availableKernels for the uint8 kernels.
func availableU8Kernels() []*u8Kernel {
	return kernelenv.Available(u8Kernels, u8KernelName, kernelenv.U8Pointwise)
}

// TestEveryPath: on every path this CPU runs, Pack and PackU8 use the
// kernels the path names, and this package has each of them.
func TestEveryPath(t *testing.T) {
	rq := quant.Requant{Multiplier: 1 << 30, Max: 255}
	var names []string
	for _, p := range kernelenv.Paths() {
		restore := kernelenv.Force(p)
		w, err := Pack(make([]float32, 8*8), nil, 8, 8)
		if err != nil {
			t.Fatal(err)
		}
		u, err := PackU8(make([]uint8, 16*16), 0, make([]int32, 16), 0, 16, 16, rq)
		restore()
		if err != nil {
			t.Fatal(err)
		}
		if w.kern.name != p.Kernel(kernelenv.Float) || u.kern.name != p.Kernel(kernelenv.U8Pointwise) {
			t.Errorf("path %s: kernels %s and %s, want %s and %s", p, w.kern.name, u.kern.name, p.Kernel(kernelenv.Float), p.Kernel(kernelenv.U8Pointwise))
		}
		names = append(names, p.String()+": "+w.kern.name+", "+u.kern.name)
	}
	t.Logf("paths on this CPU (float32, uint8 kernels): %s", strings.Join(names, "; "))
	if ks := availableKernels(); ks[len(ks)-1] != genericKernel {
		t.Error("the portable float32 kernel is not last")
	}
	if ks := availableU8Kernels(); ks[len(ks)-1] != u8GenericKernel {
		t.Error("the portable uint8 kernel is not last")
	}
}

// TestBadEnvRefused: a $LIVECAM_KERNELS naming no path is an error from
// both constructors, not a silent fallback.
func TestBadEnvRefused(t *testing.T) {
	t.Setenv(kernelenv.Env, "nosuch")
	_, err := Pack(make([]float32, 4), nil, 2, 2)
	if err == nil || !strings.Contains(err.Error(), "nosuch") || !strings.Contains(err.Error(), "generic") {
		t.Errorf("Pack: %v", err)
	}
	_, err = PackU8(make([]uint8, 4), 0, make([]int32, 2), 0, 2, 2, quant.Requant{Max: 255})
	if err == nil || !strings.Contains(err.Error(), "nosuch") || !strings.Contains(err.Error(), "generic") {
		t.Errorf("PackU8: %v", err)
	}
}
