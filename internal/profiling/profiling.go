// Package profiling profiles a run (github.com/pkg/profile) and puts the
// profile's file in the current folder by the rules of every livecam
// output (package outfile): an existing file is replaced only when asked,
// a link to anything but a regular file is refused, an input of the run
// is never replaced, and a link in the file's place is replaced itself,
// never written through.
package profiling

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"

	"github.com/pkg/profile"

	"github.com/livecam/livecam/sink/outfile"
)

// Kinds are the profiles Start takes, in the order messages list them.
var Kinds = []string{"cpu", "mem", "block", "mutex", "trace"}

// File is the file a kind of profile writes in the current folder.
func File(kind string) string {
	if kind == "trace" {
		return "trace.out"
	}
	return kind + ".pprof"
}

// modes are package profile's modes, by kind.
var modes = map[string]func(*profile.Profile){
	"cpu": profile.CPUProfile, "mem": profile.MemProfile, "block": profile.BlockProfile,
	"mutex": profile.MutexProfile, "trace": profile.TraceProfile,
}

// ErrUnknownKind is Start's error for a kind not in Kinds.
var ErrUnknownKind = errors.New("unknown profile kind")

// ErrRunning is Start's error while a profile started before is not
// stopped yet (package profile would end the process).
var ErrRunning = errors.New("a profile is running already")

// running is set from Start until its stop function has run.
var running atomic.Bool

// Options adjust Start. Every field may be left zero.
type Options struct {
	// Inputs are the run's inputs: the profile never replaces one.
	Inputs []string
	// Overwrite allows replacing an existing file.
	Overwrite bool
	// Flag names the request in messages: with "-profile cpu", a
	// refusal reads "-profile cpu writes cpu.pprof: exists, ..." and
	// a failure "-profile cpu: ..." (default: the path alone, and
	// "profile: ...").
	Flag string
	// Logf reports what the stop function could not do (default:
	// nothing): the profile then stays where the message says.
	Logf func(format string, args ...any)
}

// Start starts a profile of the given kind (one of Kinds), after checking
// that its file (File) may be written; nothing is created in its place
// until the end. The profile is written into a private folder beside it;
// stop ends the profile, moves the file into place and removes the
// folder; calling it again does nothing. One profile runs at a time in a
// process: Start refuses another (ErrRunning) until stop.
func Start(kind string, o Options) (stop func(), err error) {
	mode, ok := modes[kind]
	if !ok {
		return nil, fmt.Errorf("%w %q: want one of %v", ErrUnknownKind, kind, Kinds)
	}
	target := File(kind)
	t, name := outfile.Target{Path: target}, "profile"
	if o.Flag != "" {
		t.Flag, name = o.Flag+" writes", o.Flag
	}
	if err := outfile.Check(o.Inputs, []outfile.Target{t}, o.Overwrite); err != nil {
		return nil, err
	}
	if !running.CompareAndSwap(false, true) {
		return nil, fmt.Errorf("%s: %w", name, ErrRunning)
	}
	tmp, err := os.MkdirTemp(".", ".livecam-profile-")
	if err != nil {
		running.Store(false)
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	p := profile.Start(mode, profile.ProfilePath(tmp), profile.NoShutdownHook, profile.Quiet)
	var once sync.Once
	return func() {
		once.Do(func() {
			p.Stop()
			running.Store(false)
			if err := outfile.Rename(filepath.Join(tmp, target), target, o.Overwrite); err != nil {
				if o.Logf != nil {
					o.Logf("%s: %v", name, err)
				}
				return // the profile stays in tmp, which the message names
			}
			os.Remove(tmp)
		})
	}, nil
}
