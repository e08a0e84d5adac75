// Package versioninfo says what a livecam binary is built from: its
// module version and commit (from the build information Go records), the
// Go release, OpenCV's version and the kernels the networks run on.
package versioninfo

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"

	"gocv.io/x/gocv"

	"github.com/livecam/livecam/net/mobilenet"
)

// Write prints the version report, a line each: livecam's version, the
// commit, Go, OpenCV and the kernels. When no kernel path can be used
// (a $LIVECAM_KERNELS the machine cannot run), it says so on the kernels
// line and returns the error: every model would refuse to load.
func Write(w io.Writer) error {
	bi, _ := debug.ReadBuildInfo()
	version, commit := Of(bi)
	fmt.Fprintf(w, "livecam %s\n", version)
	fmt.Fprintf(w, "commit   %s\n", commit)
	fmt.Fprintf(w, "go       %s %s/%s\n", runtime.Version(), runtime.GOOS, runtime.GOARCH)
	fmt.Fprintf(w, "opencv   %s (gocv %s)\n", gocv.OpenCVVersion(), gocv.Version())
	path, floatKernel, quantKernel, err := mobilenet.KernelPath()
	if err != nil {
		fmt.Fprintf(w, "kernels  %v\n", err)
		return err
	}
	fmt.Fprintf(w, "kernels  %s (float32 %s, uint8 %s)\n", path, floatKernel, quantKernel)
	return nil
}

// Of returns the module version ("(devel)" when Go recorded none) and
// the commit of bi ("unknown" without version control information;
// "(with local changes)" added when the tree had some). bi may be nil.
func Of(bi *debug.BuildInfo) (version, commit string) {
	version, commit = "(devel)", "unknown"
	if bi == nil {
		return version, commit
	}
	if bi.Main.Version != "" {
		version = bi.Main.Version
	}
	var rev, modified string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			modified = s.Value
		}
	}
	if rev != "" {
		commit = rev
		if modified == "true" {
			commit += " (with local changes)"
		}
	}
	return version, commit
}
