// Command livecam labels what a camera sees with a native Go MobileNet V1.
//
// Usage:
//
//	livecam -source SRC [-model DIR] [-out FILE] [-results FILE] [-display] [-realtime] [-fps N] [-every K] ...
//	livecam classify [-model DIR] [-topk K] [-json] IMAGE...
//	livecam summary [-alpha A] [-size S] [-classes N]
//	livecam bench [-model DIR | -alpha A -size S] [-threads N] [-n RUNS] [-json] [-all]
//	livecam models list | path [NAME] | fetch NAME [-dest DIR]
//
// Run "livecam COMMAND -h" for the flags of each command.
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
)

// command is one subcommand: it parses its own flags from args and writes
// to stdout and stderr.
type command struct {
	name, summary string
	run           func(args []string, stdout, stderr io.Writer) error
}

var commands = []command{
	{"classify", "label image files", runClassify},
	{"summary", "print the per-layer table of the architecture (the paper's Table 1)", runSummary},
	{"bench", "measure forward-pass latency", runBench},
	{"models", "list, locate and download models", runModels},
}

// errUsage marks an error that is the caller's misuse: exit status 2.
var errUsage = errors.New("usage")

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run executes one livecam command line and returns the exit status.
func run(args []string, stdout, stderr io.Writer) int {
	// A reader that goes away (livecam ... | head) makes writes fail with
	// EPIPE, which the outputs handle, instead of killing the process.
	signal.Ignore(syscall.SIGPIPE)
	if len(args) == 0 || args[0] == "-h" || args[0] == "-help" || args[0] == "--help" || args[0] == "help" {
		usage(stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	if strings.HasPrefix(args[0], "-") { // the main job: label a video source
		err := runPipeline(args, stdout, stderr)
		return exitStatus(err, "livecam", stderr)
	}
	for _, c := range commands {
		if c.name != args[0] {
			continue
		}
		return exitStatus(c.run(args[1:], stdout, stderr), "livecam "+c.name, stderr)
	}
	fmt.Fprintf(stderr, "livecam: unknown command %q\n", args[0])
	usage(stderr)
	return 2
}

// exitStatus reports err on stderr and returns the exit status for it.
func exitStatus(err error, who string, stderr io.Writer) int {
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		fmt.Fprintf(stderr, "%s: %v\n", who, err)
		return 2
	}
	fmt.Fprintf(stderr, "%s: %v\n", who, err)
	return 1
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: livecam -source SRC [flags]   label a camera, video file or stream")
	fmt.Fprintln(w, "       livecam COMMAND [flags] [args]")
	fmt.Fprintln(w, "\ncommands:")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-9s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun \"livecam COMMAND -h\" for a command's flags.")
}

// newFlags returns a FlagSet that reports errors instead of exiting.
func newFlags(name string, stderr io.Writer, usageLine string) *flag.FlagSet {
	full := strings.TrimSpace("livecam " + name)
	fs := flag.NewFlagSet(full, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: %s %s\n", full, usageLine)
		fs.PrintDefaults()
	}
	return fs
}

// parse parses flags, turning a parse failure into a usage error.
func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	return nil
}
