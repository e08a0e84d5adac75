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

func TestChoose(t *testing.T) {
	ks := []int{512, 2, 0}
	name := func(k int) string { return map[int]string{512: "avx512", 2: "avx2", 0: "generic"}[k] }
	if got := Choose(ks, name, "avx2"); got != 2 {
		t.Errorf("Choose(avx2) = %d", got)
	}
	if got := Choose(ks, name, ""); got != 512 {
		t.Errorf("Choose() = %d, want the fastest", got)
	}
}
