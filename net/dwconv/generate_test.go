package dwconv

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestGeneratedAssemblyCurrent regenerates dwconv_arm64.s and u8_arm64.s
// from their generators and compares them with the committed files.
func TestGeneratedAssemblyCurrent(t *testing.T) {
	for gen, file := range map[string]string{"gen_arm64.go": "dwconv_arm64.s", "gen_u8_arm64.go": "u8_arm64.s"} {
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
			t.Errorf("%s differs from what %s generates: run go generate ./net/dwconv", file, gen)
		}
	}
}
