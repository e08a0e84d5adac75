package pwconv

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestGeneratedAssemblyCurrent regenerates kernel_amd64.s and
// kernel_arm64.s from their generators and compares them with the
// committed files: an edit to either side without the other fails here.
func TestGeneratedAssemblyCurrent(t *testing.T) {
	for _, arch := range []string{"amd64", "arm64"} {
		fresh := filepath.Join(t.TempDir(), "kernel_"+arch+".s")
		cmd := exec.Command("go", "run", "gen_"+arch+".go", "-o", fresh)
		cmd.Env = append(os.Environ(), "GOOS=", "GOARCH=") // run the generator on the host
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go run gen_%s.go: %v\n%s", arch, err, out)
		}
		want, err := os.ReadFile(fresh)
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile("kernel_" + arch + ".s")
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("kernel_%s.s differs from what gen_%s.go generates: run go generate ./net/pwconv", arch, arch)
		}
	}
}
