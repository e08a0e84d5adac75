//go:build amd64 && !purego

package pwconv

import (
	"sync/atomic"
	"testing"
)

// UseAMXModel makes the uint8 layers packed until the test ends run the
// AMX kernel's loop with its Go model (amxModel) instead of its assembly,
// on any CPU with AVX-512: how a whole network is checked on the amx
// path where there is no AMX. The model fails t on anything the hardware
// would refuse; it must run on t's goroutine (a runner of one thread).
// It returns the number of layer applications the model has run so far.
func UseAMXModel(t *testing.T) (applied func() int64) {
	if !amxModelRuns() {
		t.Skip("the AMX kernel's model needs AVX-512 with VNNI (its row sums, and the kernel of the layers it leaves), which every AMX CPU has")
	}
	var n atomic.Int64
	testU8Kernel = u8AMX
	amxTestModel = func(w *U8Weights, dst, src []uint8) (amxRunFunc, amxTileFunc) {
		n.Add(1)
		return amxModel(t, w, src, dst, nil)
	}
	t.Cleanup(func() { testU8Kernel, amxTestModel = nil, nil })
	return n.Load
}
