package kernelenv

import "testing"

func TestPick(t *testing.T) {
	names := []string{"avx512", "avx2", "generic"}
	for want, i := range map[string]int{"": 0, "avx2": 1, " Generic ": 2, "neon": 0, "avx512": 0} {
		if got := Pick(names, want); got != i {
			t.Errorf("Pick(%q) = %d, want %d", want, got, i)
		}
	}
}
