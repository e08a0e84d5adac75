package kernelenv

import (
	"strings"
	"testing"
)

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

func TestCheck(t *testing.T) {
	names := []string{"avx2", "generic"}
	for want, ok := range map[string]bool{"": true, "avx2": true, " GENERIC": true, "avx512": false, "neon": false, "fast": false} {
		err := check(names, want)
		if (err == nil) != ok {
			t.Errorf("check(%q) = %v", want, err)
		}
		if err != nil && (!strings.Contains(err.Error(), "avx2, generic") || !strings.Contains(err.Error(), want)) {
			t.Errorf("check(%q): %v does not name the value and the choices", want, err)
		}
	}
}
