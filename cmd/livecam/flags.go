package main

import (
	"io"
	"strings"

	"github.com/livecam/livecam/internal/cliflag"
)

// flagSet is a cliflag.Set (flags after arguments, a single-value flag
// given twice refused, usage in groups) under the names the command's
// files use.
type flagSet struct{ *cliflag.Set }

// newFlags returns the flag set of command name ("" for the main job);
// positional describes its arguments for the usage line ("IMAGE...").
// -h prints the usage to stdout; a misuse is reported as an error (with
// a pointer to -h) rather than followed by the whole usage text.
func newFlags(name, positional string, stdout, _ io.Writer) *flagSet {
	return &flagSet{cliflag.New(strings.TrimSpace("livecam "+name), positional, stdout)}
}

// multi defines a flag that may be given several times; fn sees each.
func (fs *flagSet) multi(name, usage string, fn func(string) error) { fs.Multi(name, usage, fn) }

// group files flags under a heading in the usage text.
func (fs *flagSet) group(title string, names ...string) { fs.Group(title, names...) }

// parse parses args: see cliflag.Set.Parse.
func (fs *flagSet) parse(args []string) error { return fs.Parse(args) }

// writeUsage prints the usage line and the flags, in their groups.
func (fs *flagSet) writeUsage(w io.Writer) { fs.WriteUsage(w) }
