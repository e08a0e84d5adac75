//go:build amd64 && !purego

package kernelenv

import (
	"slices"
	"testing"

	"golang.org/x/sys/cpu"
)

// TestPathsFollowCPU: the amd64 paths are there exactly when the CPU has
// their features.
func TestPathsFollowCPU(t *testing.T) {
	x := cpu.X86
	want := map[string]bool{
		"generic":     true,
		"avx2":        x.HasAVX2 && x.HasFMA,
		"avx512":      x.HasAVX2 && x.HasFMA && x.HasAVX512F && x.HasAVX512BW && x.HasAVX512VL,
		"avx512-vnni": x.HasAVX2 && x.HasFMA && x.HasAVX512F && x.HasAVX512BW && x.HasAVX512VL && x.HasAVX512VNNI && x.HasBMI2,
	}
	var got []string
	for _, p := range Paths() {
		got = append(got, p.String())
	}
	for name, has := range want {
		if slices.Contains(got, name) != has {
			t.Errorf("path %s listed: %v; the CPU runs it: %v", name, !has, has)
		}
	}
}
