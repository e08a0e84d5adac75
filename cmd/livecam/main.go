// Command livecam labels what a camera sees with a native Go MobileNet V1.
//
// Run "livecam -h" for the usage, examples and commands, "livecam help
// flags" for all the main job's flags, "livecam COMMAND -h" for a
// command's; the flag lists are made from the flag sets.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/livecam/livecam/internal/cliflag"
	"github.com/livecam/livecam/internal/cvlog"
	"github.com/livecam/livecam/internal/escape"
	"github.com/livecam/livecam/internal/versioninfo"
	"github.com/livecam/livecam/source"
)

// command is one subcommand: it parses its own flags from args and writes
// to stdout and stderr.
type command struct {
	name, summary string
	run           func(args []string, stdout, stderr io.Writer) error
}

var commands = []command{
	{"classify", "label image files", runClassify},
	{"detect", "find objects in image files, with boxes", runDetect},
	{"summary", "print the per-layer table of the architecture (the paper's Table 1)", runSummary},
	{"bench", "measure forward-pass latency", runBench},
	{"models", "list, locate and download models", runModels},
	{"report", "write the HTML report of a results file", runReport},
	{"version", "print the version, commit, Go, OpenCV and kernels", runVersion},
	{"submit", "queue videos for a fleet of workers (NATS JetStream)", runSubmit},
	{"worker", "label the videos of the fleet's queue, one at a time", runWorker},
	{"jobs", "list the fleet's jobs and their states", runJobs},
}

// errUsage marks an error that is the caller's misuse: exit status 2
// (cliflag's, which parse errors wrap).
var errUsage = cliflag.ErrUsage

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run executes one livecam command line and returns the exit status.
func run(args []string, stdout, stderr io.Writer) int {
	// A reader that goes away (livecam ... | head) makes writes fail with
	// EPIPE, which the outputs handle, instead of killing the process.
	signal.Ignore(syscall.SIGPIPE)
	if len(args) == 0 || args[0] == "-h" || args[0] == "-help" || args[0] == "--help" || args[0] == "help" {
		switch {
		case len(args) == 0:
			usage(stderr)
			return 2
		case len(args) > 1 && args[0] == "help" && args[1] == "flags": // the main job's flags, all of them
			fs, _ := defineRunFlags(stdout, stderr)
			fs.WriteUsage(stdout)
			return 0
		case len(args) > 1 && args[0] == "help": // livecam help COMMAND
			return run(append(args[1:2], "-h"), stdout, stderr)
		}
		usage(stdout)
		return 0
	}
	if args[0] == "--version" || args[0] == "-version" {
		return run([]string{"version"}, stdout, stderr)
	}
	if strings.HasPrefix(args[0], "-") || isSource(args[0]) { // the main job: label video sources
		err := runPipeline(args, stdout, stderr)
		return exitStatus(err, "livecam", stderr)
	}
	for _, c := range commands {
		if c.name != args[0] {
			continue
		}
		return exitStatus(c.run(args[1:], stdout, stderr), "livecam "+c.name, stderr)
	}
	fmt.Fprintf(stderr, "livecam: %s: no such file or command (see livecam -h)\n", escape.Control(args[0]))
	return 2
}

// exitStatus reports err on stderr and returns the exit status for it.
// The message is printed with its control characters escaped: it may
// name a file, a source or a job's contents, and no name may rewrite the
// terminal or forge a line of its own.
func exitStatus(err error, who string, stderr io.Writer) int {
	if err == nil || errors.Is(err, flag.ErrHelp) {
		return 0
	}
	fmt.Fprintf(stderr, "%s: %s\n", who, escape.Control(err.Error()))
	if errors.Is(err, errUsage) {
		return 2
	}
	var s interface{ ExitStatus() int } // a run stopped by a signal: 130
	if errors.As(err, &s) {
		return s.ExitStatus()
	}
	return 1
}

// isSource reports whether a first argument that is no command names a
// source (livecam video.mp4 ...): an existing file or folder, a stream
// URL, a camera index or GStreamer pipeline (source.IsLive), or any of
// them named (porch=rtsp://...).
func isSource(arg string) bool {
	for _, c := range commands {
		if c.name == arg {
			return false
		}
	}
	_, err := os.Stat(arg)
	name, src, named := strings.Cut(arg, "=")
	return err == nil || source.IsLive(arg) || named && name != "" && !strings.Contains(name, "/") && isSource(src)
}

// newFlags returns the flag set of command name ("" for the main job),
// with cliflag's conventions; positional describes its arguments for the
// usage line ("IMAGE...").
func newFlags(name, positional string, stdout, _ io.Writer) *cliflag.Set {
	return cliflag.New(strings.TrimSpace("livecam "+name), positional, stdout)
}

// examples are the commonest runs, for the usage.
const examples = `
examples:
  livecam -out labeled.mp4 video.mp4    label a video: an annotated copy, a summary at the end
  livecam -out-dir labeled videos/      label every video of a folder (a rerun does the new ones)
  livecam -serve 127.0.0.1:8080 0       watch camera 0, labeled, in a browser at that address
  livecam -config cameras.yaml          run many cameras from a YAML file (README: many cameras)
  livecam classify photo.jpg more.jpg   label photos
`

// usage prints the short help: one screen.
func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: livecam [flags] SOURCE...   label video files, folders, cameras and streams")
	fmt.Fprintln(w, "       livecam COMMAND [flags] [ARG...]")
	fmt.Fprint(w, examples)
	fmt.Fprintln(w, "\ncommands:")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-9s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nAll the flags: \"livecam help flags\" (the main job's, in groups), \"livecam COMMAND -h\" (a command's).")
}

func runVersion(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("version", "", stdout, stderr)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}
	return versioninfo.Write(stdout) // an error: every model would refuse to load; fail
}

// quietNativeLogs keeps OpenCV's, FFmpeg's and GStreamer's own lines off
// standard error (cvlog.Quiet): livecam reports what matters in its own
// words; -v lets them through.
var quietNativeLogs = cvlog.Quiet
