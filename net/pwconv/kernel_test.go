package pwconv

import (
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
