package kernelenv

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
)

// TestLookup: names are case-insensitive, empty means the fastest, and a
// name of no path this CPU runs is an error naming the value and every
// valid name.
func TestLookup(t *testing.T) {
	ps := Paths()
	if p, err := Lookup(""); err != nil || p != ps[0] {
		t.Errorf(`Lookup("") = %v, %v; want the fastest, %v`, p, err, ps[0])
	}
	for _, p := range ps {
		vs := []string{p.String(), strings.ToUpper(p.String()), " " + strings.ReplaceAll(p.String(), "-", "_") + "\n", strings.ReplaceAll(p.String(), "-", "")}
		if p.String() == "avxvnni" {
			vs = append(vs, "avx-vnni", "AVX_VNNI")
		}
		for _, v := range vs {
			if got, err := Lookup(v); err != nil || got != p {
				t.Errorf("Lookup(%q) = %v, %v; want %v", v, got, err, p)
			}
		}
	}
	if p, err := Lookup("Generic"); err != nil || p != 0 || p.String() != "generic" {
		t.Errorf(`Lookup("Generic") = %v, %v`, p, err)
	}
	var names []string
	for _, p := range ps {
		names = append(names, p.String())
	}
	bad := []string{"nosuch", "fast", "avx512+avx2"}
	for i, d := range table {
		if !slices.Contains(ps, Path(i)) {
			bad = append(bad, d.name) // a path this CPU lacks
		}
	}
	for _, v := range bad {
		_, err := Lookup(v)
		if err == nil {
			t.Errorf("Lookup(%q): no error", v)
			continue
		}
		msg := err.Error()
		if !strings.Contains(msg, Env+"="+v+":") || !strings.Contains(msg, strings.Join(names, ", ")) {
			t.Errorf("Lookup(%q): %q does not name the value and the choices %v", v, msg, names)
		}
	}
}

// TestPaths: fastest first, each once, the portable one last.
func TestPaths(t *testing.T) {
	ps := Paths()
	if ps[len(ps)-1] != 0 || ps[len(ps)-1].String() != "generic" {
		t.Errorf("Paths() = %v: the portable path is not last", ps)
	}
	for i := 1; i < len(ps); i++ {
		if ps[i] >= ps[i-1] {
			t.Errorf("Paths() = %v: not fastest first", ps)
		}
	}
	t.Logf("paths on this CPU: %v", ps)
}

// TestTables: every table starts with the portable path, which needs
// nothing; every kernel a path picks is a path of the table whose
// features are a subset of the path's own, so a CPU that runs the path
// runs its kernels (whatever the table's order); and every kernel name
// is a path name (the names livecam version prints are accepted).
func TestTables(t *testing.T) {
	for arch, tb := range tables {
		if tb[0].name != "generic" || len(tb[0].features) != 0 {
			t.Errorf("%s: first path %s needs %v", arch, tb[0].name, tb[0].features)
		}
		for _, d := range tb {
			for k := range numKinds {
				got := d.kernels[k]
				i := slices.IndexFunc(tb, func(e pathDef) bool { return e.name == got })
				if i < 0 {
					t.Errorf("%s: path %s, kind %d: kernel %q is not a path", arch, d.name, k, got)
					continue
				}
				for _, f := range tb[i].features {
					if !slices.Contains(d.features, f) {
						t.Errorf("%s: path %s, kind %d: kernel %s needs %s, which the path does not", arch, d.name, k, got, f)
					}
				}
			}
		}
	}
	for _, c := range []struct {
		arch, path string
		k          Kind
		want       string
	}{
		{"amd64", "avx512-vnni", Float, "avx512"},
		{"amd64", "avx512-vnni", U8Pointwise, "avx512-vnni"},
		{"amd64", "avx512-vnni", U8Depthwise, "avx512"},
		{"amd64", "avx512", U8Pointwise, "avx2"},
		{"amd64", "avx512", U8Depthwise, "avx512"},
		{"amd64", "avxvnni", Float, "avx2"},
		{"amd64", "avxvnni", U8Pointwise, "avxvnni"},
		{"amd64", "avxvnni", U8Depthwise, "avx2"},
		{"amd64", "avx2", Float, "avx2"},
		{"amd64", "generic", U8Pointwise, "generic"},
		{"arm64", "neon-dotprod", Float, "neon"},
		{"arm64", "neon-dotprod", U8Pointwise, "neon-dotprod"},
		{"arm64", "neon-dotprod", U8Depthwise, "neon"},
		{"arm64", "neon", U8Pointwise, "neon"},
		{"riscv64", "generic", Float, "generic"},
	} {
		tb := tableOf(c.arch)
		i := slices.IndexFunc(tb, func(d pathDef) bool { return d.name == c.path })
		if i < 0 || tb[i].kernels[c.k] != c.want {
			t.Errorf("%s %s kind %d: want %q", c.arch, c.path, c.k, c.want)
		}
	}
}

