package net_test

import (
	"fmt"
	"testing"

	"github.com/livecam/livecam/net"
)

func BenchmarkForward(b *testing.B) {
	m := realModel(b)
	for _, threads := range []int{1, 2} {
		b.Run(fmt.Sprintf("%s/threads=%d", m.Name(), threads), func(b *testing.B) {
			r := m.NewRunner(threads)
			defer r.Close()
			input := make([]float32, m.InputLen())
			logits := make([]float32, m.Classes())
			b.ReportAllocs()
			for b.Loop() {
				if err := r.Forward(logits, input); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func TestForwardAllocatesNothing(t *testing.T) {
	w, err := net.RandomWeights(net.Config{Alpha: 0.25, Size: 128, Classes: 10}, 1)
	if err != nil {
		t.Fatal(err)
	}
	m, err := net.NewModel(w)
	if err != nil {
		t.Fatal(err)
	}
	for _, threads := range []int{1, 2} {
		r := m.NewRunner(threads)
		input := make([]float32, m.InputLen())
		logits := make([]float32, m.Classes())
		if n := testing.AllocsPerRun(20, func() { _ = r.Forward(logits, input) }); n != 0 {
			t.Errorf("%d threads: %v allocations per Forward, want 0", threads, n)
		}
		r.Close()
	}
}
