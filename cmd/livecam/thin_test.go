package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// maxFuncLines is the most lines a function of the command may take,
// from its func line to its closing brace: anything longer is logic that
// belongs in a package of its own, where it can be tested without the
// command.
const maxFuncLines = 60

// maxLines is the most lines the command's non-test files may hold in
// all (wc -l): issue 22 asked for "under about 1,500" once what runs a
// job moved to internal/mainjob. A command that grows past it has logic
// to move out, not a budget to raise.
const maxLines = 1500

// tooLongYet are the functions still over maxFuncLines while their
// owners move the logic out ("runner.prepare": true). The list must only
// shrink: never add to it. (Empty since step 2 of issue 22.)
var tooLongYet = map[string]bool{}

// TestCommandStaysThin keeps cmd/livecam a command that parses flags and
// wires packages: it fails when a function of its non-test files runs
// over maxFuncLines, or the files hold more than maxLines in all.
func TestCommandStaysThin(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	total, count := 0, 0
	var long []string
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		count++
		total += strings.Count(string(src), "\n")
		f, err := parser.ParseFile(fset, name, src, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok {
				continue
			}
			n := fset.Position(fn.End()).Line - fset.Position(fn.Pos()).Line + 1
			if n > maxFuncLines && !tooLongYet[funcName(fn)] {
				long = append(long, fset.Position(fn.Pos()).String()+": "+funcName(fn)+": "+strconv.Itoa(n)+" lines")
			}
		}
	}
	sort.Strings(long)
	for _, l := range long {
		t.Errorf("%s (at most %d: move the logic into a package)", l, maxFuncLines)
	}
	if total > maxLines {
		t.Errorf("cmd/livecam: %d lines in %d non-test files, at most %d: move the logic into a package", total, count, maxLines)
	}
	t.Logf("cmd/livecam: %d lines in %d non-test files", total, count)
}

// funcName is fn's name, with its receiver's type for a method
// ("runner.prepare").
func funcName(fn *ast.FuncDecl) string {
	if fn.Recv == nil || len(fn.Recv.List) == 0 {
		return fn.Name.Name
	}
	typ := fn.Recv.List[0].Type
	if star, ok := typ.(*ast.StarExpr); ok {
		typ = star.X
	}
	if id, ok := typ.(*ast.Ident); ok {
		return id.Name + "." + fn.Name.Name
	}
	return fn.Name.Name
}
