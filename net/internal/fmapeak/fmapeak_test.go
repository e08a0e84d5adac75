package fmapeak

import (
	"runtime"
	"testing"

	"golang.org/x/sys/cpu"
)

// TestRunCountsEveryFMA: every accumulator of every loop, all its lanes,
// got 0.25 per iteration, so a loop that skips an iteration or an
// accumulator, or stores fewer lanes, fails.
func TestRunCountsEveryFMA(t *testing.T) {
	for _, l := range Loops() {
		for _, n := range []int{0, 1, 7, 1000} {
			var out [accumulators * 16]float32
			for i := range out {
				out[i] = -1
			}
			runLoop(l.kind, n, &out[0])
			for i, v := range out[:l.lanes] {
				if v != float32(n)/4 {
					t.Fatalf("%s, %d iterations: lane %d = %v, want %v", l.Name, n, i, v, float32(n)/4)
				}
			}
			if got, want := l.Run(n), float32(n*l.FlopsPerIter/8); got != want {
				t.Errorf("%s: Run(%d) = %v, want %v", l.Name, n, got, want)
			}
		}
	}
}

// TestRunAllocatesNothing: a benchmark's timed loop stays free of the
// allocator.
func TestRunAllocatesNothing(t *testing.T) {
	for _, l := range Loops() {
		if a := testing.AllocsPerRun(10, func() { l.Run(100) }); a != 0 {
			t.Errorf("%s: Run allocates %v times", l.Name, a)
		}
	}
}

// TestLoopsOfThisCPU: the loops are the ones this CPU has, widest first.
func TestLoopsOfThisCPU(t *testing.T) {
	var want []string
	switch runtime.GOARCH {
	case "amd64":
		if cpu.X86.HasAVX512F {
			want = append(want, "avx512")
		}
		if cpu.X86.HasAVX2 && cpu.X86.HasFMA {
			want = append(want, "avx2")
		}
	case "arm64":
		want = []string{"neon"}
	}
	ls := Loops()
	if purego := len(ls) == 0 && len(want) > 0; purego {
		t.Skip("built without assembly (purego)")
	}
	if len(ls) != len(want) {
		t.Fatalf("%d loops, want %v", len(ls), want)
	}
	for i, l := range ls {
		if l.Name != want[i] {
			t.Errorf("loop %d is %s, want %s", i, l.Name, want[i])
		}
		if _, ok := Lookup(l.Name); !ok {
			t.Errorf("Lookup(%q) finds nothing", l.Name)
		}
	}
	if _, ok := Lookup("nosuch"); ok {
		t.Error(`Lookup("nosuch") finds a loop`)
	}
}

// BenchmarkPeak reports each loop's GFLOP/s: one core's FMA peak.
func BenchmarkPeak(b *testing.B) {
	for _, l := range Loops() {
		b.Run(l.Name, func(b *testing.B) {
			const iters = 1 << 16
			for range b.N {
				l.Run(iters)
			}
			b.ReportMetric(float64(iters*l.FlopsPerIter)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}
