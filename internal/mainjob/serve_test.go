package mainjob

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestServeNamedAsGiven: the viewer's address is named in its warning
// and its errors as the user gave it: the cameras file's serve: (file
// and line) when it came from there, -serve when from the command line.
func TestServeNamedAsGiven(t *testing.T) {
	dir := t.TempDir()
	cams := filepath.Join(dir, "cams.yaml")
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	taken := busy.Addr().String()
	listen := func(config, serve, fileServe string) (string, error) {
		t.Helper()
		text := "serve: " + fileServe + "\ncameras:\n  - name: porch\n    source: rtsp://cam/porch\n"
		if err := os.WriteFile(cams, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		var log strings.Builder
		r := &Runner{f: &Settings{Config: config, Serve: serve}, stderr: &log}
		view, _, err := r.listenViewer()
		if view != nil {
			view.Close()
		}
		return log.String(), err
	}

	// From the file: its name, the line and the key.
	log, err := listen(cams, "0.0.0.0:0", "0.0.0.0:0")
	if err != nil {
		t.Fatal(err)
	}
	if want := "livecam: warning: " + cams + ": line 1: serve: 0.0.0.0:0 is reachable from other machines"; !strings.HasPrefix(log, want) {
		t.Errorf("warning:\n%s\nwant it to start %q", log, want)
	}
	if _, err := listen(cams, taken, taken); err == nil || !strings.HasPrefix(err.Error(), cams+": line 1: serve: "+taken+": ") {
		t.Errorf("an address in use, from the file: %v", err)
	}

	// From the command line (the file says another address, or there is
	// no file): -serve.
	for _, config := range []string{cams, ""} {
		log, err := listen(config, "0.0.0.0:0", "127.0.0.1:8080")
		if err != nil {
			t.Fatal(err)
		}
		if want := "livecam: warning: -serve 0.0.0.0:0 is reachable from other machines"; !strings.HasPrefix(log, want) {
			t.Errorf("config %q: warning:\n%s\nwant it to start %q", config, log, want)
		}
		if _, err := listen(config, taken, "127.0.0.1:8080"); err == nil || !strings.HasPrefix(err.Error(), "-serve "+taken+": ") {
			t.Errorf("config %q: an address in use, from -serve: %v", config, err)
		}
	}
}
