package kernelenv

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"sync/atomic"
)

// Env is the environment variable that chooses the kernel path.
const Env = "LIVECAM_KERNELS"

// Kind is a family of kernels: a precision and a layer type.
type Kind int

const (
	// Float is the float32 pointwise and depthwise kernels (one name for
	// both on every path).
	Float Kind = iota
	// U8Pointwise is the uint8 1x1 convolution (net/pwconv's PackU8).
	U8Pointwise
	// U8Depthwise is the uint8 3x3 depthwise convolution (net/dwconv's
	// PrepareU8).
	U8Depthwise
	numKinds
)

// pathDef is one row of an architecture's table.
type pathDef struct {
	name string
	// kernels names the kernel of each Kind on this path: itself a path
	// name, of this path or of one whose features are a subset of this
	// path's (TestTables checks it), so that a CPU that runs the path runs
	// every kernel it picks.
	kernels [numKinds]string
	// features are what the CPU must have (cpuHas), all of them.
	features []string
	// needs says it in words, for the docs and the errors.
	needs string
}

// tables are the paths of each architecture with SIMD kernels, slowest
// first; the first is always the portable one. A path is a set of
// requirements, not a rung of a ladder: a CPU runs every path whose
// features it has (an AVX-512 core without VNNI runs avx512 but not
// avxvnni, an AVX-VNNI core without AVX-512 runs avxvnni but not
// avx512), and the fastest of them is the default.
var tables = map[string][]pathDef{
	"amd64": {
		genericDef,
		{"avx2", [numKinds]string{"avx2", "avx2", "avx2"}, []string{"avx2"}, "AVX2 and FMA"},
		{"avxvnni", [numKinds]string{"avx2", "avxvnni", "avx2"}, []string{"avx2", "avxvnni"}, "AVX2, FMA and AVX-VNNI"},
		{"avx512", [numKinds]string{"avx512", "avx2", "avx512"}, []string{"avx2", "avx512"}, "AVX-512 F, BW and VL, and AVX2, FMA"},
		{"avx512-vnni", [numKinds]string{"avx512", "avx512-vnni", "avx512"}, []string{"avx2", "avx512", "avx512vnni", "bmi2"}, "AVX-512 F, BW, VL and VNNI, BMI2"},
		{"amx", [numKinds]string{"avx512", "amx", "avx512"}, []string{"avx2", "avx512", "avx512vnni", "bmi2", "amx"}, "AMX-TILE and AMX-INT8 granted by Linux 5.16+, AVX-512 F, BW, VL and VNNI, BMI2"},
	},
	"arm64": {
		genericDef,
		{"neon", [numKinds]string{"neon", "neon", "neon"}, []string{"asimd"}, "ARMv8.0 ASIMD (every arm64 core)"},
		{"neon-dotprod", [numKinds]string{"neon", "neon-dotprod", "neon"}, []string{"asimd", "asimddp"}, "the dot-product extension (UDOT)"},
	},
}

var genericDef = pathDef{"generic", [numKinds]string{"generic", "generic", "generic"}, nil, "nothing (portable Go)"}

// table is this build's architecture's.
var table = tableOf(runtime.GOARCH)

func tableOf(arch string) []pathDef {
	if t, ok := tables[arch]; ok {
		return t
	}
	return []pathDef{genericDef}
}

// runs reports whether a CPU with the features has says yes to runs path d.
func (d pathDef) runs(has func(feature string) bool) bool {
	for _, f := range d.features {
		if !has(f) {
			return false
		}
	}
	return true
}

// Path is a kernel path of this build's architecture. The zero Path is
// the portable one.
type Path uint8

// String returns the path's name, such as "avx512-vnni".
func (p Path) String() string { return table[p].name }

// Kernel returns the name of the kernel of kind k on path p (the name
// of the path whose kernel it is).
func (p Path) Kernel(k Kind) string { return table[p].kernels[k] }

// Paths returns the paths this CPU runs, fastest first; the last is
// always the portable one.
func Paths() []Path { return pathsOn(table, cpuHas) }

