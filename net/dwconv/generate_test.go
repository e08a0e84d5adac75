package dwconv

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestGeneratedAssemblyCurrent regenerates dwconv_arm64.s from
// gen_arm64.go and compares it with the committed file.
func TestGeneratedAssemblyCurrent(t *testing.T) {
	fresh := filepath.Join(t.TempDir(), "dwconv_arm64.s")
	cmd := exec.Command("go", "run", "gen_arm64.go", "-o", fresh)
	cmd.Env = append(os.Environ(), "GOOS=", "GOARCH=") // run the generator on the host
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go run gen_arm64.go: %v\n%s", err, out)
	}
	want, err := os.ReadFile(fresh)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("dwconv_arm64.s")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("dwconv_arm64.s differs from what gen_arm64.go generates: run go generate ./net/dwconv")
	}
}
