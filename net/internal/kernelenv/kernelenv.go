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
	// kernels names the kernel of each Kind at exactly this path; "" for
	// none (the one below is used).
	kernels [numKinds]string
	// needs says what the CPU must have, for the docs and the errors.
	needs string
}

// tables are the paths of each architecture with SIMD kernels, slowest
// first; the first is always the portable one. cpuHas says which a CPU
// runs.
var tables = map[string][]pathDef{
	"amd64": {
		genericDef,
		{"avx2", [numKinds]string{"avx2", "avx2", "avx2"}, "AVX2 and FMA"},
		{"avx512", [numKinds]string{"avx512", "", "avx512"}, "AVX-512 F, BW and VL, and AVX2, FMA"},
		{"avx512-vnni", [numKinds]string{"", "avx512-vnni", ""}, "AVX-512 F, BW, VL and VNNI, BMI2"},
	},
	"arm64": {
		genericDef,
		{"neon", [numKinds]string{"neon", "neon", "neon"}, "ARMv8.0 ASIMD (every arm64 core)"},
		{"neon-dotprod", [numKinds]string{"", "neon-dotprod", ""}, "the dot-product extension (UDOT)"},
	},
}

var genericDef = pathDef{"generic", [numKinds]string{"generic", "generic", "generic"}, "nothing (portable Go)"}

// table is this build's architecture's.
var table = tableOf(runtime.GOARCH)

func tableOf(arch string) []pathDef {
	if t, ok := tables[arch]; ok {
		return t
	}
	return []pathDef{genericDef}
}

// Path is a kernel path of this build's architecture. The zero Path is
// the portable one.
type Path uint8

// String returns the path's name, such as "avx512-vnni".
func (p Path) String() string { return table[p].name }

// Kernel returns the name of the kernel of kind k on path p: the one at
// exactly p, or the best below it.
func (p Path) Kernel(k Kind) string { return kernelOf(table, int(p), k) }

func kernelOf(t []pathDef, i int, k Kind) string {
	for ; i > 0 && t[i].kernels[k] == ""; i-- {
	}
	return t[i].kernels[k]
}

// Paths returns the paths this CPU runs, fastest first; the last is
// always the portable one.
func Paths() []Path {
	var ps []Path
	for i := len(table) - 1; i > 0; i-- {
		if cpuHas(table[i].name) {
			ps = append(ps, Path(i))
		}
	}
	return append(ps, 0)
}

// Lookup returns the path value names (case-insensitive, spaces around it
// trimmed, "_" read as "-": avx512_vnni is avx512-vnni, but "avx512 vnni"
// names nothing): the fastest when value is empty. A name of no
// path this CPU runs is an error naming the value and the valid names.
func Lookup(value string) (Path, error) {
	want := strings.ReplaceAll(strings.ToLower(strings.TrimSpace(value)), "_", "-")
	ps := Paths()
	if want == "" {
		return ps[0], nil
	}
	for _, p := range ps {
		if p.String() == want {
			return p, nil
		}
	}
	why := "no such kernel path"
	for _, d := range table {
		if d.name == want {
			why = "this machine cannot run it (it needs " + d.needs + ")"
		}
	}
	names := make([]string, len(ps))
	for i, p := range ps {
		names[i] = p.String()
	}
	return 0, fmt.Errorf("%s=%s: %s; choose one of %s (or unset it for the fastest)", Env, value, why, strings.Join(names, ", "))
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
	if int(p) >= len(table) || (p != 0 && !cpuHas(table[p].name)) {
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
