package cameras

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestServeAddress: a bad serve: address is refused when the file is
// read, naming the file, the line and the key, never -serve; good ones
// pass.
func TestServeAddress(t *testing.T) {
	for _, tc := range []struct{ addr, want string }{
		{"8080", `cams.yaml: line 2: serve: "8080": want HOST:PORT, such as 127.0.0.1:8080`},
		{"127.0.0.1:80800", `cams.yaml: line 2: serve: "127.0.0.1:80800": port "80800": want a number from 0 to 65535`},
		{"localhost:nosuchport", `cams.yaml: line 2: serve: "localhost:nosuchport": port "nosuchport": want a number from 0 to 65535`},
		{"127.0.0.1:8080", ""},
		{":8080", ""},
		{"[::1]:0", ""},
	} {
		text := strings.Replace(good, "serve: 127.0.0.1:8080\n", "serve: \""+tc.addr+"\"\n", 1)
		_, err := Parse("cams.yaml", []byte(text))
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("serve %q refused: %v", tc.addr, err)
		case tc.want != "" && (err == nil || err.Error() != tc.want):
			t.Errorf("serve %q: error %v, want %s", tc.addr, err, tc.want)
		}
	}
}

// TestServeOrigin: a message about the viewer's address names the
// cameras file's serve: when the address is the file's, nothing when it
// is another (the command line's -serve).
func TestServeOrigin(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cams.yaml")
	if err := os.WriteFile(path, []byte(good), 0o644); err != nil {
		t.Fatal(err)
	}
	if got, want := ServeOrigin(path, "127.0.0.1:8080"), path+": line 2: serve"; got != want {
		t.Errorf("the file's address: %q, want %q", got, want)
	}
	if got := ServeOrigin(path, "0.0.0.0:9000"); got != "" {
		t.Errorf("another address: %q, want none", got)
	}
	if got := ServeOrigin("", "127.0.0.1:8080"); got != "" {
		t.Errorf("no file: %q, want none", got)
	}
}
