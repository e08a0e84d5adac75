package runctl

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"syscall"
	"testing"

	"github.com/livecam/livecam/sink/video"
)

// TestIsDiskFull: a full disk is known by the errors' identity, never by
// their text: a file named "no space left on device.avi" that is not a
// video is not a full disk.
func TestIsDiskFull(t *testing.T) {
	named := "/videos/no space left on device.avi"
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{nil, false},
		{errors.New("no space left on device"), false},
		{fmt.Errorf("%s: not a video", named), false},
		{&fs.PathError{Op: "open", Path: named, Err: syscall.ENOENT}, false},
		{fmt.Errorf("%s: %s", named, video.ErrDiskFull), false}, // the text, not the error
		{&fs.PathError{Op: "write", Path: "out.jsonl", Err: syscall.ENOSPC}, true},
		{&fs.PathError{Op: "write", Path: "out.jsonl", Err: syscall.EDQUOT}, true},
		{fmt.Errorf("out.mp4: %w", video.ErrDiskFull), true},
		{&DiskFullError{Err: errors.New("results: short write")}, true},
		{errors.Join(errors.New("x"), fmt.Errorf("a: %w", &DiskFullError{Err: errors.New("y")})), true},
	} {
		if got := IsDiskFull(tc.err); got != tc.want {
			t.Errorf("IsDiskFull(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}

func TestDiskFullError(t *testing.T) {
	enospc := &fs.PathError{Op: "write", Path: "r.jsonl", Err: syscall.ENOSPC}
	e := &DiskFullError{Err: enospc}
	if got, want := e.Error(), "disk full: write r.jsonl: no space left on device"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if !errors.Is(e, syscall.ENOSPC) {
		t.Error("a DiskFullError does not unwrap to its error")
	}
	said := fmt.Errorf("out.mp4: %w: 120 KiB left", video.ErrDiskFull)
	if got := (&DiskFullError{Err: said}).Error(); got != said.Error() {
		t.Errorf("Error() = %q: says disk full twice", got)
	}
}

func TestStopError(t *testing.T) {
	var err error = &StopError{At: "at 0:04.9 of 0:24"}
	if got, want := err.Error(), "stopped at 0:04.9 of 0:24 by a signal: the outputs were not finished"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if got, want := (&StopError{}).Error(), "stopped by signal: not every source was finished"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	var s interface{ ExitStatus() int }
	if !errors.As(fmt.Errorf("batch: %w", err), &s) || s.ExitStatus() != QuitStatus {
		t.Errorf("a wrapped StopError has no exit status %d", QuitStatus)
	}
}

func TestStopRequested(t *testing.T) {
	sigs := make(chan os.Signal, 1)
	if StopRequested(sigs) {
		t.Error("a stop with no signal")
	}
	sigs <- os.Interrupt
	if !StopRequested(sigs) {
		t.Error("a signal was not seen")
	}
	if StopRequested(sigs) {
		t.Error("one signal was seen twice")
	}
}