// render writes the tables as the package documents them.
func render(arch string) string {
	var b strings.Builder
	row := func(cols ...string) {
		fmt.Fprintf(&b, "%-14s%-10s%-14s%-22s%s\n", cols[0], cols[1], cols[2], cols[3], cols[4])
	}
	row(arch, "float32", "uint8 1x1", "uint8 3x3 depthwise", "the CPU needs")
	tb := tableOf(arch)
	for i := len(tb) - 1; i >= 0; i-- {
		row(tb[i].name, tb[i].kernels[Float], tb[i].kernels[U8Pointwise], tb[i].kernels[U8Depthwise], tb[i].needs)
	}
	return b.String()
}

// TestDocumentedTable: the table in this package's documentation and in
// net/mobilenet's is the one the code holds.
func TestDocumentedTable(t *testing.T) {
	for _, file := range []string{"doc.go", "../../mobilenet/doc.go"} {
		src, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var doc strings.Builder
		for _, l := range strings.Split(string(src), "\n") {
			doc.WriteString(strings.TrimPrefix(strings.TrimPrefix(l, "//"), "\t") + "\n")
		}
		for _, arch := range []string{"amd64", "arm64"} {
			if want := render(arch); !strings.Contains(doc.String(), want) {
				t.Errorf("%s does not hold the %s table as the code has it:\n%s", file, arch, want)
			}
		}
	}
}

// TestForce: a forced path wins over the environment until restored.
func TestForce(t *testing.T) {
	t.Setenv(Env, "nosuch")
	if _, err := Current(); err == nil {
		t.Fatal("Current with LIVECAM_KERNELS=nosuch: no error")
	}
	ps := Paths()
	restore := Force(ps[len(ps)-1])
	if p, err := Current(); err != nil || p.String() != "generic" {
		t.Errorf("forced generic: Current() = %v, %v", p, err)
	}
	restore()
	if _, err := Current(); err == nil {
		t.Error("after restore: no error")
	}
	t.Setenv(Env, "GENERIC")
	if p, err := Current(); err != nil || p != 0 {
		t.Errorf("LIVECAM_KERNELS=GENERIC: Current() = %v, %v", p, err)
	}
	defer func() {
		if recover() == nil {
			t.Error("Force of a path past the table did not panic")
		}
	}()
	Force(Path(len(table)))
}

// TestPick: each path picks the kernel its table names; Available lists
// each once, fastest first.
func TestPick(t *testing.T) {
	var all []string
	for _, d := range table {
		if d.kernels[U8Pointwise] != "" {
			all = append(all, d.kernels[U8Pointwise])
		}
	}
	id := func(s string) string { return s }
	for _, p := range Paths() {
		if got := Pick(all, id, p, U8Pointwise); got != p.Kernel(U8Pointwise) {
			t.Errorf("Pick(%v) = %s", p, got)
		}
	}
	av := Available(all, id, U8Pointwise)
	if av[len(av)-1] != "generic" || len(av) > len(Paths()) {
		t.Errorf("Available = %v", av)
	}
	func() {
		defer func() {
			if recover() == nil {
				t.Error("Pick with no such kernel did not panic")
			}
		}()
		Pick([]string{"other"}, id, Paths()[0], Float)
	}()
}
