package pwconv

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestGeneratedAssemblyCurrent regenerates kernel_amd64.s from
// gen_amd64.go and compares it with the committed file: an edit to either
// without the other fails here.
func TestGeneratedAssemblyCurrent(t *testing.T) {
	fresh := filepath.Join(t.TempDir(), "kernel_amd64.s")
	if out, err := exec.Command("go", "run", "gen_amd64.go", "-o", fresh).CombinedOutput(); err != nil {
		t.Fatalf("go run gen_amd64.go: %v\n%s", err, out)
	}
	want, err := os.ReadFile(fresh)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("kernel_amd64.s")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("kernel_amd64.s differs from what gen_amd64.go generates: run go generate ./net/pwconv")
	}
}