// pathsOn returns the paths of t that a CPU with the features has says
// yes to runs, fastest first.
func pathsOn(t []pathDef, has func(feature string) bool) []Path {
	var ps []Path
	for i := len(t) - 1; i > 0; i-- {
		if t[i].runs(has) {
			ps = append(ps, Path(i))
		}
	}
	return append(ps, 0)
}

// Lookup returns the path value names (case-insensitive, spaces around it
// trimmed, "_" read as "-" and dashes optional: avx512_vnni and
// avx512vnni are avx512-vnni, avx-vnni is avxvnni, but "avx512 vnni"
// names nothing): the fastest when value is empty. A name of no
// path this CPU runs is an error naming the value and the valid names.
func Lookup(value string) (Path, error) {
	want := strings.ReplaceAll(strings.ToLower(strings.TrimSpace(value)), "_", "-")
	if want == "" {
		return Paths()[0], nil
	}
	// Only the named path's features are looked at, so that naming one
	// path asks nothing of the OS for another (AMX's tile state).
	why := "no such kernel path"
	for i, d := range table {
		if !sameName(d.name, want) {
			continue
		}
		if d.runs(cpuHas) {
			return Path(i), nil
		}
		why = "this machine cannot run it (it needs " + d.needs + ")"
		for _, f := range d.features {
			if w := whyNot(f); w != "" && !cpuHas(f) {
				why = "this machine cannot run it: " + w
			}
		}
	}
	ps := Paths()
	names := make([]string, len(ps))
	for i, p := range ps {
		names[i] = p.String()
	}
	return 0, fmt.Errorf("%s=%s: %s; choose one of %s (or unset it for the fastest)", Env, value, why, strings.Join(names, ", "))
}

// sameName reports whether want (lower case, "_" already read as "-")
// names the path called name, with or without its dashes: avx-vnni is
// avxvnni, avx512vnni is avx512-vnni.
func sameName(name, want string) bool {
	return name == want || strings.ReplaceAll(name, "-", "") == strings.ReplaceAll(want, "-", "")
}

// forced is Force's path plus one; 0 when none is forced.
var forced atomic.Uint32

// Current returns the path the kernels of a model built now run on: the
// one Force set, else the one $LIVECAM_KERNELS names (Lookup), read at
// each call so that every model constructor reports a bad value.
func Current() (Path, error) {
	if f := forced.Load(); f != 0 {
		return Path(f - 1), nil
	}
	return Lookup(os.Getenv(Env))
}

// Force makes Current return p (one of Paths()) until restore is called:
// the hook by which tests compare paths in one process, building a model
// on each. It is global: a model built meanwhile by another goroutine
// gets p too, so tests that Force must not run in parallel.
func Force(p Path) (restore func()) {
	if int(p) >= len(table) || !table[p].runs(cpuHas) {
		panic(fmt.Sprintf("kernelenv: Force(%d): not a path this CPU runs", p))
	}
	prev := forced.Swap(uint32(p) + 1)
	return func() { forced.Store(prev) }
}

// Pick returns the kernel of ks (a kernel package's list of its kernels
// of kind k) whose name is p.Kernel(k). A package that lacks a kernel its
// table names is a bug, which panics (each package's tests check every
// path).
func Pick[K any](ks []K, name func(K) string, p Path, k Kind) K {
	want := p.Kernel(k)
	for _, kern := range ks {
		if name(kern) == want {
			return kern
		}
	}
	panic(fmt.Sprintf("kernelenv: path %s needs kernel %q, which this package lacks", p, want))
}

// Available returns the kernels of ks that the paths of this CPU pick,
// each once, fastest first (the last is the portable one): what tests and
// benchmarks run.
func Available[K comparable](ks []K, name func(K) string, k Kind) []K {
	var out []K
	seen := map[K]bool{}
	for _, p := range Paths() {
		if kern := Pick(ks, name, p, k); !seen[kern] {
			seen[kern] = true
			out = append(out, kern)
		}
	}
	return out
}
