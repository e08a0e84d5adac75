//go:build amd64 && !purego

package kernelenv

import (
	"slices"
	"strings"
	"testing"

	"golang.org/x/sys/cpu"
)

// TestPathsFollowCPU: the amd64 paths are there exactly when the CPU has
// their features.
func TestPathsFollowCPU(t *testing.T) {
	x := cpu.X86
	avx2 := x.HasAVX2 && x.HasFMA
	avx512 := avx2 && x.HasAVX512F && x.HasAVX512BW && x.HasAVX512VL
	want := map[string]bool{
		"generic":     true,
		"avx2":        avx2,
		"avxvnni":     avx2 && x.HasAVXVNNI,
		"avx512":      avx512,
		"avx512-vnni": avx512 && x.HasAVX512VNNI && x.HasBMI2,
		"amx":         avx512 && x.HasAVX512VNNI && x.HasBMI2 && amxOK(),
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

// TestPathsOnFakeCPUs: on the x86 cores people own, the paths are those
// whose features the core has, and no path picks a kernel whose
// instructions the core lacks: an AVX-512 core without VNNI never gets
// the AVX-VNNI kernel, an AVX-VNNI core without AVX-512 never gets an
// AVX-512 one.
func TestPathsOnFakeCPUs(t *testing.T) {
	tb := tableOf("amd64")
	haswell := x86Features{avx2: true, fma: true, bmi2: true}
	skylakeX := haswell
	skylakeX.avx512f, skylakeX.avx512bw, skylakeX.avx512vl = true, true, true
	cascade := skylakeX
	cascade.avx512vnni = true
	n100 := haswell
	n100.avxvnni = true
	sapphire := cascade
	sapphire.avxvnni = true
	sapphireAMX := sapphire
	sapphireAMX.amx = func() bool { return true }
	for _, c := range []struct {
		cpu  string
		x    x86Features
		want []string
	}{
		{"none", x86Features{}, []string{"generic"}},
		{"AVX2 without FMA", x86Features{avx2: true, avxvnni: true}, []string{"generic"}},
		{"Haswell", haswell, []string{"avx2", "generic"}},
		{"Skylake-X", skylakeX, []string{"avx512", "avx2", "generic"}},
		{"Cascade Lake", cascade, []string{"avx512-vnni", "avx512", "avx2", "generic"}},
		{"N100", n100, []string{"avxvnni", "avx2", "generic"}},
		{"Sapphire Rapids, Linux without AMX", sapphire, []string{"avx512-vnni", "avx512", "avxvnni", "avx2", "generic"}},
		{"Sapphire Rapids", sapphireAMX, []string{"amx", "avx512-vnni", "avx512", "avxvnni", "avx2", "generic"}},
	} {
		var got []string
		for _, p := range pathsOn(tb, c.x.has) {
			got = append(got, tb[p].name)
			for k := range numKinds {
				kern := tb[p].kernels[k]
				i := slices.IndexFunc(tb, func(d pathDef) bool { return d.name == kern })
				if i < 0 || !tb[i].runs(c.x.has) {
					t.Errorf("%s: path %s picks kernel %s of kind %d, which this CPU cannot run", c.cpu, tb[p].name, kern, k)
				}
			}
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("%s: paths %v, want %v", c.cpu, got, c.want)
		}
	}
}

func amxOK() bool { ok, _ := amxState(); return ok }

// TestAMXAskedOnlyWhenNeeded: naming another path asks nothing about AMX
// (its tile state is requested of Linux on the first question), listing
// the paths or naming amx does, and an amx this machine cannot run is an
// error that says why.
func TestAMXAskedOnlyWhenNeeded(t *testing.T) {
	saved := thisX86
	defer func() { thisX86 = saved }()
	asked := 0
	// A CPU with every other feature of the amx path, so that listing the
	// paths gets as far as asking about AMX whatever this machine has.
	thisX86 = x86Features{avx2: true, fma: true, avx512f: true, avx512bw: true, avx512vl: true, avx512vnni: true, bmi2: true,
		amx: func() bool { asked++; return false }}
	if _, err := Lookup("generic"); err != nil || asked != 0 {
		t.Errorf("Lookup(generic): %v, AMX asked %d times", err, asked)
	}
	Paths()
	if asked == 0 {
		t.Error("Paths() did not ask about AMX")
	}
	thisX86 = saved
	if !amxOK() {
		_, why := amxState()
		if _, err := Lookup("amx"); err == nil || !strings.Contains(err.Error(), why) {
			t.Errorf("Lookup(amx) on a machine without it: %v; want the reason %q", err, why)
		}
	}
}
