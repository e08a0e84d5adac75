package runctl

import (
	"errors"
	"os"
	"syscall"

	"github.com/livecam/livecam/sink/video"
)

// StopError is a run that a stop signal cut short before its sources
// ended: its outputs keep their partial names (see package outfile), so
// that nothing cut short passes for whole, and a rerun does it again.
// Its exit status is QuitStatus, as for a run quit by a second signal:
// the work is not done.
type StopError struct {
	// At says where a file source stopped ("at 0:04.9 of 0:24"); ""
	// for a run of several sources (a batch, cameras).
	At string
}

// Error says the run was stopped, and where.
func (e *StopError) Error() string {
	if e.At == "" {
		return "stopped by signal: not every source was finished"
	}
	return "stopped " + e.At + " by a signal: the outputs were not finished"
}

// ExitStatus is the exit status of a run cut short by a signal.
func (e *StopError) ExitStatus() int { return QuitStatus }

// DiskFullError is a run whose outputs' disk filled up: no further source
// of a batch is started (IsDiskFull reports it).
type DiskFullError struct {
	// Err is the run's error, which ran out of space.
	Err error
}

// Error is Err's message, said to be a full disk.
func (e *DiskFullError) Error() string {
	if errors.Is(e.Err, video.ErrDiskFull) {
		return e.Err.Error() // it says "disk (nearly) full" already
	}
	return "disk full: " + e.Err.Error()
}

// Unwrap returns Err.
func (e *DiskFullError) Unwrap() error { return e.Err }

// IsDiskFull reports whether err comes from a full disk: a
// *DiskFullError, the video sink that saw the space run out or whose
// ffmpeg said so (video.ErrDiskFull), or a write that failed with ENOSPC
// or EDQUOT. It goes by the errors' identity only, never by their text:
// a message holds file names, and a video called
// "no space left on device.avi" is not a full disk.
func IsDiskFull(err error) bool {
	var d *DiskFullError
	return err != nil && (errors.As(err, &d) || errors.Is(err, video.ErrDiskFull) ||
		errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT))
}

// StopRequested reports whether a signal is waiting on sigs, without
// waiting for one (and takes it).
func StopRequested(sigs <-chan os.Signal) bool {
	select {
	case <-sigs:
		return true
	default:
		return false
	}
}
