package main

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"

	"gocv.io/x/gocv"

	"github.com/livecam/livecam/internal/cvlog"
	"github.com/livecam/livecam/net/mobilenet"
)

func runVersion(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("version", "", stdout, stderr)
	if err := fs.parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}
	version, commit := "(devel)", "unknown"
	if bi, ok := debug.ReadBuildInfo(); ok {
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
	}
	fmt.Fprintf(stdout, "livecam %s\n", version)
	fmt.Fprintf(stdout, "commit   %s\n", commit)
	fmt.Fprintf(stdout, "go       %s %s/%s\n", runtime.Version(), runtime.GOOS, runtime.GOARCH)
	fmt.Fprintf(stdout, "opencv   %s (gocv %s)\n", gocv.OpenCVVersion(), gocv.Version())
	path, floatKernel, quantKernel, err := mobilenet.KernelPath()
	if err != nil {
		// Every model would refuse to load: say so here too, and fail.
		fmt.Fprintf(stdout, "kernels  %v\n", err)
		return err
	}
	fmt.Fprintf(stdout, "kernels  %s (float32 %s, uint8 %s)\n", path, floatKernel, quantKernel)
	return nil
}

// quietNativeLogs keeps OpenCV's own log lines (and FFmpeg's, which
// OpenCV relays) off standard error: livecam reports what matters in its
// own words; -v lets them through.
func quietNativeLogs() {
	cvlog.Set(cvlog.Silent)
	if _, set := os.LookupEnv("GST_DEBUG"); !set {
		os.Setenv("GST_DEBUG", "0")
	}
}
