package pwconv

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestGeneratedAssemblyCurrent regenerates the float32 and uint8 kernels'
// assembly from their generators and compares it with the committed
// files: an edit to either side without the other fails here.
func TestGeneratedAssemblyCurrent(t *testing.T) {
	for gen, file := range map[string]string{
		"gen_amd64.go": "kernel_amd64.s", "gen_arm64.go": "kernel_arm64.s",
		"gen_u8_amd64.go": "u8_amd64.s", "gen_u8_arm64.go": "u8_arm64.s",
	} {
		fresh := filepath.Join(t.TempDir(), file)
		cmd := exec.Command("go", "run", gen, "-o", fresh)
		cmd.Env = append(os.Environ(), "GOOS=", "GOARCH=") // run the generator on the host
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go run %s: %v\n%s", gen, err, out)
		}
		want, err := os.ReadFile(fresh)
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from what %s generates: run go generate ./net/pwconv", file, gen)
		}
	}
}
