package profiling

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/livecam/livecam/sink/outfile"
)

// leftovers fails the test when a private folder is left in dir.
func leftovers(t *testing.T) {
	t.Helper()
	if m, _ := filepath.Glob(".livecam-profile-*"); len(m) != 0 {
		t.Errorf("left %v", m)
	}
}

func TestProfileWritten(t *testing.T) {
	t.Chdir(t.TempDir())
	for _, kind := range Kinds {
		stop, err := Start(kind, Options{})
		if err != nil {
			t.Fatalf("%s: %v", kind, err)
		}
		stop()
		if st, err := os.Stat(File(kind)); err != nil || st.Size() == 0 {
			t.Errorf("%s: %s: %v %v", kind, File(kind), st, err)
		}
	}
	leftovers(t)
}

func TestUnknownKind(t *testing.T) {
	t.Chdir(t.TempDir())
	if _, err := Start("heap", Options{}); !errors.Is(err, ErrUnknownKind) || !strings.Contains(err.Error(), `"heap"`) {
		t.Errorf("Start(heap): %v", err)
	}
	leftovers(t)
}

// TestOneAtATime: a second profile is refused (package profile would
// end the process) until the first stops.
func TestOneAtATime(t *testing.T) {
	t.Chdir(t.TempDir())
	stop, err := Start("mem", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Start("block", Options{}); !errors.Is(err, ErrRunning) {
		t.Errorf("a second Start: %v", err)
	}
	stop()
	second, err := Start("block", Options{})
	if err != nil {
		t.Fatalf("Start after stop: %v", err)
	}
	defer second()
	stop() // again: it must not end the second, nor free its place
	if _, err := Start("mutex", Options{}); !errors.Is(err, ErrRunning) {
		t.Errorf("a third Start while the second runs: %v", err)
	}
}

// TestNeverThroughLinks: a link in the profile's place is not replaced
// without Overwrite, nothing is created then, and with Overwrite the link
// itself is replaced, its target untouched; an input is never replaced.
func TestNeverThroughLinks(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	victim := filepath.Join(dir, "victim")
	os.WriteFile(victim, []byte("someone's file"), 0o644)
	if err := os.Symlink(victim, "cpu.pprof"); err != nil {
		t.Fatal(err)
	}
	_, err := Start("cpu", Options{Flag: "-profile cpu"})
	if !errors.Is(err, outfile.ErrExists) || !strings.HasPrefix(err.Error(), "-profile cpu writes cpu.pprof: exists") {
		t.Errorf("without Overwrite: %v", err)
	}
	leftovers(t)
	if _, err := Start("cpu", Options{Overwrite: true, Inputs: []string{victim}}); !errors.Is(err, outfile.ErrIsInput) {
		t.Errorf("an input in the profile's place: %v", err)
	}
	stop, err := Start("cpu", Options{Overwrite: true})
	if err != nil {
		t.Fatal(err)
	}
	stop()
	if got, _ := os.ReadFile(victim); string(got) != "someone's file" {
		t.Errorf("the link's target was replaced: %d bytes", len(got))
	}
	if st, err := os.Lstat("cpu.pprof"); err != nil || !st.Mode().IsRegular() || st.Size() == 0 {
		t.Errorf("cpu.pprof is not the profile: %v %v", st, err)
	}
	leftovers(t)
}

// TestMoveFailureKeepsIt: when the profile cannot move into place at the
// end (cpu.pprof became a folder that is not empty), the message says
// where the profile is, and it is there.
func TestMoveFailureKeepsIt(t *testing.T) {
	t.Chdir(t.TempDir())
	var msg strings.Builder
	stop, err := Start("cpu", Options{Overwrite: true, Flag: "-profile cpu",
		Logf: func(format string, a ...any) { fmt.Fprintf(&msg, format+"\n", a...) }})
	if err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(filepath.Join("cpu.pprof", "x"), 0o755)
	stop()
	m := regexp.MustCompile(`(?:\(it is in |the output is in )([^)\s]+)`).FindStringSubmatch(msg.String())
	if m == nil || !strings.Contains(msg.String(), "-profile cpu: ") {
		t.Fatalf("the message names no file: %q", msg.String())
	}
	if st, err := os.Stat(m[1]); err != nil || st.Size() == 0 {
		t.Errorf("the message names %s: %v %v", m[1], st, err)
	}
}
