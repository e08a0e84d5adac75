package endline

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// TestReadEndNamedPipe: a named pipe where a results file is expected (a
// batch's output name taken by one) is not a finished results file, said
// at once: opening it to look would wait for a writer, maybe forever.
func TestReadEndNamedPipe(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.jsonl")
	if err := syscall.Mkfifo(path, 0o644); err != nil {
		t.Skipf("no named pipes here: %v", err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := ReadEnd(path)
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, ErrNoEnd) {
			t.Errorf("ReadEnd of a named pipe = %v, want ErrNoEnd", err)
		}
	case <-time.After(10 * time.Second):
		// Let the blocked open return, so that nothing is left behind.
		if w, err := os.OpenFile(path, os.O_WRONLY, 0); err == nil {
			w.Close()
		}
		<-done
		t.Fatal("ReadEnd of a named pipe is still waiting after 10 s")
	}
}
