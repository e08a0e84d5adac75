package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/pkg/profile"

	"github.com/livecam/livecam/cameras"
	"github.com/livecam/livecam/internal/escape"
	"github.com/livecam/livecam/internal/runctl"
	"github.com/livecam/livecam/pipeline"
	"github.com/livecam/livecam/sink/outfile"
	"github.com/livecam/livecam/sink/video"
	"github.com/livecam/livecam/timeline"
)

// runInputs lists every source of a run (each job's, each camera's), for
// the check that no output of the run replaces any of them.
func runInputs(jobs []job, cams []cameras.Camera) []string {
	var in []string
	for _, j := range jobs {
		in = append(in, j.source)
	}
	for _, c := range cams {
		in = append(in, c.Source)
	}
	return in
}

// stopError is a file source cut short by a stop signal: its outputs keep
// their partial names. The exit status is runctl.QuitStatus (130), as
// for a run quit by a second signal: the work is not done.
type stopError struct {
	at string // "at 0:04.9 of 0:24"; "" for several sources (a batch, cameras)
}

func (e *stopError) Error() string {
	if e.at == "" {
		return "stopped by signal: not every source was finished"
	}
	return "stopped " + e.at + " by a signal: the outputs were not finished"
}

// ExitStatus is the exit status of a run cut short by a signal.
func (e *stopError) ExitStatus() int { return runctl.QuitStatus }

// diskFullError is a run whose outputs' disk filled up: no further source
// of a batch is started.
type diskFullError struct{ err error }

func (e *diskFullError) Error() string {
	if errors.Is(e.err, video.ErrDiskFull) {
		return e.err.Error() // it says "disk (nearly) full" already
	}
	return "disk full: " + e.err.Error()
}
func (e *diskFullError) Unwrap() error { return e.err }

// isDiskFull reports whether err comes from a full disk: the video sink
// saw the space run out or its ffmpeg said so (video.ErrDiskFull), or a
// write failed with ENOSPC or EDQUOT. It goes by the errors' identity
// only, never by their text: a message holds file names, and a video
// called "no space left on device.avi" is not a full disk.
func isDiskFull(err error) bool {
	var d *diskFullError
	return err != nil && (errors.As(err, &d) || errors.Is(err, video.ErrDiskFull) ||
		errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT))
}

// cutShort says where a run stopped ("at 0:04.9 of 0:24") when a
// stop signal ended a file source before its end; "" when the run is
// whole: it was not interrupted, it read the whole file, or its source
// has no end (a camera, a stream, a looping file).
func (c *camRun) cutShort(interrupted bool, s pipeline.Snapshot) string {
	if !interrupted || c.f.loop {
		return ""
	}
	if st, err := os.Stat(c.j.source); err != nil || !st.Mode().IsRegular() {
		return ""
	}
	if c.info.Frames > 0 && s.In >= int64(c.info.Frames) {
		return ""
	}
	at := "at " + timeline.Clock(c.last)
	if c.info.Frames > 0 && c.info.FPS > 0 {
		at += " of " + timeline.Clock(time.Duration(float64(c.info.Frames)/c.info.FPS*float64(time.Second)))
	}
	return at
}

// partialReportName names the report of a run cut short: the report's
// name with the partial results' random part, so that it sits beside
// them, is never taken for a finished report, and replaces nothing.
func partialReportName(report, partialResults string) string {
	base := filepath.Base(partialResults)
	tag := ""
	if i := strings.LastIndex(base, ".partial-"); i >= 0 {
		tag = strings.TrimSuffix(base[i+len(".partial-"):], filepath.Ext(base))
	}
	ext := filepath.Ext(report)
	return strings.TrimSuffix(report, ext) + ".partial-" + tag + ext
}

// quotedList prints paths for a message, control characters escaped.
func quotedList(paths []string) string {
	q := make([]string, len(paths))
	for i, p := range paths {
		q[i] = escape.Control(p)
	}
	return strings.Join(q, ", ")
}

// profileFiles are the files package profile writes, by -profile kind.
var profileFiles = map[string]string{"cpu": "cpu.pprof", "mem": "mem.pprof", "block": "block.pprof", "mutex": "mutex.pprof", "trace": "trace.out"}

// startProfile starts a profile of the given kind, or none for "". The
// profile's file in the current folder follows the rules of every output
// (package outfile): an existing one is replaced only with -overwrite, a
// link to anything but a regular file is refused, an input is never
// replaced. Package profile writes into a private folder beside it; the
// stop function moves the file into place (never through a link: a link
// there is replaced, its target untouched) and removes the folder.
func startProfile(kind string, inputs []string, overwrite bool, stderr io.Writer) (stop func(), err error) {
	var mode func(*profile.Profile)
	switch kind {
	case "":
		return nil, nil
	case "cpu":
		mode = profile.CPUProfile
	case "mem":
		mode = profile.MemProfile
	case "block":
		mode = profile.BlockProfile
	case "mutex":
		mode = profile.MutexProfile
	case "trace":
		mode = profile.TraceProfile
	default:
		return nil, fmt.Errorf("%w: -profile %q: want cpu, mem, block, mutex or trace", errUsage, kind)
	}
	target := profileFiles[kind]
	if err := outfile.Check(inputs, []outfile.Target{{Path: target, Flag: "-profile " + kind + " writes"}}, overwrite); err != nil {
		return nil, withHint(err)
	}
	tmp, err := os.MkdirTemp(".", ".livecam-profile-")
	if err != nil {
		return nil, fmt.Errorf("-profile: %v", err)
	}
	p := profile.Start(mode, profile.ProfilePath(tmp), profile.NoShutdownHook, profile.Quiet)
	return func() {
		p.Stop()
		if err := outfile.Rename(filepath.Join(tmp, target), target, overwrite); err != nil {
			fmt.Fprintf(stderr, "livecam: -profile: %v\n", err)
			return // the profile stays in tmp, which the message names
		}
		os.Remove(tmp)
	}, nil
}
