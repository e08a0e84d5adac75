// Package fmapeak measures a core's float32 fused multiply-add peak: the
// rate no float32 kernel can beat, against which the kernels of
// net/pwconv and the benchmarks of BENCHMARKS.md report their share.
//
// Each Loop is one instruction set's loop of 16 independent accumulators,
// each updated by one FMA per iteration with no load and no dependency
// between them (VFMADD231PS on ZMM for AVX-512 and on YMM for AVX2+FMA
// on amd64, FMLA on 4 lanes for NEON on arm64): enough in flight to fill
// every FMA unit of the cores we know (two units of four cycles' latency
// need eight). Loops returns the ones this CPU runs, widest first; a
// build with no assembly (another architecture, or the purego tag) has
// none. Timing is the caller's: a benchmark times Run(n) and divides
// n·FlopsPerIter by the time, interleaved with what it compares.
//
// Run writes only its own stack; any number of goroutines may call it.
package fmapeak

// Loop is one instruction set's FMA loop.
type Loop struct {
	// Name is the instruction set: "avx512", "avx2" or "neon", the names
	// of net/internal/kernelenv's paths whose kernels use it.
	Name string
	// FlopsPerIter is the floating-point operations of one iteration:
	// 2 per lane per FMA.
	FlopsPerIter int
	// kind is the loop runLoop runs: n iterations from zero accumulators,
	// storing all lanes of the 16 in order to out (lanes values).
	kind  int
	lanes int
}

// accumulators is the number of independent FMA chains of every loop.
const accumulators = 16

// Run runs n iterations of the loop and returns the sum of its
// accumulators, n·FlopsPerIter/8 (each FMA adds 0.5·0.5): the result
// depends on every FMA, so none can be skipped, and callers can check it.
func (l Loop) Run(n int) float32 {
	var out [accumulators * 16]float32
	runLoop(l.kind, n, &out[0])
	var s float32
	for _, v := range out[:l.lanes] {
		s += v
	}
	return s
}

// Loops returns the loops this CPU runs, widest first (empty without
// assembly).
func Loops() []Loop { return loops() }

// Lookup returns the loop called name, if this CPU runs it.
func Lookup(name string) (Loop, bool) {
	for _, l := range loops() {
		if l.Name == name {
			return l, true
		}
	}
	return Loop{}, false
}

func newLoop(name string, width, kind int) Loop {
	return Loop{Name: name, FlopsPerIter: 2 * width * accumulators, kind: kind, lanes: width * accumulators}
}
